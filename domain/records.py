"""Commands that only record: what a command outside any running process writes to the
event log (a ledger or obligations imported, a State's accession recorded, a key
registered or revoked, a document stored, a bank entry settled by hand).

The `ccm` command builds the events and hands them over; the worker checks who sends them
(the office table and the signature, as for any command) and writes them, in one
transaction, as the `RecordCommand` workflow `record-<command>-<request id>`. The log has
one writer, and the command's database role may only read."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from domain.bank import Statement
from domain.canonical import canonical_bytes
from domain.events import NewEvent
from domain.process import Acting

RecordCommandName = Literal["import_contributions", "import_obligations", "record_state", "register_key",
                            "revoke_key", "store_document", "match_bank_entry", "record_decision"]

# Events of one command: a ledger of years, a registry; bounded so no input nears
# Temporal's 2 MB payload limit (a document is stored in parts of its own).
MAX_EVENTS = 1_000
DOCUMENT_PART = 250_000  # characters of a document stored in one part (at most 1 MB in UTF-8)


class RecordInput(Acting):
    command: RecordCommandName
    events: list[NewEvent] = Field(min_length=1, max_length=MAX_EVENTS)


class RecordResult(BaseModel):
    written: int = Field(description="events written now")
    already: int = Field(description="events whose key the log already held: a re-run writes nothing new")


def record_id(command: str, request_id: str) -> str:
    return f"record-{command.replace('_', '-')}-{request_id}"


def events_digest(events: list[NewEvent]) -> str:
    """What a signature over a recorded command covers: the SHA-256 of its events."""
    import hashlib

    return hashlib.sha256(canonical_bytes([e.model_dump(mode="json") for e in events])).hexdigest()


def signed_arguments(inp: RecordInput) -> dict:
    """The arguments a signature covers (as an update's arguments are covered)."""
    return {"command": inp.command, "events_sha256": events_digest(inp.events), "actor": inp.actor,
            "office": inp.office}


class StatementInput(Acting):
    """A bank statement handed to the worker (`BankStatementImport`), parsed and checked
    by the command that read it."""

    statement: Statement


def statement_id(statement: Statement) -> str:
    """The run that imports a statement: the same file again is the same run's id."""
    return f"bank-statement-{statement.account}-{statement.sha256[:16]}"


def statement_arguments(inp: StatementInput) -> dict:
    return {"command": "import_statement", "statement_sha256": inp.statement.sha256,
            "account": inp.statement.account, "actor": inp.actor, "office": inp.office}
