"""BankStatementImport: one bank statement reconciled with the chases
(`bank-statement-<account>-<sha256>`), as a workflow of steps.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

1. `prepare_statement` checks who sends it (and the importer's signature over every entry)
   before anything is written, and plans the run: each entry's name on its account, those
   already logged, the chases an entry may pay.
2. Matching runs here, in workflow code (`domain.bank.match_entry` is pure).
3. Each entry is settled by its own short activity with its own retries (`settle_entry`:
   the receipt or the reversal sent to its chase with the entry's proof), at most
   `CONCURRENCY` at once; then each phase's events are logged in one transaction under
   this run's id (`ccm audit history` of the run shows them).

Credits come first, so that a reversal in the same statement finds the receipt it cancels;
then reversals, then the rest, then the statement's own row."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    # What matching reads, loaded once outside the sandbox (each is deterministic data:
    # ISO 3166 names, ISO 11649 check digits).
    import pycountry
    import stdnum.iso11649  # noqa: F401

    from domain.bank import Entry, match_entry, source_of
    from domain.events import NewEvent
    from domain.records import EntrySettlement, ReversalClaims, StatementInput, StatementPlan
    from workflows.common import NEVER_RETRIED, Activities, ActivityOptions

pycountry.countries.lookup("CHE")  # pycountry reads its database on first use: here, not in a workflow

CONCURRENCY = 32  # entries settled at once: enough to keep a worker busy, few enough to be fair to others
STEP = ActivityOptions(
    start_to_close_timeout=timedelta(minutes=2),
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=2),
        maximum_interval=timedelta(minutes=1),
        non_retryable_error_types=NEVER_RETRIED,
    ),
)
# Planning reads the log and the chases a statement may pay: longer for a year of entries.
PLAN = ActivityOptions(retry_policy=STEP["retry_policy"], start_to_close_timeout=timedelta(minutes=10))


@workflow.defn
class BankStatementImport:
    @workflow.run
    async def run(self, input: StatementInput) -> list[dict[str, Any]]:
        run_id = workflow.info().workflow_id
        plan: StatementPlan = await workflow.execute_activity_method(Activities.prepare_statement, input, **PLAN)
        statement = input.statement
        entries = [e.model_copy(update={"ref": ref}) for e, ref in zip(statement.entries, plan.refs, strict=True)]
        proofs = dict(zip(plan.refs, input.entry_proofs(run_id), strict=True))
        rows = dict(plan.already)
        new = [e for e in entries if e.ref not in rows]
        source = source_of(statement, run_id)
        now = workflow.now()

        def step(entry: Entry, kind: str, **fields: Any) -> EntrySettlement:
            return EntrySettlement(
                kind=kind,
                entry=entry,
                proof=proofs[entry.ref],
                statement=source,
                actor=input.actor,
                office=input.office,
                excess=input.excess,
                at=now,
                **fields,
            )

        gate = asyncio.Semaphore(CONCURRENCY)

        async def settle(request: EntrySettlement) -> NewEvent:
            async with gate:
                return await workflow.execute_activity_method(Activities.settle_entry, request, **STEP)

        async def phase(steps: list[EntrySettlement]) -> None:
            events = await asyncio.gather(*(settle(s) for s in steps))
            if events:
                for row in await workflow.execute_activity_method(Activities.log_entries, list(events), **STEP):
                    rows[row["entry"]] = row

        credits = []
        for entry in (e for e in new if e.credit and not e.reversal):
            found = match_entry(entry, plan.chases, plan.names)
            credits.append(
                step(entry, "receipt", chase=found.workflow_id, how=found.how)
                if found.workflow_id
                else step(entry, "unmatched", reason=found.reason, guesses=found.guesses)
            )
        await phase(credits)
        reversals = [e for e in new if e.reversal and not e.credit]
        claims = (
            await workflow.execute_activity_method(
                Activities.claim_reversals, ReversalClaims(account=statement.account, reversals=reversals), **STEP
            )
            if reversals
            else {}
        )
        await phase(
            [
                step(e, "reversal", chase=claims[e.ref]["chase"], reverses=claims[e.ref]["ref"])
                if e.ref in claims
                else step(e, "unmatched", reason="a reversal whose credit was not found on this account")
                for e in reversals
            ]
        )
        await phase(
            [
                step(e, "ignored", reason="a debit, not a contribution" if not e.credit else "the reversal of a debit")
                for e in new
                if e.credit == e.reversal
            ]
        )
        await workflow.execute_activity_method(Activities.log_entries, [statement_row(input, run_id, now)], **STEP)
        return [rows[e.ref] for e in entries]


def statement_row(input: StatementInput, run_id: str, at: datetime) -> NewEvent:
    """The statement itself, once settled: its balances and days, for the account's chain
    (`domain.bank.statement_chain`)."""
    statement = input.statement
    return NewEvent(
        idempotency_key=f"bank/{statement.account}/statement/{statement.sha256}"
        + (f"/{statement.part}" if statement.part else ""),
        workflow_id=run_id,
        workflow_type="BankStatementImport",
        subject="",
        event_type="bank.statement_imported",
        occurred_at=at,
        actor=input.actor,
        office=input.office,
        payload=statement.model_dump(mode="json", exclude={"entries"}) | {"entries": len(statement.entries)},
    )
