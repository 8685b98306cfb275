"""Commands that only record: what a command outside any running process writes to the
event log (a ledger or obligations imported, a State's accession recorded, a key
registered or revoked, a document stored, a bank entry settled by hand).

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

The `ccm` command builds the events and hands them over; the worker checks who sends them
(the office table and the signature, as for any command) and writes them, in one
transaction, as the `RecordCommand` workflow `record-<command>-<request id>`. The log has
one writer, and the command's database role may only read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.bank import ChaseView, Entry, Statement
from domain.canonical import canonical_bytes
from domain.contributions import LEDGER
from domain.coverage import DATA_EVENTS
from domain.event_types import check_payload
from domain.events import NewEvent
from domain.ids import chase_state, chase_year
from domain.process import Acting, Short
from domain.signatures import EntryProof

RecordCommandName = Literal[
    "import_contributions",
    "import_letters",
    "import_expenditure",
    "set_budget",
    "import_obligations",
    "record_state",
    "record_legislation",
    "record_outreach",
    "record_coalition",
    "record_coordinators",
    "import_votes",
    "register_key",
    "revoke_key",
    "store_document",
    "match_bank_entry",
    "record_decision",
    "add_data",
]

# Events of one command: a ledger of years, a registry; bounded so no input nears
# Temporal's 2 MB payload limit (a document is stored in parts of its own).
MAX_EVENTS = 1_000
DOCUMENT_PART = 250_000  # characters of a document stored in one part (at most 1 MB in UTF-8)


class RecordInput(Acting):
    model_config = ConfigDict(extra="forbid")

    command: RecordCommandName
    events: list[NewEvent] = Field(min_length=1, max_length=MAX_EVENTS)


@dataclass(frozen=True)
class RecordRule:
    """What one kind of recorded command may write: its event types, under which workflow
    ids and idempotency keys (regular expressions, matched whole), as which workflow type."""

    event_types: frozenset[str]
    workflow_id: str
    key: str
    workflow_type: str


_CHASE = r"chase-\d{4}-[A-Z]{3}"
# Each recorded command writes only what its `ccm` command builds: nothing of a running
# process (a receipt, a letter), of another command (a decision, a key) or of the log's own
# (a checkpoint), whoever sends it and whatever it signs.
RECORD_RULES: dict[str, RecordRule] = {
    "import_contributions": RecordRule(
        frozenset(LEDGER),
        _CHASE,
        _CHASE + r"/(imported|[a-z_]+-imported-[0-9a-f]{16}(-\d+)?|receipt-imported-ref-[0-9a-f]{16})",
        "import",
    ),
    "import_letters": RecordRule(
        frozenset({"chase.letter_imported"}),
        _CHASE,
        _CHASE + r"/letter-imported-[a-z_]+-\d{4}-\d{2}-\d{2}",
        "import",
    ),
    "import_expenditure": RecordRule(
        frozenset({"expenditure.recorded"}), r"expenditure-\d{4}", r"expenditure/[0-9a-f]{16}", "import"
    ),
    "set_budget": RecordRule(frozenset({"budget.set"}), r"budget-\d{4}", r"budget-\d{4}/[0-9a-f]{16}", ""),
    "import_obligations": RecordRule(
        frozenset({"obligation.imported"}), r"obligation-[A-Za-z0-9-]+", r"obligation-[A-Za-z0-9-]+/imported", "import"
    ),
    "record_state": RecordRule(
        frozenset({"state.recorded"}), "registry", r"registry/[A-Z]{3}/[a-z_]+/\d{4}-\d{2}-\d{2}", ""
    ),
    "record_legislation": RecordRule(
        frozenset({"state.legislation_recorded"}),
        "legislation",
        r"legislation/[A-Z]{3}/[a-z0-9]+/\d{4}-\d{2}-\d{2}",
        "",
    ),
    "record_outreach": RecordRule(
        frozenset({"outreach.planned", "outreach.funding_set", "outreach.outcome_recorded", "outreach.cancelled"}),
        r"event-\d{4}-\d{2}-\d{2}-[a-z0-9-]+",
        r"event-\d{4}-\d{2}-\d{2}-[a-z0-9-]+/[a-z0-9-]+",
        "",
    ),
    "record_coalition": RecordRule(
        frozenset({"coalition.recorded"}), r"coalition-[A-Z]{3}", r"coalition-[A-Z]{3}/\d+", ""
    ),
    "record_coordinators": RecordRule(
        frozenset({"coordinators.recorded"}),
        "coordinators",
        r"coordinators/\d{1,3}(MSP|RC)/[a-z-]+/\d+",
        "",
    ),
    "import_votes": RecordRule(frozenset({"unga.vote_recorded"}), "votes", r"votes/A/RES/\d{1,3}/\d{1,4}/[A-Z]{3}", ""),
    "register_key": RecordRule(frozenset({"key.registered"}), "keys", r"keys/.+", "KeyRegistry"),
    "revoke_key": RecordRule(frozenset({"key.revoked"}), "keys", r"keys/.+", "KeyRegistry"),
    "store_document": RecordRule(
        frozenset({"document.part", "document.stored"}), "documents", r"documents/[0-9a-f]{64}(/\d+)?", ""
    ),
    "match_bank_entry": RecordRule(
        frozenset({"bank.entry_matched"}), r"bank-[A-Z0-9]+", r"bank/[A-Z0-9]+/.+/matched", "BankStatement"
    ),
    "record_decision": RecordRule(frozenset({"decision.recorded"}), r"decisions(-\d{4})?", r"decisions/[a-z_]+/.+", ""),
    "add_data": RecordRule(frozenset(DATA_EVENTS), "data", r"data/(scale|holidays|registry)/[0-9a-f]{16}", ""),
}


def check_record_events(inp: RecordInput) -> None:
    """Refuse a recorded command whose events are not those its kind writes (`RECORD_RULES`),
    or that speak for another office than the command's: nothing is written. Raised as a
    `domain.process.Refusal` naming the first such event."""
    from domain.process import Refusal

    rule = RECORD_RULES[inp.command]
    for n, e in enumerate(inp.events, start=1):
        what = f"{inp.command}: event {n} ({e.event_type} under {e.idempotency_key})"
        if e.event_type not in rule.event_types:
            raise Refusal(
                f"{what}: this command writes only {', '.join(sorted(rule.event_types))}", code="not_this_command"
            )
        if (
            not re.fullmatch(rule.workflow_id, e.workflow_id)
            or not re.fullmatch(rule.key, e.idempotency_key)
            or e.workflow_type != rule.workflow_type
        ):
            raise Refusal(
                f"{what}: not a row this command writes (workflow {e.workflow_id!r}, type {e.workflow_type!r})",
                code="not_this_command",
            )
        if e.office != inp.office:
            raise Refusal(
                f"{what}: it speaks for {e.office!r}, the command for {inp.office!r}", code="not_this_command"
            )
    # Every row's payload is validated field by field by its type's model: a record
    # command is no way to write any figure a sender likes.
    for n, e in enumerate(inp.events, start=1):
        try:
            check_payload(e.event_type, e.payload)
        except ValueError as bad:
            raise Refusal(
                f"{inp.command}: event {n} ({e.idempotency_key}): {str(bad).split(': ', 1)[1]}", code="not_this_command"
            ) from None
    if inp.command == "record_coordinators":
        from domain.office_holders import check_holding

        for n, e in enumerate(inp.events, start=1):
            try:
                check_holding(e.payload)
            except Refusal as bad:
                raise Refusal(
                    f"{inp.command}: event {n} ({e.idempotency_key}): {bad}", code="not_this_command"
                ) from None
    if inp.command in IMPORTS_OF_A_YEAR:
        years = {str(chase_year(e.workflow_id)) for e in inp.events}
        if len(years) > 1:
            raise Refusal(f"{inp.command}: one year a file, not {', '.join(sorted(years))}", code="not_this_command")
        for e in inp.events:
            if e.subject != chase_state(e.workflow_id):
                raise Refusal(
                    f"{inp.command}: {e.idempotency_key} is about {e.subject}, not its chase's State",
                    code="not_this_command",
                )


# Imports of a year's records kept before ccm: a year no chase of ccm runs.
IMPORTS_OF_A_YEAR = ("import_contributions", "import_letters")


def imported_year(inp: RecordInput) -> int | None:
    """The year a ledger (or its letters) import writes, for the worker to check no chase
    of ccm runs it."""
    if inp.command not in IMPORTS_OF_A_YEAR:
        return None
    return chase_year(inp.events[0].workflow_id)


class RecordResult(BaseModel):
    written: int = Field(description="events written now")
    already: int = Field(description="events whose key the log already held: a re-run writes nothing new")
    log: str = Field("", description="the event log the worker wrote (its URL, no password)")


def record_id(command: str, request_id: str) -> str:
    return f"record-{command.replace('_', '-')}-{request_id}"


def events_digest(events: list[NewEvent]) -> str:
    """What a signature over a recorded command covers: the SHA-256 of its events."""
    import hashlib

    return hashlib.sha256(canonical_bytes([e.model_dump(mode="json") for e in events])).hexdigest()


def signed_arguments(inp: RecordInput) -> dict[str, Any]:
    """The arguments a signature covers (as an update's arguments are covered)."""
    return {
        "command": inp.command,
        "events_sha256": events_digest(inp.events),
        "actor": inp.actor,
        "office": inp.office,
    }


class StatementInput(Acting):
    """A bank statement handed to the worker (`BankStatementImport`), parsed and checked
    by the command that read it."""

    model_config = ConfigDict(extra="forbid")

    statement: Statement
    # Where the statement is signed: the importer's signature over each entry, in order
    # (`domain.signatures.entry_message`), by the same key at the same time. Each proves the
    # receipt or reversal the worker sends a chase for that entry.
    entry_signatures: list[str] = Field(default_factory=list)
    excess: Literal["credit", "voluntary"] = Field(
        "credit", description="what a receipt pays above everything due is (CCM_EXCESS): see RecordReceipt"
    )

    def entry_proofs(self, workflow_id: str) -> list[Any]:
        """Each entry's `EntryProof` (none where the statement is not signed)."""
        sig = self.signature
        if sig is None:
            return [None] * len(self.statement.entries)
        return [
            EntryProof(
                statement_run=workflow_id,
                statement_sha256=self.statement.sha256,
                entry=e.model_dump(mode="json"),
                fingerprint=sig.fingerprint,
                office=self.office,
                actor=self.actor,
                signed_at=sig.signed_at,
                signature=s,
            )
            for e, s in zip(self.statement.entries, self.entry_signatures, strict=True)
        ]


class StatementPlan(BaseModel):
    """What a statement's run needs from the worker before it settles anything
    (`prepare_statement`): each entry's name on its account, the rows of those already
    logged, the chases an entry may pay, and the States' names."""

    refs: list[str] = Field(description="each entry's own name on the account, in the statement's order")
    already: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="own name -> the row of an entry logged before"
    )
    chases: dict[str, ChaseView] = Field(default_factory=dict)
    names: dict[str, str] = Field(default_factory=dict)


SettleKind = Literal["receipt", "reversal", "unmatched", "ignored"]


class EntrySettlement(BaseModel):
    """One entry settled (`settle_entry`): a receipt recorded on its chase (or a reversal),
    each sent with the entry's proof; the event that says what became of it."""

    kind: SettleKind
    entry: Entry
    proof: EntryProof | None = None
    chase: str = ""
    how: str = ""
    reason: str = ""
    guesses: list[str] = Field(default_factory=list)
    reverses: str = Field("", description="for a reversal: the credit entry whose receipt it reverses")
    statement: dict[str, Any] = Field(description="where the entry came from (`activities.bank.source_of`)")
    actor: str = ""
    office: str = ""
    excess: Literal["credit", "voluntary"] = "credit"
    at: datetime


class ReversalClaims(BaseModel):
    account: str
    reversals: list[Entry]


def statement_id(statement: Statement) -> str:
    """The run that imports a statement: the same file again is the same run's id."""
    return f"bank-statement-{statement.account}-{statement.name}"


def statement_arguments(inp: StatementInput) -> dict[str, Any]:
    """What the importer's signature over the statement covers: the file, and the entries
    as read from it (what the worker settles)."""
    import hashlib

    entries = canonical_bytes([e.model_dump(mode="json") for e in inp.statement.entries])
    return {
        "command": "import_statement",
        "statement_sha256": inp.statement.sha256,
        "entries_sha256": hashlib.sha256(entries).hexdigest(),
        "account": inp.statement.account,
        "actor": inp.actor,
        "office": inp.office,
        "excess": inp.excess,
    }


class OutboxRetryInput(Acting):
    """Messages of the outbox to send again (`ccm outbox retry`), each named by the row
    that logged it: the worker, the log's one writer, delivers them and logs each delivery."""

    model_config = ConfigDict(extra="forbid")

    intent_keys: list[Short] = Field(min_length=1, max_length=MAX_EVENTS)


def outbox_retry_arguments(inp: OutboxRetryInput) -> dict[str, Any]:
    return {"command": "retry_outbox", "intent_keys": inp.intent_keys, "actor": inp.actor, "office": inp.office}


class CheckpointRequest(Acting):
    """Who asks the worker to sign the log's head (`ccm audit checkpoint`), or the daily
    schedule's run (`daily`). Where signatures are required a person's request is signed;
    the schedule's, which no one signs, checkpoints at most once a Geneva day."""

    model_config = ConfigDict(extra="forbid")

    daily: bool = False


def checkpoint_arguments(inp: CheckpointRequest) -> dict[str, Any]:
    return {"command": "checkpoint", "daily": inp.daily, "actor": inp.actor, "office": inp.office}
