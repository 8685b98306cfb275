"""`ccm bank`: bank statements reconciled in bulk with the chases.

Every entry of a statement is written to the event log once, under the key
`bank/{account}/{entry}`, with what became of it: matched to a chase (and recorded there
as a receipt whose bank reference is the entry's), a reversal (the receipt it cancels is
reversed), unmatched (with the reason and the best guesses), or ignored (a debit). A
statement imported again finds its entries logged and changes nothing; one cut short is
finished by importing it again, since a chase refuses a bank reference it holds."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import click

from cli.client import as_option, connect, run, worker_polls
from cli.common import PARTY, MoneyType, emit, output_option, year_option

CONCURRENCY = 32  # updates in flight at once: enough to keep a worker busy, few enough to be fair to others
BANK_COLUMNS = ["entry", "value_date", "amount", "currency", "outcome", "chase", "how", "reason", "guesses"]


def entry_key(account: str, ref: str) -> str:
    return f"bank/{account}/{ref}"


@click.group()
def bank():
    """Bank statements (camt.053, camt.054, MT940): credits matched to their chases as receipts."""


@bank.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@as_option("isu")
@output_option()
def bank_import(path, acting, output):
    """Import a statement: every CHF credit is matched to its chase (by creditor reference,
    then by the State its text names, then by a reported payment of that amount) and
    recorded as a receipt; a reversal reverses the receipt it cancels. What cannot be
    matched is listed with guesses (settle it with `ccm bank match`). Importing the same
    statement again changes nothing."""
    from cli.audit import open_log
    from domain.bank import StatementError, read_statement

    try:
        statement = read_statement(path.read_bytes())
    except StatementError as e:
        raise click.ClickException(f"{path}: {e}") from None
    log = open_log()
    outcome = run(import_statement(log, statement, acting, progress_bar=True))
    unmatched = [r for r in outcome if r["outcome"] == "unmatched" and not r["already"]]
    click.echo(_summary(statement, outcome))
    if unmatched:
        emit(unmatched, output, BANK_COLUMNS, title="Unmatched entries (ccm bank match ENTRY --state … --year …)")


def _summary(statement, rows: list[dict]) -> str:
    new = [r for r in rows if not r["already"]]
    return (f"{statement.format} {statement.id}: {len(statement.entries)} entries, {len(rows) - len(new)} already "
            f"imported; {_totals(new)}")


def _totals(rows: list[dict]) -> str:
    """`4 matched (CHF 2'750.00), 1 reversed (CHF 1'000.00), 0 unmatched, …`: CHF entries summed."""
    from domain.money import format_chf

    def count(outcome: str) -> str:
        chosen = [r for r in rows if r["outcome"] == outcome]
        chf = sum((Decimal(r["amount"]) for r in chosen if r["currency"] == "CHF"), Decimal("0.00"))
        return f"{len(chosen)} {outcome}" + (f" ({format_chf(chf)})" if chosen else "")

    return ", ".join(count(o) for o in ("matched", "reversed", "unmatched", "ignored"))


async def import_statement(log, statement, acting, progress_bar: bool = False, client=None) -> list[dict]:
    """Reconcile a statement; one row per entry (see `BANK_COLUMNS`, plus `already`)."""
    import asyncio  # here: `ccm --help` imports this module, and asyncio costs it a quarter

    from rich.console import Console
    from rich.progress import Progress

    client = client or await connect()
    logged = {e.ref: log.get(entry_key(statement.account, e.ref)) for e in statement.entries}
    new = [e for e in statement.entries if logged[e.ref] is None]
    rows = {e.ref: _row(ev, already=True) for e in statement.entries if (ev := logged[e.ref]) is not None}
    chases = await _chase_views(client, _years(new)) if new else {}
    running = [c.workflow_id for c in chases.values() if c.open]
    if running and not await worker_polls(client, running[0]):
        raise click.ClickException("no worker polls the chases' task queue: start `ccm worker`, then import "
                                   "the statement again")
    names = _party_names()
    gate = asyncio.Semaphore(CONCURRENCY)
    with Progress(transient=True, disable=not progress_bar, console=Console(stderr=True)) as progress:
        task = progress.add_task(f"Statement {statement.id}", total=len(new))

        async def settle(entry, how_to):
            async with gate:
                event = await how_to(client, log, statement, entry, acting, chases, names)
                progress.advance(task)
                return event

        async def phase(entries, how_to):
            """Settle entries concurrently, then log them in one transaction. Cut short
            before the log, a re-import finds each receipt on its chase and logs it then."""
            events = await asyncio.gather(*(settle(e, how_to) for e in entries))
            for stored, _ in await asyncio.to_thread(log.append_many, events):
                rows[stored.payload["entry"]["ref"]] = _row(stored, already=False)

        # Credits first, so that a reversal in the same statement finds the receipt it cancels.
        await phase([e for e in new if e.credit and not e.reversal], _credit)
        await phase([e for e in new if e.reversal and not e.credit], _reversal)
        await phase([e for e in new if e.credit == e.reversal], _ignored)
    return [rows[e.ref] for e in statement.entries]


def _years(entries) -> set[int]:
    """The years the entries' value dates and creditor references name."""
    from domain.bank import chase_of_reference, references_in

    years = {e.value_date.year for e in entries}
    for e in entries:
        for ref in filter(None, [e.creditor_reference, *references_in(e.text)]):
            if found := chase_of_reference(ref):
                years.add(found[0])
    return years


async def _chase_views(client, years: set[int]) -> dict:
    """Every chase of the years an entry may pay (its value date's, the next one's paid in
    advance, the previous one's paid late), from visibility; the status of those whose
    State reported a payment, since matching compares its amount."""
    from cli.client import read_status
    from domain.bank import ChaseView
    from domain.chase import ChaseStatus
    from workflows.common import CCM_STAGE

    span = sorted({y + d for y in years for d in (-1, 0, 1)})
    query = f"WorkflowType = 'ContributionChase' AND CcmYear IN ({', '.join(map(str, span))})"
    views = {}
    async for wf in client.list_workflows(query):
        state, year = wf.id.rsplit("-", 1)[-1], int(wf.id.split("-")[1])
        stage = wf.typed_search_attributes.get(CCM_STAGE)
        views[wf.id] = ChaseView(workflow_id=wf.id, state=state, year=year,
                                 open=wf.status is not None and wf.status.name == "RUNNING")
        if stage in ("payment_reported", "reported_not_received"):
            status = await read_status(wf.id, ChaseStatus, client)
            amount = status.reported.amount if status.reported else None
            views[wf.id] = views[wf.id].model_copy(update={"reported_amount": amount,
                                                           "outstanding": status.outstanding})
    return views


def _party_names() -> dict[str, str]:
    from domain.states import registry

    return {s.alpha3: s.name for s in registry().parties()}


def _source(statement) -> dict:
    """Where an entry came from, as each of its events records it."""
    return {"account": statement.account, "statement": statement.id, "format": statement.format,
            "sha256": statement.sha256}


def _new_event(source: dict, entry, acting, event_type: str, subject: str, key: str | None = None, **payload):
    from domain.events import NewEvent

    return NewEvent(
        idempotency_key=key or entry_key(source["account"], entry.ref), workflow_id=f"bank-{source['account']}",
        workflow_type="BankStatement", subject=subject, event_type=event_type,
        occurred_at=datetime.now(timezone.utc), actor=acting.actor, office=acting.office,
        payload={"entry": entry.model_dump(mode="json")} | source | payload)


async def _credit(client, log, statement, entry, acting, chases, names):
    from domain.bank import match_entry

    found = match_entry(entry, chases, names)
    if found.workflow_id is None:
        return _new_event(_source(statement), entry, acting, "bank.entry_unmatched", "", reason=found.reason,
                          guesses=found.guesses)
    refused = await _receive(client, found.workflow_id, entry.amount, entry, acting)
    if refused:
        return _new_event(_source(statement), entry, acting, "bank.entry_unmatched", "", reason=refused,
                          guesses=[found.workflow_id])
    return _new_event(_source(statement), entry, acting, "bank.entry_matched", found.workflow_id.rsplit("-", 1)[-1],
                      chase=found.workflow_id, how=found.how)


async def _receive(client, workflow_id: str, amount: Decimal, entry, acting) -> str:
    """Record the entry as a receipt on the chase: "" when it is recorded (now, or by an
    import cut short before), else the chase's refusal in words."""
    from pydantic import ValidationError

    from cli.client import describe_error, update
    from domain.chase import RecordReceipt

    try:
        cmd = RecordReceipt(amount=amount, date=entry.value_date, reference=entry.ref, actor=acting.actor,
                            office=acting.office)
    except ValidationError as e:
        return e.errors()[0]["msg"].removeprefix("Value error, ")
    try:
        await update(workflow_id, "record_receipt", cmd, client, check_worker=False)  # checked once, up front
    except Exception as e:
        said = describe_error(e)
        if said is None:
            raise
        if f"bank reference {entry.ref} is already recorded on {workflow_id}" in said:
            return ""
        return said.removeprefix("refused: ")
    return ""


async def _reversal(client, log, statement, entry, acting, chases, names):
    """A debit that cancels a credit: the receipt recorded from that credit is reversed."""
    from cli.client import describe_error, update
    from domain.chase import ReverseReceipt

    original = _cancelled_credit(log, statement.account, entry)
    if original is None:
        return _new_event(_source(statement), entry, acting, "bank.entry_unmatched", "",
                          reason="a reversal whose credit was not found on this account", guesses=[])
    chase, ref = original.payload["chase"], original.payload["entry"]["ref"]
    try:
        await update(chase, "reverse_receipt", ReverseReceipt(
            reference=ref, reason=f"reversed by the bank: entry {entry.ref} of statement {statement.id}",
            actor=acting.actor, office=acting.office), client, check_worker=False)
    except Exception as e:
        said = describe_error(e)
        if said is None:
            raise
        if f"no standing receipt with bank reference {ref!r}" not in said:  # else: reversed before a cut
            return _new_event(_source(statement), entry, acting, "bank.entry_unmatched", "", reason=said,
                              guesses=[chase])
    return _new_event(_source(statement), entry, acting, "bank.entry_reversed", original.subject, chase=chase,
                      reverses=ref)


def _cancelled_credit(log, account: str, entry):
    """The latest matched credit of the same amount on the account that this reversal can
    cancel: one with the same creditor reference, or else the same remittance text."""
    reversed_refs = {ev.payload.get("reverses") for ev in log.query(event_type="bank.entry_reversed",
                                                                        workflow_id=f"bank-{account}")}
    best = None
    for ev in log.query(event_type="bank.entry_matched", workflow_id=f"bank-{account}"):
        credit = ev.payload["entry"]
        if credit["ref"] in reversed_refs or Decimal(credit["amount"]) != entry.amount:
            continue
        same_ref = entry.creditor_reference and credit["creditor_reference"] == entry.creditor_reference
        same_text = entry.remittance and credit["remittance"] == entry.remittance
        if same_ref or same_text:
            best = ev
    return best


async def _ignored(client, log, statement, entry, acting, chases, names):
    reason = "a debit, not a contribution" if not entry.credit else "the reversal of a debit"
    return _new_event(_source(statement), entry, acting, "bank.entry_ignored", "", reason=reason)


def _row(ev, already: bool) -> dict:
    entry, p = ev.payload["entry"], ev.payload
    return {"entry": entry["ref"], "value_date": entry["value_date"], "amount": entry["amount"],
            "currency": entry["currency"], "outcome": ev.event_type.removeprefix("bank.entry_"),
            "chase": p.get("chase", ""), "how": p.get("how", ""), "reason": p.get("reason", ""),
            "guesses": ", ".join(p.get("guesses", [])), "already": already}


def bank_rows(log) -> list[dict]:
    """Each entry as it stands: the last event about it (a later `bank match` settles an
    unmatched one)."""
    latest: dict[str, object] = {}
    for ev in log.query(event_type="bank.*"):
        latest[f"{ev.workflow_id}/{ev.payload['entry']['ref']}"] = ev
    return [_row(ev, already=True) for ev in latest.values()]


@bank.command("status")
@click.option("--unmatched", is_flag=True, help="only the entries still to settle")
@output_option()
def bank_status(unmatched, output):
    """Every entry imported, with what became of it, and the totals."""
    from cli.audit import open_log

    rows = [r for r in bank_rows(open_log()) if not unmatched or r["outcome"] == "unmatched"]
    for r in rows:
        r.pop("already")
    emit(rows, output, BANK_COLUMNS, title="Bank entries")
    if output == "table":
        click.echo(_totals(rows))


@bank.command("match")
@click.argument("entry")
@click.option("--state", "alpha3", type=PARTY, required=True, help="the State Party the entry pays for")
@year_option
@click.option("--chf", type=MoneyType(positive=True), help="for an entry in another currency: the CHF amount credited")
@as_option("isu")
def bank_match(entry, alpha3, year, chf, acting):
    """Settle an unmatched entry by hand: it becomes a receipt on the State's chase."""
    from cli.audit import open_log
    from domain.bank import Entry
    from domain.chase import workflow_id

    log = open_log()
    found = [r for r in bank_rows(log) if r["entry"] == entry]
    if not found:
        raise click.ClickException(f"no bank entry {entry} was imported (ccm bank status lists them)")
    if len(found) > 1:
        raise click.ClickException(f"bank entry {entry} stands on {len(found)} accounts")
    row = found[0]
    if row["outcome"] != "unmatched":
        raise click.ClickException(f"bank entry {entry} is {row['outcome']}" + (
            f" ({row['chase']})" if row["chase"] else ""))
    last = next(ev for ev in log.query(event_type="bank.*") if ev.payload["entry"]["ref"] == entry
                and ev.event_type == "bank.entry_unmatched")
    original = Entry(**last.payload["entry"])
    if not original.credit or original.reversal:
        raise click.ClickException(f"bank entry {entry} is a debit: only a credit becomes a receipt")
    amount = original.amount
    if original.currency != "CHF":
        if chf is None:
            raise click.UsageError(f"entry {entry} is in {original.currency}: give --chf, the CHF amount credited")
        amount = chf
    elif chf is not None:
        raise click.UsageError("--chf is for an entry in another currency")
    wid = workflow_id(year, alpha3)

    async def go():
        return await _receive(await connect(), wid, amount, original, acting)

    refused = run(go())
    if refused:
        raise click.ClickException(f"{wid}: {refused}")
    source = {k: last.payload[k] for k in ("account", "statement", "format", "sha256")}
    log.append(_new_event(source, original, acting, "bank.entry_matched", alpha3,
                          key=f"{entry_key(source['account'], entry)}/matched", chase=wid, how="by_hand",
                          chf=str(amount)))
    click.echo(f"{entry}: recorded on {wid} as a receipt of CHF {amount}")
