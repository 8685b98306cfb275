"""Every `ccm …` line the README and the docs show is a command line the CLI accepts: its
words name a command, and click parses its options and converts their values (a date, a
choice, a State, an amount), as it would before running it. The tutorial's lines are also
run, in `tests/e2e/test_docs.py`. A line that shows a placeholder (`[--port N]`, `FILE`,
`<id>`, `…`, `$VAR`) is a pattern, not a command line, and is left to the help test."""

from __future__ import annotations

import re

import pytest

from tests.docs import PAGES, parse, shown

ALL = [s for page in PAGES for s in shown(page)]
PATTERN = re.compile(r"[\[\]<>…$|]|\b(FILE|DIR|PATH|ID|NAME|N|KEY|URL|PERSON|OFFICE|STATE|YEAR|DATE|REF)\b")
LINES = [s for s in ALL if not PATTERN.search(s.command)]


def test_the_docs_show_commands_and_most_are_parsed():
    assert len(ALL) > 100
    assert len(LINES) > 0.5 * len(ALL), [s.command for s in ALL if PATTERN.search(s.command)]


@pytest.mark.parametrize("line", LINES, ids=lambda s: f"{s.page.name}:{s.command[:60]}")
def test_a_command_line_in_the_docs_parses(line, tmp_path, monkeypatch):
    parse(line.command, tmp_path, monkeypatch)
