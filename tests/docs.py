"""The commands the documentation shows, read from its Markdown: each `ccm …` line of a
```sh block, with the ```text block that follows it, where one does (what it prints)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_BLOCK = re.compile(r"^( *)```(sh|text)\n(.*?)^\1```", re.S | re.M)


@dataclass
class Shown:
    page: Path
    command: str  # one line, its comment removed
    output: list[str]  # the lines of the ```text block after its ```sh block (its last command's)


def shown(page: Path) -> list[Shown]:
    out: list[Shown] = []
    for match in _BLOCK.finditer(page.read_text()):
        indent, kind, body = match.groups()
        lines = [line[len(indent) :] for line in body.splitlines()]
        if kind == "text":
            if out and out[-1].page == page and not out[-1].output:
                out[-1].output = [line for line in lines if line.strip()]
            continue
        for line in "\n".join(lines).replace("\\\n", " ").splitlines():  # a line continued by `\`
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command.startswith("ccm "):
                out.append(Shown(page, command, []))
    return out


def matches(expected: str, text: str) -> bool:
    """Whether `text` holds a line with the parts of `expected` between its `…`, in order."""
    parts = [p.strip() for p in expected.split("…") if p.strip()]
    for line in text.splitlines():
        at = 0
        for part in parts:
            at = line.find(part, at)
            if at < 0:
                break
            at += len(part)
        else:
            return True
    return False


def parse(command: str, folder: Path, monkeypatch) -> None:
    """Parse `ccm …` as the CLI would before running it: its words name a command, click
    parses its options and converts their values. The files it names are made, empty, in
    `folder` (only the parse counts); `~` is the shell's, in `folder` too."""
    import shlex

    import click

    from cli.main import cli

    monkeypatch.chdir(folder)
    monkeypatch.setenv("HOME", str(folder))
    words = [w for w in shlex.split(command) if not re.fullmatch(r"[A-Z_]+=\S*", w)]  # VAR=value prefixes
    for shell in (">", ">>", "|", "&&"):  # what the shell does with the output is no argument
        words = words[: words.index(shell)] if shell in words else words
    assert words[0] == "ccm", command
    args = [str(folder) + w[1:] if w.startswith("~/") else w for w in words[1:]]
    for word in args:
        if re.fullmatch(r"[\w./-]+\.(csv|json|jsonl|md|txt|pem|xml|sta|mt940|053|ics|pdf|html|yaml)", word):
            path = folder / word
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
    ctx = cli.make_context("ccm", list(args), resilient_parsing=False)
    node, rest = cli, ctx.protected_args + ctx.args
    while isinstance(node, click.Group) and rest:
        name, sub, rest = node.resolve_command(ctx, rest)
        assert sub is not None, f"`{command}`: no command {name}"
        node, ctx = sub, sub.make_context(name, rest, parent=ctx, resilient_parsing=False)
        rest = ctx.protected_args + ctx.args if isinstance(sub, click.Group) else []
    assert not isinstance(node, click.Group), f"`{command}` names a group, not a command"
