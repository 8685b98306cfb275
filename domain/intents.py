"""What a `--request-id` names: one command, by the digest of its words.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel, ConfigDict, Field

MAX_ANSWER = 200_000  # characters of a command's answer kept for its retries (well under a payload's limit)


class RequestInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    digest: str = Field(pattern=r"^[0-9a-f]{64}$")
    command: str = Field(max_length=2_000, description="the command's words, for the refusal to name")


class RequestHeld(BaseModel):
    digest: str
    command: str
    answer: str | None = Field(None, max_length=MAX_ANSWER)


def intent_digest(words: list[str]) -> str:
    """The digest of a command's words: the same words in the same order, the same intent."""
    return hashlib.sha256(json.dumps(words, ensure_ascii=False).encode("utf-8")).hexdigest()


def intent_id(request_id: str) -> str:
    """The workflow that holds a request id's intent (a request id may hold any printable
    character; a workflow id is kept plain)."""
    return "request-" + hashlib.sha256(request_id.encode("utf-8")).hexdigest()[:32]


def without_request_id(args: list[str]) -> list[str]:
    """A command's words less the request id itself (`--request-id X`, `--request-id=X`)."""
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a == "--request-id":
            skip = True
        elif not a.startswith("--request-id="):
            out.append(a)
    return out
