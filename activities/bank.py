"""Bank statements reconciled with the chases, on the worker.

Every entry of a statement is written to the event log once, under the key
`bank/{account}/{entry}`, with what became of it: matched to a chase (and recorded there
as a receipt whose bank reference is the entry's), a reversal (the receipt it cancels is
reversed), unmatched (with the reason and the best guesses), or ignored (a debit). A
statement imported again finds its entries logged and changes nothing; a run cut short
is finished by its activity's next attempt."""

from __future__ import annotations

import asyncio
import functools
import hashlib
from datetime import datetime, timezone
from decimal import Decimal

from domain.bank import receipt_reference
from domain.schedule import geneva_today
from services.commands import read_status

CONCURRENCY = 32  # updates in flight at once: enough to keep a worker busy, few enough to be fair to others


def entry_key(account: str, ref: str) -> str:
    return f"bank/{account}/{ref}"


async def reconcile(client, log, statement, acting, beat=lambda: None, proofs: list | None = None) -> list[dict]:
    """Reconcile a statement; one row per entry (see `BANK_COLUMNS`, plus `already`).
    Run again after a cut (a worker killed midway), it finishes the work: an entry logged
    is not settled twice, and a receipt already recorded on its chase (the update's id is
    the entry's own) is not recorded twice. `proofs`, one per entry where the statement
    was signed, go with the commands sent for them: the worker signs nothing itself."""
    statement = statement.model_copy(update={"entries": _own_names(log, statement)})
    proof_of = dict(zip((e.ref for e in statement.entries), proofs or [], strict=False))
    logged = log.get_many([entry_key(statement.account, e.ref) for e in statement.entries])
    logged = {e.ref: logged.get(entry_key(statement.account, e.ref)) for e in statement.entries}
    new = [e for e in statement.entries if logged[e.ref] is None]
    rows = {e.ref: row_of(ev, already=True) for e in statement.entries if (ev := logged[e.ref]) is not None}
    chases = await _chase_views(client, log, _years(new)) if new else {}
    names = _party_names()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def settle(entry, how_to):
        async with gate:
            event = await how_to(client, log, statement, entry, acting, chases, names, proof_of.get(entry.ref))
            beat()
            return event

    async def phase(entries, how_to):
        """Settle entries concurrently, then log them in one transaction. Cut short before
        the log, the run again finds each receipt on its chase and logs it then."""
        events = await asyncio.gather(*(settle(e, how_to) for e in entries))
        for stored, _ in await asyncio.to_thread(log.append_many, events):
            rows[stored.payload["entry"]["ref"]] = row_of(stored, already=False)

    # Credits first, so that a reversal in the same statement finds the receipt it cancels.
    await phase([e for e in new if e.credit and not e.reversal], _credit)
    reversals = [e for e in new if e.reversal and not e.credit]
    claims = _claim_credits(log, statement.account, reversals)
    await phase(reversals, functools.partial(_reversal, claims=claims))
    await phase([e for e in new if e.credit == e.reversal], _ignored)
    await asyncio.to_thread(log.append, _statement_event(statement, acting))
    return [rows[e.ref] for e in statement.entries]


def _statement_event(statement, acting):
    """The statement itself, once settled: its balances and days, for the account's chain
    (`domain.bank.statement_chain`)."""
    from domain.events import NewEvent

    return NewEvent(
        idempotency_key=f"bank/{statement.account}/statement/{statement.sha256}",
        workflow_id=f"bank-{statement.account}", workflow_type="BankStatement", subject="",
        event_type="bank.statement_imported", occurred_at=datetime.now(timezone.utc), actor=acting.actor,
        office=acting.office, payload=statement.model_dump(mode="json", exclude={"entries"})
        | {"entries": len(statement.entries)})


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


async def _chase_views(client, log, years: set[int]) -> dict:
    """Every chase ccm runs for the years an entry may pay (its value date's, the next
    one's paid in advance, the previous one's paid late), from the event log, the system of
    record (visibility lags behind a chase just started, and Temporal's test server has
    none); a year imported from a ledger has no workflow to send to and is left out. The
    status of those whose State reported a payment, since matching compares its amount."""
    from domain.bank import ChaseView
    from domain.chase import ChaseStatus

    span = sorted({y + d for y in years for d in (-1, 0, 1)})
    views, reported = {}, {}
    for year in span:
        for ev in await asyncio.to_thread(lambda y=year: list(log.query(workflow_prefix=f"chase-{y}-",
                                                                          event_type="chase.*"))):
            wid = ev.workflow_id
            if ev.event_type == "chase.started":
                views[wid] = ChaseView(workflow_id=wid, state=wid.rsplit("-", 1)[-1], year=year)
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
        status = await read_status(client, wid, ChaseStatus)
        amount = status.reported.amount if status.reported else None
        views[wid] = views[wid].model_copy(update={"reported_amount": amount, "outstanding": status.outstanding})
    return views


def _party_names() -> dict[str, str]:
    from domain.states import registry

    # every State that was ever a Party: one that withdrew still pays its arrears
    return {s.alpha3: s.name for s in registry() if s.ever_party}


def source_of(statement) -> dict:
    """Where an entry came from, as each of its events records it."""
    return {"account": statement.account, "statement": statement.id, "format": statement.format,
            "sha256": statement.sha256}


def _update_id(what: str, account: str, ref: str) -> str:
    """An update named by the entry it settles: sent again by a run after a cut, Temporal
    answers it with its first result."""
    return f"bank-{what}-{hashlib.sha256(entry_key(account, ref).encode()).hexdigest()[:32]}"


async def _send(client, workflow_id: str, name: str, cmd, update_id: str, sign: bool):
    """Send one update; None when applied, else the chase's refusal (its code in `type`).
    The worker sends unsigned (`sign=False`: a bank entry's proof goes with the command
    where the statement was signed); `ccm bank match` signs as the person it runs for."""
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.exceptions import ApplicationError

    from services.commands import update

    try:
        await update(client, workflow_id, name, cmd, check_worker=False, update_id_=update_id, sign=sign)
    except WorkflowUpdateFailedError as e:
        if isinstance(e.cause, ApplicationError):
            return e.cause
        raise
    return None


def new_event(source: dict, entry, acting, event_type: str, subject: str, key: str | None = None, **payload):
    from domain.events import NewEvent

    return NewEvent(
        idempotency_key=key or entry_key(source["account"], entry.ref), workflow_id=f"bank-{source['account']}",
        workflow_type="BankStatement", subject=subject, event_type=event_type,
        occurred_at=datetime.now(timezone.utc), actor=acting.actor, office=acting.office,
        payload={"entry": entry.model_dump(mode="json")} | source | payload)


async def _credit(client, log, statement, entry, acting, chases, names, proof):
    from domain.bank import match_entry

    found = match_entry(entry, chases, names)
    if found.workflow_id is None:
        return new_event(source_of(statement), entry, acting, "bank.entry_unmatched", "", reason=found.reason,
                          guesses=found.guesses)
    refused = await receive(client, found.workflow_id, entry.amount, entry, acting,
                            _update_id("receipt", statement.account, entry.ref), proof, sign=False)
    if refused:
        return new_event(source_of(statement), entry, acting, "bank.entry_unmatched", "", reason=refused,
                          guesses=[found.workflow_id])
    return new_event(source_of(statement), entry, acting, "bank.entry_matched", found.workflow_id.rsplit("-", 1)[-1],
                      chase=found.workflow_id, how=found.how)


async def receive(client, workflow_id: str, amount: Decimal, entry, acting, update_id: str, proof=None,
                  sign: bool = True) -> str:
    """Record the entry as a receipt on the chase: "" when it is recorded (now, or by a run
    cut short before), else the chase's refusal in words."""
    from pydantic import ValidationError

    from domain.chase import RecordReceipt

    try:
        # Money value-dated ahead is recorded at once, on the day it was booked.
        day = entry.value_date if entry.value_date <= geneva_today() else (entry.booking_date or geneva_today())
        cmd = RecordReceipt(amount=amount, date=day, reference=receipt_reference(entry.ref, entry.account),
                            actor=acting.actor, office=acting.office, proof=proof)
    except ValidationError as e:
        return e.errors()[0]["msg"].removeprefix("Value error, ")
    refusal = await _send(client, workflow_id, "record_receipt", cmd, update_id, sign)
    if refusal is None:
        return ""
    if refusal.type == "already_recorded":  # by another command: the same money, or not?
        from domain.chase import ChaseStatus, same_reference

        status = await read_status(client, workflow_id, ChaseStatus)
        held = next(r for r in status.receipts if same_reference(r.reference, cmd.reference) and not r.reversed)
        if held.amount == amount:
            return ""  # the same money, recorded by hand or by an earlier statement: counted once
        return (f"its reference already holds a receipt of {held.amount} on {workflow_id} "
                f"({held.reference}, {held.date.isoformat()}), not {amount}")
    return refusal.message


async def _reversal(client, log, statement, entry, acting, chases, names, proof, claims):
    """A debit that cancels a credit: the receipt recorded from that credit (`claims`, one
    credit for one reversal) is reversed; a reversal beyond the credits is left unmatched."""
    from domain.chase import ReverseReceipt

    original = claims.get(entry.ref)
    if original is None:
        return new_event(source_of(statement), entry, acting, "bank.entry_unmatched", "",
                          reason="a reversal whose credit was not found on this account", guesses=[])
    chase, ref = original.payload["chase"], original.payload["entry"]["ref"]
    refusal = await _send(client, chase, "reverse_receipt", ReverseReceipt(
        reference=receipt_reference(ref, statement.account),
        reason=f"reversed by the bank: entry {entry.ref} of statement {statement.id}", amount=entry.amount,
        actor=acting.actor, office=acting.office, proof=proof), _update_id("reversal", statement.account, entry.ref),
        sign=False)
    if refusal is not None:  # a run after a cut is answered with its first result: this is a refusal
        return new_event(source_of(statement), entry, acting, "bank.entry_unmatched", "", reason=refusal.message,
                          guesses=[chase])
    return new_event(source_of(statement), entry, acting, "bank.entry_reversed", original.subject, chase=chase,
                      reverses=ref)


def _claim_credits(log, account: str, reversals: list) -> dict:
    """For each reversal, in the statement's order, the latest matched credit of the same
    amount on the account that no reversal has claimed (one with the same creditor
    reference, or else the same remittance text): three reversals against two credits
    reverse two receipts, and the third is left unmatched."""
    claimed = {ev.payload.get("reverses") for ev in log.query(event_type="bank.entry_reversed",
                                                                 workflow_id=f"bank-{account}")}
    credits = list(log.query(event_type="bank.entry_matched", workflow_id=f"bank-{account}"))
    claims = {}
    def cancels(entry, credit: dict) -> bool:
        return credit["ref"] not in claimed and Decimal(credit["amount"]) == entry.amount and bool(
            (entry.creditor_reference and credit["creditor_reference"] == entry.creditor_reference)
            or (entry.remittance and credit["remittance"] == entry.remittance))

    for entry in reversals:
        fits = [ev for ev in credits if cancels(entry, ev.payload["entry"])]
        if fits:
            claims[entry.ref] = fits[-1]
            claimed.add(fits[-1].payload["entry"]["ref"])
    return claims


async def _ignored(client, log, statement, entry, acting, chases, names, proof):
    reason = "a debit, not a contribution" if not entry.credit else "the reversal of a debit"
    return new_event(source_of(statement), entry, acting, "bank.entry_ignored", "", reason=reason)


def row_of(ev, already: bool) -> dict:
    entry, p = ev.payload["entry"], ev.payload
    return {"entry": entry["ref"], "value_date": entry["value_date"], "amount": entry["amount"],
            "currency": entry["currency"], "outcome": ev.event_type.removeprefix("bank.entry_"),
            "chase": p.get("chase", ""), "how": p.get("how", ""), "reason": p.get("reason", ""),
            "guesses": ", ".join(p.get("guesses", [])), "already": already}


