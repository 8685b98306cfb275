"""Every `ccm …` line the README and the docs show is a command line the CLI accepts: its
words name a command, and click parses its options and converts their values (a date, a
choice, a State, an amount), as it would before running it. The tutorial's lines are also
run, in `tests/e2e/test_docs.py`. A line that shows a placeholder (`[--port N]`, `FILE`,
`<id>`, `…`, `$VAR`) is a pattern, not a command line, and is left to the help test."""

from __future__ import annotations

import re
import shlex

import click
import pytest

from cli.main import cli
from tests.docs import PAGES, shown

ALL = [s for page in PAGES for s in shown(page)]
PATTERN = re.compile(r"[\[\]<>…$|]|\b(FILE|DIR|PATH|ID|NAME|N|KEY|URL|PERSON|OFFICE|STATE|YEAR|DATE|REF)\b")
LINES = [s for s in ALL if not PATTERN.search(s.command)]


def test_the_docs_show_commands_and_most_are_parsed():
    assert len(ALL) > 100
    assert len(LINES) > 0.5 * len(ALL), [s.command for s in ALL if PATTERN.search(s.command)]


@pytest.mark.parametrize("line", LINES, ids=lambda s: f"{s.page.name}:{s.command[:60]}")
def test_a_command_line_in_the_docs_parses(line, tmp_path, monkeypatch):
    # The files a line names are made (empty) in a folder of its own: only its parse counts.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    args = [str(tmp_path) + w[1:] if w.startswith("~/") else w for w in shlex.split(line.command)[1:]]  # the shell's ~
    for word in args:
        if re.fullmatch(r"[\w./-]+\.(csv|json|jsonl|md|txt|pem|xml|sta|mt940|053|ics|pdf|html|yaml)", word):
            path = tmp_path / word
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
    ctx = cli.make_context("ccm", list(args), resilient_parsing=False)
    node, rest = cli, ctx.protected_args + ctx.args
    while isinstance(node, click.Group) and rest:
        name, sub, rest = node.resolve_command(ctx, rest)
        assert sub is not None, f"`{line.command}`: no command {name}"
        node, ctx = sub, sub.make_context(name, rest, parent=ctx, resilient_parsing=False)
        rest = ctx.protected_args + ctx.args if isinstance(sub, click.Group) else []
    assert not isinstance(node, click.Group), f"`{line.command}` names a group, not a command"
