"""A command a process refuses: the one error every aggregate raises. A module of its own
because the lowest modules (`domain.schedule`) raise it too.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations


class Refusal(ValueError):
    """A command a process refuses; the message is meant for the person who sent it, the
    code for a program (it travels as the failure's type: nothing matches on wording)."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.code = code
