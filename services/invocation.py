"""One run of a `ccm` command: the intent its updates belong to, and what it has read
once (the key registry). Apart from `services.commands` so that the key store can
read it without importing the commands that sign through it."""

from __future__ import annotations

import uuid
from collections import Counter


class Invocation:
    """One run of a command: its request id, and how often it has sent each update."""

    def __init__(self, request_id: str | None = None):
        self.request_id = request_id or uuid.uuid4().hex
        self.sent: Counter[str] = Counter()


_invocation = Invocation()


def current_invocation() -> Invocation:
    return _invocation


def begin_invocation(request_id: str | None = None) -> None:
    """Called once per `ccm` command (the root group): a new intent."""
    global _invocation
    _invocation = Invocation(request_id)
