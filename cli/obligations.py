"""`ccm obligations …`: treaty obligations per State (Article 7 reports, Article 3 and 4
deadlines and extensions, the Dubrovnik Action Plan's victim-assistance dates), one
`Obligation` workflow each."""

from __future__ import annotations

from pathlib import Path

import click

from cli.client import as_option, connect, connect_polled, read_status, reason_command, run, update
from cli.common import DATE, PARTY, emit, output_option, read_input, rebuild_reason, settings
from domain.clock import geneva_today

KIND = click.Choice(
    ["art7-initial", "art7-annual", "art3-stockpiles", "art4-clearance", "dap-va-focal-point", "dap-va-action-plan"]
)
LIST_COLUMNS = ["state", "kind", "period", "stage", "due", "fulfilled_on", "reference", "next_action_at"]


def kind_option(f):
    return click.option("--kind", type=KIND, required=True, help="which obligation")(f)


def period_option(f):
    return click.option(
        "--year",
        type=click.IntRange(2010, geneva_today().year + 1),
        help="the year an annual report covers (art7-annual)",
    )(f)


def target(f):
    return click.option("--state", type=PARTY, required=True, help="the State Party")(kind_option(period_option(f)))


def _id(state: str, kind: str, year: int | None) -> str:
    from domain.obligations import obligation_id, period_of

    if kind == "art7-annual" and year is None:
        raise click.UsageError("an annual report needs --year (the year it covers)")
    return obligation_id(state, kind, period_of(kind, year))


def _say(result) -> None:
    click.echo(f"{result.workflow_id}: {result.stage.replace('_', ' ')}, due {result.summary['due']}")


@click.group()
def obligations():
    """Treaty obligations per State: reports, deadlines, extensions, who is overdue."""


@obligations.command("start")
@kind_option
@period_option
@click.option("--state", type=PARTY, help="one State Party; without it, every State Party concerned")
@click.option(
    "--obligations",
    "data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV state,article,note (3, 4 or va): who carries Article 3/4 and victim-assistance obligations",
)
@click.option(
    "--reminder-days",
    default="60,14",
    show_default=True,
    help="days before the due date when the State is reminded, comma-separated",
)
@as_option("isu")
def obligations_start(kind, year, state, data, reminder_days, acting):
    """Start the obligation of one State, or of every State Party it concerns. A re-run
    starts none twice. One already past its date starts overdue and sends one overdue
    notice, never the reminders it missed; one the log records as met or exempted (an
    imported row) is not started."""
    from cli.common import open_log
    from domain.obligations import concerned, fold_obligations, period_of
    from domain.states import registry_with

    if kind == "art7-annual" and year is None:
        raise click.UsageError("an annual report needs --year (the year it covers)")
    try:
        days = sorted({int(d) for d in reminder_days.split(",") if d.strip()}, reverse=True)
        if not days or not all(0 < d <= 365 for d in days):
            raise ValueError
    except ValueError:
        raise click.BadParameter(
            f"{reminder_days!r}: days between 1 and 365, comma-separated", param_hint="--reminder-days"
        ) from None
    # States Parties today: the shipped registry and the changes recorded since.
    log = open_log()
    parties = {
        s.alpha3: s.entry_into_force
        for s in registry_with(log.query(event_type="state.recorded")).parties(geneva_today())
    }
    states = [state] if state else concerned(kind, parties, year, read_input(data) if data else None)
    if state and state not in parties and kind not in ("art7-annual", "dap-va-focal-point", "dap-va-action-plan"):
        raise click.BadParameter(f"{state} is not a State Party today", param_hint="--state")
    done = {
        row.state
        for row in fold_obligations(log.query(event_type="obligation.*"))
        if (row.fulfilled_on or row.exempted) and row.kind == kind and row.period == period_of(kind, year)
    }
    log.engine.dispose()
    met = [a for a in states if a in done]
    started, existing = run(_start_obligations(kind, year, [a for a in states if a not in done], parties, days, acting))
    click.echo(
        f"{len(started)} obligations started, {len(existing)} already existed"
        + (f", {len(met)} already met or exempted in the log ({', '.join(met[:10])})" if met else "")
    )


async def _start_obligations(kind, year, states, parties, reminder_days, acting):
    """`services.obligations.start_obligations` with a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import Progress

    from services.obligations import start_obligations

    client, s = await connect_polled(), settings()
    with Progress(transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task(f"starting {kind}", total=len(states))
        return await start_obligations(
            client,
            s.task_queue,
            kind,
            year,
            states,
            parties,
            acting,
            reminder_days,
            advance=lambda: progress.advance(task),
        )


@obligations.command("fulfil")
@target
@click.option(
    "--date",
    "day",
    type=DATE,
    default=lambda: geneva_today().isoformat(),
    show_default="today",
    help="when it was fulfilled (a report received, a deadline met)",
)
@click.option("--reference", default="", help="the report's reference")
@as_option("isu")
def obligations_fulfil(state, kind, year, day, reference, acting):
    """Record an obligation fulfilled: on time or late, it ends."""
    from domain.obligations import Fulfil

    _say(run(update(_id(state, kind, year), "fulfil", Fulfil(date=day, reference=reference, **acting.model_dump()))))


@obligations.command("rebuild")
@target
@rebuild_reason
@as_option("isu")
def obligations_rebuild(state, kind, year, reason, acting):
    """Start an obligation again from the event log, the system of record: for a run that
    can no longer run (its history does not replay; `ccm doctor` lists it). The run is
    terminated, and the next generation carries on from what the log says (reminders sent,
    an extension asked or decided, a due date moved): nothing is sent again. The worker
    folds the log and refuses where the rows cannot be reproduced."""
    from cli.client import rebuild
    from cli.common import open_log
    from domain.obligations import ObligationInput, ObligationStatus
    from workflows.obligation import Obligation

    rebuild(open_log(), _id(state, kind, year), Obligation.run, ObligationInput, ObligationStatus, reason, acting)


@obligations.command("request-extension")
@target
@click.option("--new-due", type=DATE, required=True, help="the deadline asked for")
@click.option("--meeting", type=DATE, required=True, help="opening of the meeting that considers the request")
@click.option(
    "--submitted",
    type=DATE,
    default=lambda: geneva_today().isoformat(),
    show_default="today",
    help="when the request was submitted",
)
@click.option("--reason", required=True, help="why the State needs more time")
@as_option()
def obligations_request_extension(state, kind, year, new_due, meeting, submitted, reason, acting):
    """Record an Article 3 or 4 extension request: submitted before the deadline in force
    expires and at least nine months before the meeting that considers it, for at most 4
    years (Article 3.5) or 5 years (Article 4.5) beyond that deadline."""
    from domain.obligations import RequestExtension

    cmd = RequestExtension(new_due=new_due, meeting=meeting, submitted=submitted, reason=reason, **acting.model_dump())
    _say(run(update(_id(state, kind, year), "request_extension", cmd)))


@obligations.command("decide-extension")
@target
@click.option(
    "--msp", required=True, help="the Meeting of States Parties or Review Conference that decided: 13MSP, 2RC"
)
@click.option("--meeting", type=DATE, required=True, help="the day that meeting opened (not after today)")
@click.option("--granted/--refused", required=True, help="the meeting's decision")
@click.option("--decision", "text", required=True, help="the decision's text, as the meeting's report records it")
@click.option("--new-due", type=DATE, help="the deadline granted, when it differs from the request")
@as_option("president")
def obligations_decide_extension(state, kind, year, msp, meeting, granted, text, new_due, acting):
    """Record the decision a Meeting of States Parties made on an extension request. The
    meeting decides (Articles 3.5 and 4.5); the Presidency or the ISU records it. A
    deadline granted is at most 4 years (Article 3) or 5 years (Article 4) beyond the one
    in force."""
    from domain.obligations import DecideExtension

    cmd = DecideExtension(
        granted=granted, meeting=meeting, msp=msp.strip().upper(), text=text, new_due=new_due, **acting.model_dump()
    )
    _say(run(update(_id(state, kind, year), "decide_extension", cmd)))


@obligations.command("override-due")
@target
@click.option("--due", type=DATE, required=True, help="the due date that applies")
@click.option("--reason", required=True, help="why (e.g. practice counts from deposit)")
@as_option("isu")
def obligations_override_due(state, kind, year, due, reason, acting):
    """Set a State's due date with a reason (recorded); the reminders follow."""
    from domain.obligations import OverrideDue

    cmd = OverrideDue(due=due, reason=reason, **acting.model_dump())
    _say(run(update(_id(state, kind, year), "override_due", cmd)))


reason_command(
    obligations,
    "exempt",
    "exempt",
    "domain.obligations.Exempt",
    target,
    _id,
    _say,
    "Exempt a State from an obligation (the Presidency; a reason is required); it ends.",
    default_office="president",
)
reason_command(
    obligations,
    "confirm-overdue",
    "confirm_overdue",
    "domain.obligations.ConfirmOverdue",
    target,
    _id,
    _say,
    "Confirm overdue an obligation with no report recorded (one started after its due date): the "
    "ISU's record of the period is complete. The coordinators are told, and monthly reminders follow.",
    default_office="isu",
)


@obligations.command("list")
@click.option("--overdue", is_flag=True, help="only overdue obligations")
@click.option("--unrecorded", is_flag=True, help="only those with no report recorded (started after their due date)")
@click.option("--kind", type=KIND, help="only this kind")
@click.option("--state", type=PARTY, help="only this State Party")
@output_option()
def obligations_list(overdue, unrecorded, kind, state, output):
    """Obligations with their stage and due date (a visibility query)."""
    from domain.action_plans import serving
    from domain.obligations import ObligationStatus
    from domain.schedule import geneva_time

    clauses = ["WorkflowType = 'Obligation'"]
    stages = [stage for stage, wanted in (("overdue", overdue), ("unrecorded", unrecorded)) if wanted]
    if stages:
        clauses.append("(" + " OR ".join(f"CcmStage = '{stage}'" for stage in stages) + ")")
    if state:
        clauses.append(f"CcmState = '{state}'")

    async def go():
        client = await connect()
        rows = []
        for wid in sorted({wf.id async for wf in client.list_workflows(" AND ".join(clauses))}):
            if kind and f"-{kind}-" not in wid:
                continue
            st = await read_status(wid, ObligationStatus, client)
            rows.append(
                {
                    "state": st.state,
                    "kind": st.kind,
                    "period": st.period,
                    "stage": st.stage,
                    "due": st.due.isoformat(),
                    "fulfilled_on": st.fulfilled_on,
                    "reference": st.reference,
                    "next_action_at": geneva_time(st.next_action_at) if st.next_action_at else None,
                    # the action plan's area it serves: the plan in force on its due date
                    "serves": area.said() if (area := serving(f"obligation:{st.kind}", st.due)) else "",
                }
            )
        return rows

    rows = run(go())
    emit(rows, output, LIST_COLUMNS, title=f"Obligations ({len(rows)})")
