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
        lines = [line[len(indent):] for line in body.splitlines()]
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
