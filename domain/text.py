"""The texts a record may hold: no control character (a line break only where a text may
run over lines) and no bidirectional formatting, and bounds on their length.

Runs inside workflows: its code is replayed, so it is deterministic."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

# Characters that reorder or hide what a reader sees (Unicode bidirectional formatting,
# "Trojan Source", CVE-2021-42574) and control characters: no record holds them.
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_text(value: str, lines: bool = False) -> str:
    """`value`, refused if it holds a control character (a line break or tab only where
    `lines`) or a bidirectional-formatting one."""
    for ch in value:
        if ch in _BIDI or (unicodedata.category(ch) == "Cc" and not (lines and ch in "\n\t\r")):
            raise ValueError(
                f"holds the character U+{ord(ch):04X} ({unicodedata.name(ch, 'a control character')}): "
                "control and bidirectional-formatting characters are refused"
            )
    return value


def one_line(value: str) -> str:
    return clean_text(value)


def some_lines(value: str) -> str:
    return clean_text(value, lines=True)


OneLine = Annotated[str, AfterValidator(one_line)]  # a name, a title, a reference
Lines = Annotated[str, AfterValidator(some_lines)]  # a text that may run over lines


# Bounds on the texts a command carries, so no payload nears Temporal's 2 MB limit.
Short = Annotated[str, Field(max_length=300), AfterValidator(one_line)]  # a title, a reference, a summary line
Reason = Annotated[str, Field(max_length=2_000), AfterValidator(some_lines)]  # a reason, a note, a comment
