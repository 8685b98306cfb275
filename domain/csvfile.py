"""Reading the CSV files people bring (a ledger, a scale, a budget, obligations, holidays):
one reader, and one way of saying what is wrong, by the line a person finds in their editor.

A byte-order mark is no part of the header; a quoted field may hold a line break; a blank
line is skipped and counts as a line. Each problem is `line N, column: what` (or `line N:
what`), and a file's problems are said together, in the order of its lines.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator


def rows(text: str, columns: Iterable[str], header: str = "") -> Iterator[tuple[int, dict[str, str]]]:
    """Each row of `text`, with the line it starts on, its cells stripped (a missing one:
    ""). A ValueError (`line 1: …`, or `header` where given) when the first line does not
    name every one of `columns`."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    names = [name.strip() for name in next(reader, [])]
    wanted = list(columns)
    if set(wanted) - set(names):  # said now, before a row is read
        raise ValueError(header or f"line 1: the header must be {','.join(wanted)}")

    def each() -> Iterator[tuple[int, dict[str, str]]]:
        last = reader.line_num
        for cells in reader:
            first, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            yield first, {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(names) if name}

    return each()


class Problems:
    """What is wrong with a file, line by line, said together."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, line: int, column: str, message: str) -> None:
        self.items.append(f"line {line}, {column}: {message}" if column else f"line {line}: {message}")

    def __bool__(self) -> bool:
        return bool(self.items)

    def __str__(self) -> str:
        return "; ".join(self.items)
