"""What the event log stores, and how a row's hash is computed.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

The hash rule lives here, beside the model, because an auditor re-verifies an exported
log with nothing but this function: it must not depend on the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from domain.canonical import canonical_bytes

GENESIS_HASH = "0" * 64


class NewEvent(BaseModel):
    """An event a workflow asks to append. The idempotency key is chosen by the workflow
    (`chase-2017-ITA/reminder-2`), so a retried activity finds its row and writes nothing."""

    model_config = ConfigDict(extra="forbid")

    idempotency_key: str
    workflow_id: str
    run_id: str = ""
    workflow_type: str = ""
    subject: str = ""
    event_type: str
    occurred_at: datetime
    actor: str = ""
    office: str = ""
    payload: dict[str, Any] = Field(default_factory=dict)


class Event(NewEvent):
    """A row of the log: the event with its sequence number, the time it was written and
    its place in the hash chain."""

    seq: int
    recorded_at: datetime
    prev_hash: str
    hash: str


def hashed_time(moment: datetime | str) -> str:
    """A time as the hash covers it: UTC, to the microsecond, `2027-01-15T08:00:00.000000+00:00`.
    Text is taken as already written so (a row read back gives it)."""
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


_HASHED = frozenset(NewEvent.model_fields)


def event_hash(
    event: NewEvent, seq: int, recorded_at: datetime, prev_hash: str, dumped: dict[str, Any] | None = None
) -> str:
    """SHA-256 over a canonical JSON of every field of the row and the previous hash.
    `dumped` is the event's `model_dump(mode="json")` when the caller has it already."""
    if dumped is None:
        fields = event.model_dump(mode="json", include=set(_HASHED))
    else:
        fields = {k: dumped[k] for k in _HASHED}
    return fields_hash(fields, seq, event.occurred_at, recorded_at, prev_hash)


def fields_hash(
    fields: dict[str, Any], seq: int, occurred_at: datetime | str, recorded_at: datetime | str, prev_hash: str
) -> str:
    """The same hash from the event's fields in JSON form (a row read back from the
    database gives them without building a model: the fast path of verifying a big log)."""
    hashed = dict(fields)  # exactly the event's fields: a model dump, or a row's columns
    hashed.update(
        seq=seq, occurred_at=hashed_time(occurred_at), recorded_at=hashed_time(recorded_at), prev_hash=prev_hash
    )
    return hashlib.sha256(canonical_bytes(hashed)).hexdigest()


class ChainRow(NamedTuple):
    """What verifying needs of a row: its place, its hashes, and the hash its content gives."""

    seq: int
    prev_hash: str
    hash: str
    digest: str


def read_import(data: bytes, columns: list[str]) -> tuple[str, Iterator[tuple[int, dict[str, str]]]]:
    """(SHA-256, rows) of a CSV file brought into the log: UTF-8 (a byte-order mark is no
    part of the header), with at least `columns`. A ValueError names what is wrong."""
    from domain.csvfile import rows

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("line 1: the file is not UTF-8 text") from None
    return hashlib.sha256(data).hexdigest(), rows(text, columns)


class ChainBreak(BaseModel):
    seq: int
    reason: str


class Verification(BaseModel):
    rows: int
    head: str
    first_break: ChainBreak | None = None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify_chain(events: Iterable[Event | ChainRow], from_genesis: bool = True) -> Verification:
    """Walk rows (Events, or ChainRows) in sequence order; name the first that was edited,
    removed or moved.
    An export that starts later (`from_genesis=False`) is anchored on its first row."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    rows = 0
    for ev in events:
        if rows == 0 and not from_genesis:
            expected_prev, expected_seq = ev.prev_hash, ev.seq
        rows += 1
        if ev.seq != expected_seq:
            return Verification(
                rows=rows,
                head=expected_prev,
                first_break=ChainBreak(
                    seq=ev.seq, reason=f"expected row {expected_seq} here: a row was deleted or moved"
                ),
            )
        if ev.prev_hash != expected_prev:
            return Verification(
                rows=rows,
                head=expected_prev,
                first_break=ChainBreak(seq=ev.seq, reason="its previous-hash does not match the row before it"),
            )
        digest = ev.digest if isinstance(ev, ChainRow) else event_hash(ev, ev.seq, ev.recorded_at, ev.prev_hash)
        if digest != ev.hash:
            return Verification(
                rows=rows,
                head=expected_prev,
                first_break=ChainBreak(seq=ev.seq, reason="its content does not match its hash: the row was edited"),
            )
        expected_prev = ev.hash
        expected_seq += 1
    return Verification(rows=rows, head=expected_prev)
