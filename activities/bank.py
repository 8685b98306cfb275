"""Bank statements reconciled with the chases: the worker's steps of a
`BankStatementImport` run (`workflows.bank_statement`), which matches in workflow code.

Every entry of a statement is written to the event log once, under the key
`bank/{account}/{entry}` and the run's own id, with what became of it: matched to a chase
(and recorded there as a receipt whose bank reference is the entry's), a reversal (the
receipt it cancels is reversed), unmatched (with the reason and the best guesses), or
ignored (a debit). A statement imported again finds its entries logged and changes
nothing; each entry's update is its own activity, retried on its own."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, timezone
from decimal import Decimal
from typing import Protocol

from domain.bank import bank_event, lines_in_remittance, receipt_reference, row_of
from domain.chase import ChaseStatus
from domain.event_types import typed
from domain.ids import chase_prefix, chase_state
from domain.schedule import geneva_today


class Chases(Protocol):
    """How these steps reach the chases, handed to them by whoever runs them: the worker
    sends unsigned (a bank entry's proof goes with the command), `ccm bank match` signs as
    the person it runs for (`services.chases.ChaseCommands`)."""

    async def status(self, workflow_id: str) -> ChaseStatus:
        """The chase's `status` query (its result once it has ended)."""

    async def send(self, workflow_id: str, name: str, cmd, update_id: str):
        """Send one update: None when applied, else the chase's refusal (an
        `ApplicationError`, its code in `type`)."""


def entry_key(account: str, ref: str) -> str:
    return f"bank/{account}/{ref}"


async def prepare(chases: Chases, log, statement):
    """The run's plan (`domain.records.StatementPlan`): each entry's own name, the rows of
    those already logged, and, where some are new, the chases they may pay."""
    from domain.records import StatementPlan

    own = _own_names(log, statement)
    logged = await asyncio.to_thread(log.get_many, [entry_key(statement.account, e.ref) for e in own])
    already = {e.ref: row_of(ev, already=True) for e in own if (ev := logged.get(entry_key(statement.account, e.ref)))}
    new = [e for e in own if e.ref not in already]
    return StatementPlan(
        refs=[e.ref for e in own],
        already=already,
        chases=await _chase_views(chases, log, _years(new)) if new else {},
        names=_party_names(),
    )


async def settle(chases: Chases, step) -> object:
    """One entry settled (`domain.records.EntrySettlement`): the receipt or the reversal
    sent to its chase with the entry's proof, and the event that says what became of it
    (unmatched, with the chase's refusal, where the chase refused). Sent again after a cut,
    an update is answered with its first result (its id is the entry's)."""
    entry, source = step.entry, step.statement

    def event(event_type: str, subject: str = "", **payload):
        return bank_event(source, entry, step.actor, step.office, event_type, subject, step.at, **payload)

    if step.kind == "receipt":
        refused = await receive(
            chases,
            step.chase,
            entry.amount,
            entry,
            step,
            _update_id("receipt", source["account"], entry.ref),
            step.proof,
            step.excess,
        )
        if refused:
            return event("bank.entry_unmatched", reason=refused, guesses=[step.chase])
        return event("bank.entry_matched", chase_state(step.chase), chase=step.chase, how=step.how)
    if step.kind == "reversal":
        from domain.chase import ReverseReceipt

        refusal = await chases.send(
            step.chase,
            "reverse_receipt",
            ReverseReceipt(
                reference=receipt_reference(step.reverses, source["account"]),
                reason=f"reversed by the bank: entry {entry.ref} of statement {source['statement']}",
                amount=entry.amount,
                actor=step.actor,
                office=step.office,
                proof=step.proof,
            ),
            _update_id("reversal", source["account"], entry.ref),
        )
        if refusal is not None:  # a run after a cut is answered with its first result: this is a refusal
            return event("bank.entry_unmatched", reason=refusal.message, guesses=[step.chase])
        return event("bank.entry_reversed", chase_state(step.chase), chase=step.chase, reverses=step.reverses)
    if step.kind == "ignored":
        return event("bank.entry_ignored", reason=step.reason)
    return event("bank.entry_unmatched", reason=step.reason, guesses=step.guesses)


def _own_names(log, statement) -> list:
    """The entries, each under a name that is its own on the account. A bank reference
    that already names a different entry there (a bank that reused it) is no name for this
    one: it goes under the digest of what it says instead (its bank reference kept beside);
    it is never taken for the entry logged before ("already imported"), nor refused."""
    from domain.bank import own_name

    stored = log.get_many([entry_key(statement.account, e.ref) for e in statement.entries])

    def own(e):
        before = stored.get(entry_key(statement.account, e.ref))
        if before is None or {k: v for k, v in before.payload["entry"].items() if k != "ref"} == e.content():
            return e
        return e.model_copy(update={"ref": own_name(e)})

    return [own(e) for e in statement.entries]


def _years(entries) -> set[int]:
    """The years the entries' value dates and creditor references name."""
    from domain.bank import chase_of_reference, references_in

    years = {e.value_date.year for e in entries}
    for e in entries:
        for ref in filter(None, [e.creditor_reference, *references_in(e.text)]):
            if found := chase_of_reference(ref):
                years.add(found[0])
    return years


# The chase events after which its workflow runs no more (a paid chase runs on, for
# reversals and credits, until its year closes).
ENDED = frozenset({"chase.closed_in_arrears", "chase.year_closed", "chase.waived", "chase.cancelled"})


async def _chase_views(chases: Chases, log, years: set[int]) -> dict:
    """Every chase ccm runs for the years an entry may pay (its value date's, the next
    one's paid in advance, the previous one's paid late), from the event log, the system of
    record (visibility lags behind a chase just started, and Temporal's test server has
    none); a year imported from a ledger has no workflow to send to and is left out. The
    status of those whose State reported a payment, since matching compares its amount."""
    from domain.bank import ChaseView

    span = sorted({y + d for y in years for d in (-1, 0, 1)})
    views, reported = {}, {}
    for year in span:
        for ev in await asyncio.to_thread(
            lambda y=year: list(log.query(workflow_prefix=chase_prefix(y), event_type="chase.*"))
        ):
            wid = ev.workflow_id
            if ev.event_type == "chase.started":
                views[wid] = ChaseView(workflow_id=wid, state=chase_state(wid), year=year)
            elif wid not in views:
                continue
            elif ev.event_type in ENDED:
                views[wid].open = False
            elif ev.event_type == "chase.reopened":
                views[wid].open = True
            elif ev.event_type == "chase.payment_reported":
                reported[wid] = True
            elif ev.event_type == "chase.receipt_recorded":  # the money came: the report stands no longer
                reported[wid] = False
    for wid in [w for w, standing in reported.items() if standing and views[w].open]:
        status = await chases.status(wid)
        amount = status.reported.amount if status.reported else None
        views[wid] = views[wid].model_copy(update={"reported_amount": amount, "outstanding": status.outstanding})
    return views


def _party_names() -> dict[str, str]:
    from domain.states import registry

    # every State that was ever a Party: one that withdrew still pays its arrears
    return {s.alpha3: s.name for s in registry() if s.ever_party}


def _update_id(what: str, account: str, ref: str) -> str:
    """An update named by the entry it settles: sent again by a run after a cut, Temporal
    answers it with its first result."""
    return f"bank-{what}-{hashlib.sha256(entry_key(account, ref).encode()).hexdigest()[:32]}"


def new_event(source: dict, entry, acting, event_type: str, subject: str, key: str | None = None, **payload):
    """An entry's event written by a command (`ccm bank match`), under the account's id."""
    return bank_event(
        source,
        entry,
        acting.actor,
        acting.office,
        event_type,
        subject,
        datetime.now(timezone.utc),
        workflow_id=f"bank-{source['account']}",
        key=key,
        workflow_type="BankStatement",
        **payload,
    )


async def receive(
    chases: Chases, workflow_id: str, amount: Decimal, entry, acting, update_id: str, proof=None, excess="credit"
) -> str:
    """Record the entry as a receipt on the chase: "" when it is recorded (now, or by a run
    cut short before), else the chase's refusal in words."""
    from pydantic import ValidationError

    from domain.chase import RecordReceipt

    try:
        # Money value-dated ahead is recorded at once, on the day it was booked.
        day = entry.value_date if entry.value_date <= geneva_today() else (entry.booking_date or geneva_today())
        cmd = RecordReceipt(
            amount=amount,
            date=day,
            reference=receipt_reference(entry.ref, entry.account),
            lines=lines_in_remittance(entry.remittance, amount),  # the payer's split, where it wrote one
            excess=excess,
            actor=acting.actor,
            office=acting.office,
            proof=proof,
        )
    except ValidationError as e:
        return e.errors()[0]["msg"].removeprefix("Value error, ")
    refusal = await chases.send(workflow_id, "record_receipt", cmd, update_id)
    if refusal is None:
        return ""
    if refusal.type == "already_recorded":  # by another command: the same money, or not?
        from domain.chase import same_reference

        status = await chases.status(workflow_id)
        held = next(r for r in status.receipts if same_reference(r.reference, cmd.reference) and not r.reversed)
        if held.amount == amount:
            return ""  # the same money, recorded by hand or by an earlier statement: counted once
        return (
            f"its reference already holds a receipt of {held.amount} on {workflow_id} "
            f"({held.reference}, {held.date.isoformat()}), not {amount}"
        )
    return refusal.message


def claim_credits(log, account: str, reversals: list) -> dict[str, dict]:
    """For each reversal, in the statement's order, the latest matched credit of the same
    amount on the account that no reversal has claimed (one with the same creditor
    reference, or else the same remittance text): three reversals against two credits
    reverse two receipts, and the third is left unmatched. Each claim: the credit's entry
    (`ref`) and its chase."""
    claimed = {p.reverses for p in map(typed, log.query(event_type="bank.entry_reversed")) if p.account == account}
    credits = [p for p in map(typed, log.query(event_type="bank.entry_matched")) if p.account == account]
    claims = {}

    def cancels(entry, credit: dict) -> bool:
        return (
            credit["ref"] not in claimed
            and Decimal(credit["amount"]) == entry.amount
            and bool(
                (entry.creditor_reference and credit["creditor_reference"] == entry.creditor_reference)
                or (entry.remittance and credit["remittance"] == entry.remittance)
            )
        )

    for entry in reversals:
        fits = [p for p in credits if cancels(entry, p.entry)]
        if fits:
            claims[entry.ref] = {"ref": fits[-1].entry["ref"], "chase": fits[-1].chase}
            claimed.add(fits[-1].entry["ref"])
    return claims
