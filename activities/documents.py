"""Documents kept in the event log, named by their SHA-256.

A concept note or a set of minutes can be megabytes; Temporal refuses a payload past
2 MB and keeps every payload in the history. So the text is stored once, as a
`document.stored` row under the key `documents/<sha256>` (storing it twice writes once),
and workflows carry only its `DocumentRef`. Activities read it back and check the hash.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from activities.eventlog import EventLog
from domain.contract import DocumentRef
from domain.events import NewEvent

MAX_DOCUMENT = 20_000_000  # characters: far beyond any note or minutes, short of a runaway file


def store_document(log: EventLog, text: str, name: str = "", actor: str = "", office: str = "") -> DocumentRef:
    if len(text) > MAX_DOCUMENT:
        raise ValueError(f"{name or 'the document'} has {len(text):,} characters: more than {MAX_DOCUMENT:,}")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    ref = DocumentRef(sha256=sha, size=len(text), name=name[-200:])
    log.append(NewEvent(idempotency_key=f"documents/{sha}", workflow_id="documents", workflow_type="",
                        subject=ref.name, event_type="document.stored", occurred_at=datetime.now(timezone.utc),
                        actor=actor, office=office, payload=ref.model_dump() | {"text": text}))
    return ref


def load_document(log: EventLog, sha256: str) -> str:
    from temporalio.exceptions import ApplicationError

    row = log.get(f"documents/{sha256}")
    if row is None:  # retrying cannot make it appear: say so at once
        raise ApplicationError(f"document {sha256} is not in the event log", non_retryable=True)
    text = row.payload["text"]
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != sha256:
        raise ApplicationError(f"document {sha256} does not match its hash", non_retryable=True)
    return text
