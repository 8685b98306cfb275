"""`ccm demo`: the embedded server, a worker and this year's chases, end to end."""

from __future__ import annotations

import shutil
from datetime import date, time, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path

import click

from cli.client import run
from cli.common import emit, settings

DEMO_BUDGET = Decimal("500000")


@click.command()
@click.option("--keep", is_flag=True, envvar="KEEP", help="keep the server and worker running (Ctrl-C stops)")
def demo(keep):
    """Start the embedded server and a worker in a fresh demo directory, start this year's
    chases for every State Party, record a few receipts and print the status table."""
    from cli import devserver

    s = settings()
    home = s.home / "demo"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    port, ui_port = devserver.free_port(), devserver.free_port()
    s = s.model_copy(update={"home": home, "temporal_address": f"127.0.0.1:{port}",
                             "database_url_override": f"sqlite:///{home / 'eventlog.db'}"})
    click.get_current_context().find_root().obj = s  # every helper below reads the demo's settings
    from activities.database import open_event_log

    open_event_log(s.database_url, create=True).engine.dispose()  # the demo's own log, new each run
    year = date.today().year
    (home / f"budget-{year}.csv").write_text(
        "line,amount,kind\n7a,150000,mandatory\n7b,150000,voluntary\n7c,200000,voluntary\n")
    with open(home / "temporal-server.log", "ab") as log:
        try:
            proc = devserver.start(home, port, ui_port, headless=False, log_file=log)
        except devserver.ServerError as e:
            raise click.ClickException(str(e)) from None
        try:
            run(_demo(s, keep, ui_port))
        except KeyboardInterrupt:
            pass
        finally:
            devserver.stop(proc)


async def _demo(s, keep: bool, ui_port: int) -> None:
    import asyncio

    from activities.reports import publish
    from cli.chase import chase_rows, start_chase
    from cli.report import contributions_report, report_rows, summary
    from cli.temporal import connect, run_worker
    from domain.chase import ChaseInput, Pledge, RecordReceipt, ReportPayment, workflow_id
    from domain.scale import indicative_amounts
    from domain.states import registry

    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(s, stop, say=lambda m: click.echo(m, err=True)))
    try:
        client = await connect(s)
        reg = registry()
        click.echo(f"Registry: {len(reg.parties())} States Parties, {len(reg) - len(reg.parties())} signatories")
        year, today = date.today().year, date.today()
        scale = resources.files("domain").joinpath("data/demo_scale.csv").read_text("utf-8")
        amounts = indicative_amounts(DEMO_BUDGET, scale, reg)
        click.echo(f"Starting the {year} chases for {len(amounts)} States Parties "
                   f"(demo budget CHF {DEMO_BUDGET:,}, demo scale)…")
        await asyncio.gather(*(start_chase(client, s, ChaseInput(state=a, year=year, amount_due=v))
                               for a, v in amounts.items()))

        async def update(state, name, arg):
            await client.get_workflow_handle(workflow_id(year, state)).execute_update(name, arg)

        # As in the minutes of 4 November 2016: two States paid, Italy's payment "was
        # being processed", and one State reported paying while nothing had arrived.
        await update("DEU", "record_receipt", RecordReceipt(amount=amounts["DEU"], date=today,
                                                            reference="DE-2016-11", budget_line="7c"))
        await update("AUS", "record_receipt", RecordReceipt(amount=amounts["AUS"] / 2, date=today,
                                                            budget_line="7b"))
        await update("ITA", "pledge", Pledge(expected_date=today + timedelta(days=20),
                                             note="being processed after governmental restructuring", office="ITA"))
        await update("NZL", "report_payment", ReportPayment(date=today, reference="NZ-7781", office="NZL"))
        rows = []
        for _ in range(50):  # visibility is eventually consistent: wait for every chase
            rows = await chase_rows(client, None, year)
            if len(rows) >= len(amounts):
                break
            await asyncio.sleep(0.2)
        emit(rows, "table", ["state", "stage", "amount_due", "received", "outstanding", "letters", "next_action"],
             title=f"Contribution chases {year}")
        click.echo(f"Web UI: http://127.0.0.1:{ui_port}   Temporal: {s.temporal_address}   data: {s.home}")
        await _meetings(client, s, today)
        await _obligations(client, year - 1)
        _year_2016(s)
        report = contributions_report(year)
        emit(report_rows(report), "table", ["name", "amount_due", "received", "outstanding", "letters", "last_action"],
             title=f"Status of contributions {year} (from the event log)")
        click.echo(summary(report))
        click.echo(f"Published: {publish(report, s.home / 'site')}")
        if keep:
            click.echo("KEEP=1: running until Ctrl-C", err=True)
            await asyncio.Event().wait()
    finally:
        stop.set()
        await worker


# The demo's own 2016 budget: its ledger's totals are those the ISU Director gave on
# 4 November 2016 (7a CHF 96'433, 7b 110'922, 7c 170'481; a deficit just over 100'000).
BUDGET_2016 = "line,amount,kind\n7a,160000,mandatory\n7b,150000,voluntary\n7c,168000,voluntary\n"


def _year_2016(s) -> None:
    """2016 from a ledger, as an ISU adopting ccm would bring it: the demo's own payers
    (named as such), with the totals the minutes quote, as of 4 November 2016."""
    from activities.database import open_event_log
    from cli.report import contributions_report, summary
    from domain.contributions import ledger_events
    from domain.states import registry

    data = resources.files("domain").joinpath("data/demo_ledger_2016.csv").read_bytes()
    log = open_event_log(s.database_url, create=False)
    for event in ledger_events(data, 2016, registry(), "demo ledger", "isu"):
        log.append(event)
    (s.home / "budget-2016.csv").write_text(BUDGET_2016)
    click.echo("2016, imported from the demo's own ledger, as of 4 November 2016 (ccm report contributions "
               "--year 2016 --as-of 2016-11-04):")
    click.echo(summary(contributions_report(2016, date(2016, 11, 4))))
    click.echo(article7_as_of_4_november(log))


def article7_as_of_4_november(log) -> str:
    """The demo's own Article 7 record, imported, counted as the Transparency Measures
    coordinator counted it on 4 November 2016."""
    from domain.obligations import fold_obligations, imported_events
    from domain.states import registry

    data = resources.files("domain").joinpath("data/demo_article7_2016.csv").read_bytes()
    for event in imported_events(data, registry(), "demo record", "isu"):
        log.append(event)
    on = date(2016, 11, 4)
    rows = fold_obligations(log.query(event_type="obligation.*"), on)
    initial = sum(1 for r in rows if r.kind == "art7-initial" and r.standing(on) == "overdue")
    annual = sum(1 for r in rows if r.kind == "art7-annual" and r.period == "2015" and r.standing(on) == "overdue")
    return (f"Article 7 as of 4 November 2016: {initial} States Parties with overdue initial transparency reports "
            f"and {annual} with overdue 2015 annual reports (ccm report obligations --as-of 2016-11-04)")


async def _obligations(client, year: int) -> None:
    """Last year's Article 7 annual reports: due on 30 April, none recorded, so all are
    overdue and their coordinators told; the count, as the minutes quote it."""
    import asyncio

    from cli.obligations import start_obligations
    from domain.obligations import concerned
    from domain.states import registry

    parties = {s.alpha3: s.entry_into_force for s in registry().parties()}
    states = concerned("art7-annual", parties, year)
    await start_obligations("art7-annual", year, states, parties, progress_bar=False)
    query = "WorkflowType = 'Obligation' AND CcmStage = 'overdue'"
    overdue = 0
    for _ in range(100):  # visibility is eventually consistent
        overdue = (await client.count_workflows(query)).count
        if overdue >= len(states):
            break
        await asyncio.sleep(0.2)
    click.echo(f"Article 7 annual reports for {year}: {overdue} of {len(states)} States Parties overdue "
               "(ccm obligations list --overdue; ccm report obligations)")


# The decisions of the Committee's meeting of 4 November 2016, as action items.
ACTIONS_OF_4_NOVEMBER = [
    *((f"coordinator:{theme}", "Turn the concept note into an operational plan with concrete steps")
      for theme in ("victim-assistance", "universalization", "stockpile-destruction", "clearance-and-rre",
                    "cooperation-and-assistance", "transparency-measures", "national-implementation")),
    ("president", "Turn the Country Coalitions non-paper into an operational plan; identify lead countries"),
    ("president", "Individual letters to all States Parties that have not paid their ISU contribution"),
    ("member", "Advice from capitals on publishing the status of ISU contributions (UNOG methodology)"),
    ("coordinator:general-status", "Identify ways to address the ISU-CCM financing deficit"),
]


async def _meetings(client, s, today: date) -> None:
    """A meeting held two days ago with the action items of the 4 November 2016 minutes,
    and the next one scheduled five weeks later (invitations in the outbox)."""
    from cli.meeting import read_participants
    from domain.meetings import (
        AddActionItem,
        MeetingInput,
        ProposeItem,
        RecordAttendance,
        SetNextMeeting,
        meeting_id,
    )
    from domain.schedule import Schedule
    from workflows.meeting import Meeting

    people = read_participants(Path(str(resources.files("domain").joinpath("data/committee_2016.csv"))))
    venue = "Permanent Mission of the Federal Republic of Germany"
    held = today - timedelta(days=2)
    following = held + timedelta(weeks=5)
    one = await client.start_workflow(
        Meeting.run, MeetingInput.plan(Schedule.at(held, time(10), time(11, 30), venue), participants=people),
        id=meeting_id(held), task_queue=s.task_queue)
    await one.execute_update(Meeting.record_attendance, RecordAttendance(
        present=sorted({p.delegation for p in people}), actor="Sheila Mweemba", office="isu"))
    await one.execute_update(Meeting.set_next_meeting, SetNextMeeting(date=following, office="isu"))
    for owner, text in ACTIONS_OF_4_NOVEMBER:
        await one.execute_update(Meeting.add_action_item, AddActionItem(owner=owner, text=text, office="isu"))
    two = await client.start_workflow(
        Meeting.run, MeetingInput.plan(Schedule.at(following, time(10), time(11, 30), venue), participants=people,
                                       previous_meeting=held), id=meeting_id(following), task_queue=s.task_queue)
    # An update waits for the invitations to go out, so the demo shows them.
    await two.execute_update(Meeting.propose_item, ProposeItem(title="Country Coalitions: lead countries",
                                                               office="DEU"))
    await _concept_notes(client, s, following)
    click.echo(f"Meetings: {meeting_id(held)} held with {len(ACTIONS_OF_4_NOVEMBER)} action items; "
               f"{meeting_id(following)} scheduled, invitation with an .ics to {len(people)} participants "
               f"in {s.home / 'outbox' / 'new'}")


# Where each theme stood after the meeting of 4 November 2016, replayed against the next
# meeting: (theme, coordinator acting, steps taken).
CONCEPT_NOTES = [
    ("victim-assistance", "ITA", ["submit", "comment"]),
    ("universalization", "ZMB", ["submit", "comment", "approve"]),
    ("stockpile-destruction", "HRV", ["submit", "approve"]),
    ("clearance-and-rre", "NOR", []),  # "apologized for not having sent its concept note"
    ("cooperation-and-assistance", "AUS", ["submit"]),
    ("transparency-measures", "CRI", ["submit", "comment"]),
    ("national-implementation", "NZL", []),  # "apologized for the late submission"
    ("general-status", "BIH", []),  # "would not be discussed at that time"
]


async def _concept_notes(client, s, meeting: date) -> None:
    from domain.concept_notes import Comment, ConceptNoteInput, SubmitVersion, concept_note_id, theme
    from domain.meetings import PROPOSALS_CLOSE
    from domain.process import Acting
    from domain.schedule import local_to_utc, working_days_before
    from workflows.concept_note import ConceptNote

    deadline = local_to_utc(working_days_before(meeting, 3), PROPOSALS_CLOSE)
    for slug, coordinator, steps in CONCEPT_NOTES:
        inp = ConceptNoteInput(theme=slug, msp=s.msp, meeting=meeting, circulate_by=deadline,
                               plan_due=meeting + timedelta(weeks=5))
        handle = await client.start_workflow(ConceptNote.run, inp, id=concept_note_id(s.msp, slug),
                                             task_queue=s.task_queue)
        title = theme(slug).title
        for step in steps:
            if step == "submit":
                await handle.execute_update(ConceptNote.submit_version, SubmitVersion(
                    text=f"Concept note on {title}, based on the Dubrovnik Action Plan.",
                    summary=f"{title}: objectives, strategies and activities up to the {s.msp}.", office=coordinator))
            elif step == "comment":
                await handle.execute_update(ConceptNote.comment, Comment(
                    text="Could the coordinators explain the choice of target countries?", office="ICRC"))
            else:
                await handle.execute_update(ConceptNote.approve_final, Acting(actor="Michael Biontino",
                                                                              office="president"))
    stages = [(slug, (await client.get_workflow_handle(concept_note_id(s.msp, slug)).query(
        ConceptNote.status)).stage) for slug, _, _ in CONCEPT_NOTES]
    click.echo(f"Concept notes ({s.msp}): " + ", ".join(f"{slug} {stage}" for slug, stage in stages))
