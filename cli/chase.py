"""`ccm chase …`: contribution chases, one workflow per State Party and year."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click

from cli.client import as_option, connect, connect_polled, read_status, reason_command, run, update
from cli.common import (
    DATE,
    PARTY,
    PAST,
    STATE,
    MoneyType,
    TextType,
    chase_year_option,
    emit,
    output_option,
    read_input,
    rebuild_reason,
    settings,
    year_option,
)
from domain.clock import geneva_today
from domain.ids import chase_prefix, chase_year
from services.commands import worker_polls

STATUS_COLUMNS = [
    "state",
    "year",
    "stage",
    "amount_due",
    "arrears",
    "credit_carried",
    "received",
    "outstanding",
    "credit",
    "voluntary",
    "letters",
    "next_action",
    "next_action_at",
    "creditor_reference",
]


def auto_escalate_option(f):
    return click.option(
        "--auto-escalate-days",
        type=click.IntRange(0, 180),
        help="send the President's letter by itself this many days after the pre-MSP reminder "
        "(by default it waits for the Presidency's decision)",
    )(f)


def _state_option(f):
    return click.option("--state", type=PARTY, required=True, help="the State Party (alpha-3, alpha-2 or name)")(f)


@click.group()
def chase():
    """Contribution chases: reminders until each State Party's contribution is paid."""


def _check_year(year: int) -> None:
    if year < geneva_today().year:
        raise click.ClickException(f"the financial year {year} has already ended")


def _chase_input(**fields):
    """The chase's input, checked here: a refusal is one line (`OneLineErrors`)."""
    from domain.chase import ChaseInput

    return ChaseInput(**{k: v for k, v in fields.items() if v is not None})


@chase.command("start")
@_state_option
@year_option
@click.option("--amount", type=MoneyType(positive=True), required=True, help="amount due in CHF")
@click.option("--arrears", type=MoneyType(), default="0", help="arrears carried from earlier years, CHF")
@click.option("--msp-date", type=DATE, help="opening of the Meeting of States Parties (default 1 Sept)")
@click.option(
    "--language",
    type=click.Choice(["en", "fr", "es"]),
    help="language of the letters (default: the State's in contacts.csv, else en)",
)
@auto_escalate_option
@as_option("isu")
def chase_start(state, year, amount, arrears, msp_date, language, auto_escalate_days, acting):
    """Start the chase of one State for one year: the call for contributions goes out at once."""
    from activities.letters import languages_of, load_contacts

    _check_year(year)
    language = language or languages_of(load_contacts(settings().contacts_file)).get(state, "en")
    inp = _chase_input(
        state=state,
        year=year,
        amount_due=amount,
        arrears=arrears,
        msp_date=msp_date,
        language=language,
        auto_escalate_days=auto_escalate_days,
    )
    s = settings()

    async def go():
        from services.chases import start_chase
        from services.commands import settle

        client = await connect_polled()
        handle = await start_chase(client, s.task_queue, inp, acting)
        await settle(client, [handle.id])  # its call written
        return handle

    handle = run(go())
    click.echo(f"started {handle.id}")


@chase.command("rebuild")
@_state_option
@year_option
@rebuild_reason
@as_option("isu")
def chase_rebuild(state, year, reason, acting):
    """Start a chase again from the event log, the system of record: for a run that can no
    longer run (its history does not replay; `ccm doctor` lists it). The run is terminated,
    and the next generation carries on from what the log says (receipts, letters sent,
    corrections, credits): nothing is sent again, what fell due meanwhile goes out now. The
    worker folds the log and refuses where the rows cannot be reproduced."""
    from cli.common import open_log
    from domain.chase import ChaseInput, ChaseStatus
    from domain.rebuild import generation_of

    wid = _chase_id(state, year)
    rows = list(open_log().query(workflow_id=wid))
    started = next((r for r in rows if r.event_type == "chase.started"), None)
    if started is None:
        raise click.ClickException(f"the log holds no chase.started row of {wid}: there is nothing to rebuild")
    generation = 1 + max(generation_of(wid, r.idempotency_key) for r in rows)
    said = started.payload
    inp = ChaseInput(
        state=state,
        year=year,
        amount_due=Decimal(said["amount_due"]),
        arrears=Decimal(said["arrears"]),
        credit_carried=Decimal(said.get("credit_carried", "0")),
        msp_date=said["msp_date"],
        language=said["language"],
        generation=generation,
    )
    s = settings()

    async def go():
        from services.chases import start_chase
        from services.rebuild import end_run

        client = await connect_polled()
        handle = client.get_workflow_handle(wid)
        await end_run(handle, (await handle.describe()).status, generation, reason)
        return await start_chase(client, s.task_queue, inp, acting)

    run(go())
    status = run(read_status(wid, ChaseStatus))
    click.echo(
        f"rebuilt {wid} as generation {generation} from {len(rows)} rows: {status.stage}, received "
        f"{status.received}, outstanding {status.outstanding}"
    )


@chase.command("start-all")
@year_option
@click.option(
    "--budget",
    type=MoneyType(positive=True),
    help="the year's budget in CHF, shared by the UN scale of the year (shipped with ccm) or --scale",
)
@click.option(
    "--scale",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV state,rate: UN rates in percent, instead of the shipped scale of the year",
)
@click.option(
    "--amounts",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV state,amount: the amount due from each State billed, instead of a budget",
)
@click.option(
    "--minimum",
    type=MoneyType(positive=True),
    default="100",
    show_default=True,
    help="amount for a State Party without a UN rate (not a UN member)",
)
@click.option("--msp-date", type=DATE, help="opening of the Meeting of States Parties, in the year (default 1 Sept)")
@click.option("--dry-run", is_flag=True, help="print each State's rate, amount, credit and arrears; start nothing")
@auto_escalate_option
@as_option("isu")
def chase_start_all(year, budget, scale, amounts, minimum, msp_date, dry_run, auto_escalate_days, acting):
    """Start the year's chase for every State billed, through the annual cycle. The
    States billed are the year's States Parties under CCM_MEMBERSHIP_RULE (`any-day`: in
    force on any day of the year, the default; `1-january`: in force on 1 January). Last
    year's unpaid balances become arrears, its credits this year's opening credit, and a
    State that withdrew is chased for its arrears alone. A re-run starts none twice."""
    from domain.chase import workflow_id
    from domain.cycle import CycleInput

    if amounts and (budget or scale):
        raise click.UsageError("give either --amounts, or --budget (with --scale to replace the UN scale of the year)")
    if not amounts and not budget:
        raise click.UsageError("give --budget N (shared by the UN scale of the year), or --amounts FILE")
    if not dry_run:
        _check_year(year)
    if msp_date and msp_date.year != year:
        raise click.BadParameter(f"the MSP date must fall in {year}", param_hint="--msp-date")
    inp = CycleInput(
        year=year,
        budget=budget,
        minimum=minimum,
        auto_escalate_days=auto_escalate_days,
        scale_csv=read_input(scale) if scale else None,
        amounts_csv=read_input(amounts) if amounts else None,
        membership_rule=settings().membership_rule,
        msp_month_day=f"{msp_date:%m-%d}" if msp_date else None,
    )
    computed = _computed(inp, amounts or scale)
    zero = Decimal("0.00")
    for alpha3 in computed.chased():  # every input is checked here, before anything starts
        _chase_input(
            state=alpha3,
            year=year,
            amount_due=computed.amounts.get(alpha3, zero),
            arrears=computed.arrears.get(alpha3, zero),
            credit_carried=computed.credits.get(alpha3, zero),
            membership_rule=inp.membership_rule,
            msp_date=msp_date,
        )
    if dry_run:
        _dry_run(inp, computed, budget)
        return
    result = run(run_cycle(inp, acting))
    existing = [workflow_id(year, a) for a in result.existing]
    click.echo(
        f"{len(result.started)} chases started, {len(existing)} already existed"
        + (f" ({', '.join(existing)})" if existing and len(existing) <= 10 else "")
    )
    if existing:
        click.echo(
            f"note: the {len(existing)} chases that already existed keep the amounts they were started with; "
            "change one with `ccm chase correct-due`",
            err=True,
        )


def _computed(inp, path):
    """What the cycle's activity will compute, computed here from the same log and files:
    a file's problem is said now, in one line, not by a failed workflow."""
    from temporalio.exceptions import ApplicationError

    from activities.records import cycle_amounts
    from cli.common import open_log

    log = open_log()
    try:
        computed = cycle_amounts(log, inp, settings().contacts_file, settings().home / f"budget-{inp.year}.csv")
        if computed.missing:
            raise click.ClickException(computed.missing)
        return computed
    except ApplicationError as e:
        problem = str(e).removeprefix("the cycle's amounts cannot be computed: ")
        raise click.ClickException(f"{path}: {problem}" if path else problem) from None
    finally:
        log.engine.dispose()


def _dry_run(inp, computed, budget) -> None:
    """What the cycle would start, computed as its activity computes it: whom the year
    bills and by which rate, and what last year's chases (live or imported) carried into
    it. A past year may be dry-run: it shows what was carried into it."""
    from domain.money import format_chf

    zero = Decimal("0.00")

    def note(a: str) -> str:
        if a in computed.not_billed:
            return "not billed: arrears only"
        return "no UN rate: the minimum" if computed.rates and not computed.rates.get(a) else ""

    rows = [
        {
            "state": a,
            "name": computed.names[a],
            "language": computed.languages.get(a, inp.language),
            "rate": computed.rates.get(a) or "",
            "amount_due": computed.amounts.get(a, zero),
            "credit_carried": computed.credits.get(a, zero),
            "arrears": computed.arrears.get(a, zero),
            "note": note(a),
        }
        for a in computed.chased()
    ]
    emit(
        rows,
        "table",
        ["state", "name", "language", "rate", "amount_due", "credit_carried", "arrears", "note"],
        title=f"Contributions {inp.year} (dry run)",
    )
    total = sum((r["amount_due"] for r in rows), zero)
    against = f" against a budget of {format_chf(budget)}" if budget else ""
    click.echo(f"Billed: {computed.rule} (CCM_MEMBERSHIP_RULE={inp.membership_rule}).")
    click.echo(
        f"Scale: {computed.period}"
        + (f" {computed.scale_source}" if computed.scale_source else "")
        + (
            f" (UN scale of assessments, rates in percent; States with no UN rate pay {format_chf(inp.minimum)})"
            if computed.rates
            else ""
        )
    )
    for a, why in sorted(computed.not_billed.items()):
        click.echo(f"Not billed for {inp.year}: {computed.names.get(a) or a} ({a}): {why}")
    held = {a: c for a, c in computed.credits.items() if a not in computed.chased()}
    for a, c in sorted(held.items()):
        click.echo(f"Credit held for {computed.names.get(a) or a} ({a}), not billed this year: {format_chf(c)}")
    click.echo(
        f"{len(rows)} chases would start, {format_chf(total)} due in all{against}, "
        f"with {format_chf(sum(computed.arrears.values(), zero))} of arrears ({len(computed.arrears)} States) "
        f"and {format_chf(sum(computed.credits.values(), zero))} of credits ({len(computed.credits)} States) "
        f"carried from {inp.year - 1}; nothing was started"
    )


async def run_cycle(inp, acting):
    """The year's chases through one AnnualContributionCycle, as the schedule runs it:
    last year's unpaid balances become arrears, and a chase that exists is left alone."""
    from temporalio.common import WorkflowIDReusePolicy

    from services.commands import start
    from workflows.annual_cycle import AnnualContributionCycle

    handle = await start(
        await connect_polled(),
        AnnualContributionCycle.run,
        inp,
        f"start-all-{inp.year}",
        settings().task_queue,
        acting,
        wait=False,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
    return await handle.result()


def _say(result) -> None:
    f = result.summary
    click.echo(
        f"{result.workflow_id}: {result.stage}, received {f['received']}, outstanding {f['outstanding']}"
        + (f", credit {f['credit']}" if f.get("credit") else "")
    )


def _chase_id(state, year) -> str:
    from domain.chase import workflow_id

    return workflow_id(year or _open_year(state), state)


def _open_year(state: str) -> int:
    """The year of the State's open chase (this year's if it is open), else this year;
    said on stderr, since the person did not give it."""
    open_years = run(_years(state, "AND ExecutionStatus = 'Running'"))
    this_year = geneva_today().year
    year = this_year if this_year in open_years or not open_years else open_years[-1]
    click.echo(
        f"(year {year}: " + ("the open chase" if open_years else "this year") + "; give --year for another)", err=True
    )
    return year


async def _years(state: str, more: str = "") -> list[int]:
    client = await connect()
    query = f"WorkflowType = 'ContributionChase' AND CcmState = '{state}' {more}"
    return sorted({chase_year(wf.id) async for wf in client.list_workflows(query)})


def _not_found(state: str, year: int | None, error: click.ClickException) -> click.ClickException:
    """'not found', said with the years that do have a chase for the State."""
    if "not found" not in error.message:
        return error
    years = run(_years(state))
    where = f"in {year}" if year else "in the year asked"
    elsewhere = f"; there are chases for {', '.join(map(str, years))}" if years else "; none in any year"
    return click.ClickException(f"no chase for {state} {where}{elsewhere}")


def _update(state, year, update_name, arg):
    """Send an update to a chase and print what it changed in one line."""
    year = year or _open_year(state)

    async def go():
        from services.commands import settle

        client = await connect()
        result = await update(_chase_id(state, year), update_name, arg, client)
        await settle(client, [result.workflow_id])  # the letter it asked for, written
        return result

    try:
        _say(run(go()))
    except click.ClickException as e:
        raise _not_found(state, year, e) from None


class LinesType(click.ParamType):
    """`7a=27574.16,7c=10000`: a receipt's parts by line, each a positive amount in CHF."""

    name = "LINE=AMOUNT,…"

    def convert(self, value, param, ctx):
        from decimal import Decimal, InvalidOperation

        if isinstance(value, dict):
            return value
        parts: dict[str, Decimal] = {}
        for item in value.split(","):
            line, _, amount = (part.strip() for part in item.partition("="))
            if line in parts:
                self.fail(f"line {line} is named twice", param, ctx)
            try:
                parts[line] = Decimal(amount)
            except InvalidOperation:
                self.fail(f"{item.strip()!r} is not LINE=AMOUNT (e.g. 7a=27574.16)", param, ctx)
        return parts


@chase.command("receive")
@_state_option
@chase_year_option
@click.option("--amount", type=MoneyType(positive=True), required=True, help="amount received, CHF")
@click.option(
    "--date",
    "day",
    type=DATE,
    default=lambda: geneva_today().isoformat(),
    show_default="today",
    help="date the money arrived",
)
@click.option("--reference", default="", help="bank reference")
@click.option(
    "--budget-line", type=click.Choice(["7a", "7b", "7c"]), help="budget line the whole receipt counts towards"
)
@click.option(
    "--lines",
    type=LinesType(),
    help="the parts by line as the payer says them, e.g. 7a=27574.16,7c=10000 (they sum to --amount)",
)
@click.option(
    "--excess",
    type=click.Choice(["credit", "voluntary"]),
    help="what is paid above everything due: a credit carried to next year, or a voluntary "
    "contribution  [default: CCM_EXCESS, else credit]",
)
@click.option(
    "--excess-line", type=click.Choice(["7b", "7c"]), help="the voluntary line that takes it (default: the call's last)"
)
@as_option("isu")
def chase_receive(state, year, amount, day, reference, budget_line, lines, excess, excess_line, acting):
    """Record money received; a partial payment lowers the outstanding amount. Where the
    year's call was itemised by line and the payer names none, the receipt is allocated by
    the default rule: arrears first, then the non-voluntary line, then the voluntary lines
    in proportion to what is still indicated; any excess is a credit, or, with `--excess
    voluntary`, a voluntary contribution to a voluntary line."""
    from domain.chase import RecordReceipt

    if excess == "credit" and excess_line:
        raise click.UsageError("--excess-line names where a voluntary excess goes: not with --excess credit")
    excess = excess or ("voluntary" if excess_line else settings().excess)

    _update(
        state,
        year,
        "record_receipt",
        RecordReceipt(
            amount=amount,
            date=day,
            reference=reference,
            budget_line=budget_line or "",
            lines=lines or {},
            excess=excess,
            excess_line=excess_line or "",
            **acting.model_dump(),
        ),
    )


@chase.command("reverse-receipt")
@_state_option
@chase_year_option
@click.option("--reference", default="", help="the bank reference of the receipt to reverse")
@click.option("--receipt", "number", type=click.IntRange(1), help="or its number on the chase (1 = first)")
@click.option("--reason", required=True, help="why (recorded with the event)")
@as_option("isu")
def chase_reverse_receipt(state, year, reference, number, reason, acting):
    """Undo a receipt recorded by mistake with a compensating event (nothing is edited);
    a chase closed as paid reopens if money is outstanding again."""
    from domain.chase import ReverseReceipt

    if bool(reference) == bool(number):
        raise click.UsageError("give --reference or --receipt (one of them)")
    _update(
        state,
        year,
        "reverse_receipt",
        ReverseReceipt(reference=reference, number=number, reason=reason, **acting.model_dump()),
    )


@chase.command("correct-due")
@_state_option
@chase_year_option
@click.option("--amount", type=MoneyType(), required=True, help="the correct amount due, CHF")
@click.option("--reason", required=True, help="why (recorded with the event)")
@as_option("isu")
def chase_correct_due(state, year, amount, reason, acting):
    """Correct the amount due with a compensating event; the letters and reports follow."""
    from domain.chase import CorrectDue

    _update(state, year, "correct_due", CorrectDue(amount=amount, reason=reason, **acting.model_dump()))


@chase.command("report-payment")
@_state_option
@chase_year_option
@click.option("--amount", type=MoneyType(positive=True), help="amount the State says it paid, CHF")
@click.option(
    "--date",
    "day",
    type=DATE,
    default=lambda: geneva_today().isoformat(),
    show_default="today",
    help="date the State says it paid",
)
@click.option("--reference", default="", help="reference the State gave")
@as_option("isu")
def chase_report_payment(state, year, amount, day, reference, acting):
    """The State says it paid: reminders pause until the money arrives or the follow-up."""
    from domain.chase import ReportPayment

    _update(
        state,
        year,
        "report_payment",
        ReportPayment(amount=amount, date=day, reference=reference, **acting.model_dump()),
    )


@chase.command("pledge")
@_state_option
@chase_year_option
@click.option("--expected-date", type=DATE, required=True, help="when the payment is expected")
@click.option("--note", default="", help="what the State said")
@as_option("isu")
def chase_pledge(state, year, expected_date, note, acting):
    """The State pledges to pay by a date: reminders wait until then."""
    from domain.chase import Pledge

    _update(state, year, "pledge", Pledge(expected_date=expected_date, note=note, **acting.model_dump()))


@chase.command("set-msp-date")
@_state_option
@chase_year_option
@click.option("--date", "day", type=DATE, required=True, help="new opening date of the MSP")
@as_option("isu")
def chase_set_msp_date(state, year, day, acting):
    """Move the Meeting of States Parties: the pre-MSP reminder moves with it."""
    from domain.chase import SetMspDate

    _update(state, year, "set_msp_date", SetMspDate(msp_date=day, **acting.model_dump()))


@chase.command("escalate")
@click.option("--state", type=PARTY, help="the State Party; or --all-unpaid")
@click.option("--all-unpaid", is_flag=True, help="every chase of the year whose President's letter is due")
@chase_year_option
@click.option(
    "--reason",
    type=TextType(2_000),
    help="the Presidency's reason for writing before the ISU's third letter (the pre-MSP reminder) has gone",
)
@as_option("president")
def chase_escalate(state, all_unpaid, year, reason, acting):
    """Send the President's individual letter now: to one State, or with --all-unpaid to
    every State of the year whose chase waits for it (stage escalation_due: the ISU's
    three letters have gone and nothing was received). The President writes after the
    ISU's pre-MSP reminder; to one State earlier only with --reason, recorded. A re-run
    sends none twice."""
    from domain.chase import Escalate

    cmd = Escalate(reason=reason or "", **acting.model_dump())
    if bool(state) == all_unpaid:
        raise click.UsageError("give --state, or --all-unpaid")
    if state:
        _update(state, year, "escalate", cmd)
        return
    year = year or geneva_today().year
    sent, closed, decided = run(_escalate_all(year, cmd, acting))
    if decided is not None:
        click.echo(
            f"{year} is history (its contributions were imported; no chase of it runs): the decision to send "
            f"the President's letters to the {len(decided['states'])} States that sent nothing is recorded "
            f"({', '.join(decided['states']) or 'none'}); nothing is sent"
        )
        for key, words in (("pledged", "pledged"), ("reported", "reported paying"), ("partial", "paid part")):
            if decided[key]:
                click.echo(f"listed apart, not written to: {len(decided[key])} {words} ({', '.join(decided[key])})")
    else:
        click.echo(f"{len(sent)} President's letters sent for {year}" + (f" ({', '.join(sent)})" if sent else ""))
    for item in closed:
        click.echo(f"action item {item} closed: the decision it records is carried out")


async def _escalate_all(year: int, cmd, acting) -> tuple[list[str], list[str], dict[str, list[str]] | None]:
    """The President's letters of the year's chases that wait for them; for a year that is
    history (imported, no chase runs), the decision recorded instead, naming the States
    that sent nothing and, apart, those that pledged, reported paying or paid part. Then
    the action items that record the decision are closed (`services.fulfilment`).
    (sent, items closed, the lists of a recorded decision or None)."""
    from domain.action_items import escalation_of
    from services.fulfilment import fulfil_items, record_history_decision

    client = await connect()
    query = f"WorkflowType = 'ContributionChase' AND CcmYear = {year} AND ExecutionStatus = 'Running'"
    ids = sorted({wf.id async for wf in client.list_workflows(query)})
    if ids and not await worker_polls(client, ids[0]):
        raise click.ClickException("no worker polls the chases' task queue: start `ccm worker`, then repeat")
    sent, decided = await _letters(client, year, cmd, ids), None
    if not ids:
        from cli.common import open_log

        s = settings()
        decided = await record_history_decision(
            client, open_log(), s.task_queue, year, acting, s.home / f"budget-{year}.csv"
        )
    reference = (
        f"the decision on {year}, a year of history, recorded (nothing sent)"
        if decided is not None
        else f"{len(sent)} President's letters sent for {year}"
    )
    closed = await fulfil_items(client, escalation_of(year), reference, acting)
    return sent, closed, decided


async def _letters(client, year: int, cmd, ids: list[str]) -> list[str]:
    from rich.console import Console
    from rich.progress import Progress

    from domain.chase import ChaseStatus, workflow_id

    sent = []
    with Progress(transient=True, console=Console(stderr=True)) as progress:  # stdout stays the answer
        task = progress.add_task("President's letters", total=len(ids))
        for wid in ids:  # the stage is read from each chase, not from the lagging list
            status = await read_status(wid, ChaseStatus, client)
            if status.stage == "escalation_due":
                await update(workflow_id(year, status.state), "escalate", cmd, client, check_worker=False)
                sent.append(status.state)
            progress.advance(task)
    from services.commands import settle

    await settle(client, [workflow_id(year, state) for state in sent])  # the letters written, as the command says
    return sent


for _name, _verb in (("waive", "Waive"), ("cancel", "Cancel")):
    reason_command(
        chase,
        _name,
        _name,
        "domain.chase.Close",
        lambda f: _state_option(chase_year_option(f)),
        _chase_id,
        _say,
        f"{_verb} the chase (a reason is required); it ends.",
    )


@chase.command("status")
@click.option("--state", type=STATE, help="one State; without it, every chase of the year")
@chase_year_option
@click.option(
    "--as-of", type=PAST, help=f"as the event log knew it at the end of that day, {PAST.window()} (later rows ignored)"
)
@output_option()
def chase_status(state, year, as_of, output):
    """Status of one chase, or of all chases of a year (a visibility query). With
    --as-of, computed from the event log instead (stage: the outcome, or `open`)."""

    if not as_of:
        rows = _live_rows(state, year)
        if rows:
            emit(rows, output, STATUS_COLUMNS, title=f"Contribution chases {rows[0]['year']}")
            return
        as_of = geneva_today()  # a year imported from the ledger lives in the event log only
    from cli.report import contributions_report
    from domain.bank import creditor_reference, format_reference

    year = year or as_of.year
    rows = [
        {
            "state": r.state,
            "year": year,
            "stage": r.outcome or "open",
            "amount_due": r.amount_due,
            "arrears": r.arrears,
            "credit_carried": r.credit_carried,
            "received": r.received,
            "outstanding": r.outstanding,
            "credit": r.credit,
            "voluntary": r.voluntary,
            "letters": r.letters,
            "last_action": r.last_action,
            "last_action_on": r.last_action_on,
            "creditor_reference": format_reference(creditor_reference(year, r.state)),
        }
        for r in contributions_report(year, as_of).states
        if state in (None, r.state)
    ]
    emit(rows, output, list(rows[0]) if rows else STATUS_COLUMNS, title=f"Chases {year} as of {as_of}")


def _live_rows(state: str | None, year: int | None) -> list[dict] | None:
    """The chases' rows from Temporal's visibility (one list call); None when the year was
    imported from the ledger (its chases live in the event log only), which is asked only
    when Temporal has none: the log and its imports are not loaded for a live year."""
    if year is None:
        year = _open_year(state) if state else geneva_today().year

    async def go():
        from services.chases import chase_rows

        return await chase_rows(await connect(), state, year)

    try:
        rows = run(go())
    except click.ClickException as e:
        if _imported(year):
            return None
        raise (_not_found(state, year, e) if state else e) from None
    if not rows:
        if _imported(year):
            return None
        raise click.ClickException(f"no chases for {year}")
    return rows


def _imported(year: int) -> bool:
    """Whether `year` came from the ISU's ledger (`ccm import contributions`)."""
    from cli.common import open_log

    try:
        log = open_log()
    except click.ClickException:  # no event log here: nothing was imported
        return False
    return next(log.query(workflow_prefix=chase_prefix(year), event_type="chase.imported", batch=1), None) is not None


SCHEDULE_ID = "ccm-annual-contribution-cycle"


@chase.command("schedule")
@click.option("--day", default="01-15", show_default=True, help="MM-DD each year the cycle starts (08:00 UTC)")
@click.option(
    "--budget-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV line,amount,kind: the year's budget (with --scale)",
)
@click.option(
    "--scale",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV state,rate: UN rates of assessment in percent",
)
@click.option(
    "--amounts",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV state,amount instead of a budget and scale",
)
@click.option("--msp-day", help="MM-DD of the Meeting of States Parties (default 1 September)")
@click.option("--show", "action", flag_value="show", help="print the schedule")
@click.option("--pause", "action", flag_value="pause", help="pause the schedule")
@click.option("--unpause", "action", flag_value="unpause", help="resume the schedule")
@click.option("--trigger", "action", flag_value="trigger", help="run the cycle now (for this year)")
@click.option("--delete", "action", flag_value="delete", help="delete the schedule")
@auto_escalate_option
def chase_schedule(day, budget_file, scale, amounts, msp_day, action, auto_escalate_days):
    """Create or update the Temporal Schedule that starts every State Party's chase each
    January (through one AnnualContributionCycle workflow); or show, pause, trigger or
    delete it."""
    s = settings()
    if not action:  # the day and the files are checked before anything connects
        inp = _cycle_input(budget_file, scale, amounts, msp_day).model_copy(
            update={"auto_escalate_days": auto_escalate_days}
        )
        schedule = _schedule(day, inp, s)

    async def go():
        from temporalio.service import RPCError, RPCStatusCode

        client = await connect()
        handle = client.get_schedule_handle(SCHEDULE_ID)
        if action:  # each acts on the schedule, which must exist
            try:
                await handle.describe()
            except RPCError as e:
                if e.status != RPCStatusCode.NOT_FOUND:
                    raise
                raise click.ClickException(
                    "there is no schedule yet: create it with `ccm chase schedule --day MM-DD "
                    "--budget-file … --scale …` (or --amounts …)"
                ) from None
        if action == "show":
            return _describe_schedule(await handle.describe())
        if action == "pause":
            await handle.pause(note="paused with ccm")
            return f"{SCHEDULE_ID} paused"
        if action == "unpause":
            await handle.unpause(note="resumed with ccm")
            return f"{SCHEDULE_ID} resumed"
        if action == "trigger":
            await handle.trigger()
            return f"{SCHEDULE_ID} triggered: this year's chases are being started"
        if action == "delete":
            await handle.delete()
            return f"{SCHEDULE_ID} deleted"
        return await _create_or_update(client, s, schedule)

    click.echo(run(go()))


def _cycle_input(budget_file, scale, amounts, msp_day):
    from domain.schedule import yearly_day

    if msp_day is not None:
        try:
            yearly_day(msp_day)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--msp-day") from None
    from domain.contributions import read_budget
    from domain.cycle import CycleInput
    from domain.scale import ScaleError, read_amounts, read_scale
    from domain.states import registry

    if amounts and (budget_file or scale):
        raise click.UsageError("give either --amounts, or --budget-file (with --scale to replace the UN scale)")
    if not amounts and not budget_file:
        raise click.UsageError("give --budget-file FILE (shared by the UN scale of each year), or --amounts FILE")
    rule = settings().membership_rule
    try:  # check the files now, not next January
        if amounts:
            text = read_input(amounts)
            read_amounts(text, registry())
            return CycleInput(amounts_csv=text, msp_month_day=msp_day, membership_rule=rule)
        budget = sum(line.amount for line in read_budget(read_input(budget_file)))
        text = read_input(scale) if scale else None
        if text:
            read_scale(text, registry())
        return CycleInput(budget=budget, scale_csv=text, msp_month_day=msp_day, membership_rule=rule)
    except (ScaleError, ValueError) as e:
        raise click.ClickException(f"the files have problems: {e}") from None


def _schedule(day: str, inp, s):
    from temporalio.client import (
        Schedule,
        ScheduleActionStartWorkflow,
        ScheduleCalendarSpec,
        ScheduleOverlapPolicy,
        SchedulePolicy,
        ScheduleRange,
        ScheduleSpec,
    )

    from domain.schedule import yearly_day
    from workflows.annual_cycle import AnnualContributionCycle

    try:
        month, dom = yearly_day(day)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--day") from None
    return Schedule(
        action=ScheduleActionStartWorkflow(
            AnnualContributionCycle.run, inp, id="annual-contribution-cycle", task_queue=s.task_queue
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    month=[ScheduleRange(month)], day_of_month=[ScheduleRange(dom)], hour=[ScheduleRange(8)]
                )
            ]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def _create_or_update(client, s, schedule) -> str:
    from temporalio.client import ScheduleAlreadyRunningError, ScheduleUpdate

    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
        return f"{SCHEDULE_ID} created"
    except ScheduleAlreadyRunningError:
        await client.get_schedule_handle(SCHEDULE_ID).update(lambda _: ScheduleUpdate(schedule=schedule))
        return f"{SCHEDULE_ID} updated"


def _describe_schedule(desc) -> str:
    cal = desc.schedule.spec.calendars[0]
    nxt = desc.info.next_action_times[0].date().isoformat() if desc.info.next_action_times else "none"
    recent = desc.info.recent_actions
    last = recent[-1].started_at.isoformat(timespec="seconds") if recent else "never"
    state = "paused" if desc.schedule.state.paused else "active"
    return (
        f"{desc.id}: {state}, every {cal.month[0].start:02d}-{cal.day_of_month[0].start:02d} at 08:00 UTC "
        "(09:00 in Geneva); "
        f"next run {nxt}; last run {last}; runs so far {desc.info.num_actions}"
    )
