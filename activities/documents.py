"""Documents kept in the event log, named by their SHA-256.

A concept note or a set of minutes can be megabytes; Temporal refuses a payload past
2 MB and keeps every payload in the history. So the text is stored once, in parts of
`DOCUMENT_PART` characters (`document.part` rows under `documents/<sha256>/<n>`, each
small enough to travel to the worker that writes it) and a `document.stored` row under
`documents/<sha256>` that names them (storing it twice writes once); workflows carry only
its `DocumentRef`. Activities read it back and check the hash.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from activities.eventlog import EventLog
from domain.contract import DocumentRef
from domain.events import NewEvent
from domain.records import DOCUMENT_PART

MAX_DOCUMENT = 20_000_000  # characters: far beyond any note or minutes, short of a runaway file


def document_events(text: str, name: str = "", actor: str = "", office: str = "") -> tuple[DocumentRef, list[NewEvent]]:
    """The rows that store a document: its parts, then the row that names them."""
    if len(text) > MAX_DOCUMENT:
        raise ValueError(f"{name or 'the document'} has {len(text):,} characters: more than {MAX_DOCUMENT:,}")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    ref = DocumentRef(sha256=sha, size=len(text), name=name[-200:])
    now = datetime.now(timezone.utc)

    def row(key: str, event_type: str, payload: dict) -> NewEvent:
        return NewEvent(
            idempotency_key=key,
            workflow_id="documents",
            workflow_type="",
            subject=ref.name,
            event_type=event_type,
            occurred_at=now,
            actor=actor,
            office=office,
            payload=payload,
        )

    parts = [text[i : i + DOCUMENT_PART] for i in range(0, len(text), DOCUMENT_PART)]
    return ref, [
        *(
            row(f"documents/{sha}/{n}", "document.part", {"sha256": sha, "part": n, "text": part})
            for n, part in enumerate(parts, start=1)
        ),
        row(f"documents/{sha}", "document.stored", ref.model_dump() | {"parts": len(parts)}),
    ]


def load_document(log: EventLog, sha256: str) -> str:
    from temporalio.exceptions import ApplicationError

    row = log.get(f"documents/{sha256}")
    if row is None:  # retrying cannot make it appear: say so at once
        raise ApplicationError(f"document {sha256} is not in the event log", non_retryable=True)
    from domain.event_types import typed

    parts = [log.get(f"documents/{sha256}/{n}") for n in range(1, typed(row).parts + 1)]
    if any(p is None for p in parts):
        raise ApplicationError(f"document {sha256} is missing a part in the event log", non_retryable=True)
    text = "".join(typed(p).text for p in parts if p is not None)
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != sha256:
        raise ApplicationError(f"document {sha256} does not match its hash", non_retryable=True)
    return text
