"""`ccm meeting …` and `ccm task …`: Committee meetings and the action items they create."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import click

from cli.client import as_option, connect, connect_polled, read_status, reason_command, run, update
from cli.common import (
    AHEAD,
    DATE,
    MEETING_DAY,
    TextType,
    check_out,
    emit,
    out_options,
    output_option,
    read_input,
    rebuild_reason,
    settings,
    write_out,
)
from domain.clock import geneva_today


class TimeType(click.ParamType):
    name = "HH:MM"

    def convert(self, value, param, ctx):
        if isinstance(value, time):
            return value
        try:
            return time.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a time (HH:MM)", param, ctx)


class OwnerType(click.ParamType):
    """A State (any accepted form) or an office: president, isu, member, coordinator:<theme>."""

    name = "OWNER"

    def convert(self, value, param, ctx):
        from domain.offices import owner_of
        from domain.process import Refusal

        try:
            return owner_of(value)
        except Refusal as e:
            self.fail(str(e), param, ctx)


class MeetingId(str):
    """A meeting's workflow id, and whether the person named it by that id (it then names
    that meeting, cancelled or not) or by its date."""

    by_id = False


class MeetingType(click.ParamType):
    """A meeting by its date (2016-12-07) or its id (meeting-cc-2016-12-07)."""

    name = "MEETING"

    def convert(self, value, param, ctx):
        import re

        from domain.meetings import meeting_id

        if isinstance(value, MeetingId):
            return value
        m = re.fullmatch(r"(meeting-cc-)?(\d{4}-\d{2}-\d{2})(?:-(\d))?", value.strip())
        try:
            found = MeetingId(meeting_id(date.fromisoformat(m[2]), int(m[3] or 1)))
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a meeting (its date YYYY-MM-DD or meeting-cc-YYYY-MM-DD)", param, ctx)
        found.by_id = bool(m[1] or m[3])
        return found


TIME, OWNER, MEETING = TimeType(), OwnerType(), MeetingType()


def allow_holiday_option(f):
    return click.option(
        "--allow-holiday",
        is_flag=True,
        help="set the meeting on a weekend or a Geneva or UN Geneva holiday all the same",
    )(f)


def refuse_closed_day(day, allowed: bool) -> None:
    """A meeting set on a weekend or a holiday (`domain.schedule.closed_day`) is refused,
    before anything is done, unless --allow-holiday says the Committee means it."""
    from cli.data import recorded_additions
    from domain.coverage import coverage
    from domain.schedule import closed_day

    if day is None:
        return
    added = recorded_additions()
    why = closed_day(day, added.holidays)
    if why and not allowed:
        raise click.BadParameter(
            f"{day} is {why}: give --allow-holiday to set the meeting for it all the same", param_hint="--date"
        )
    known = next(c for c in coverage(added) if c.what == "UN Office at Geneva holidays")
    if day > known.until:  # the Eids of that year are not known: said, not guessed
        click.echo(
            f"warning: the UN Office at Geneva's holidays known to ccm end on {known.until}: {day} is not "
            f"checked against that year's Eids (`{known.extend}`)",
            err=True,
        )


def meeting_option(f):
    return click.option("--meeting", type=MEETING, required=True, help="the meeting: its date or id")(f)


def read_participants(path: Path):
    """A participants CSV (`name,email,delegation,role`); a bad row is refused with its line."""
    from domain.schedule import participants_from_csv

    try:
        return participants_from_csv(read_input(path))
    except ValueError as e:
        raise click.ClickException(f"{path}{e}") from None


def _schedule(day, start, end, venue):
    from domain.process import Refusal
    from domain.schedule import Schedule

    try:
        return Schedule.at(day, start, end, venue)
    except Refusal as e:
        raise click.ClickException(str(e)) from None


def _say_meeting(result) -> None:
    f = result.summary
    click.echo(
        f"{result.workflow_id}: {result.stage.replace('_', ' ')}, {f['date']} {f['start']}–{f['end']}, {f['venue']}"
    )


def _meeting_update(meeting: str, name: str, arg) -> None:
    _say_meeting(run(update(current_meeting(meeting), name, arg)))


def _moved_to(day: date) -> str | None:
    """The meeting the event log last moved to `day` and has not moved or cancelled since."""
    from cli.common import open_log

    now_on: dict[str, date | None] = {}
    for ev in open_log().query(event_type="meeting.*"):
        if ev.event_type == "meeting.rescheduled":
            now_on[ev.workflow_id] = date.fromisoformat(str(ev.payload["date"]))
        elif ev.event_type == "meeting.cancelled":
            now_on[ev.workflow_id] = None
    on_the_day = [wid for wid, d in now_on.items() if d == day]
    return on_the_day[-1] if on_the_day else None


def current_meeting(meeting: str) -> str:
    """The workflow id of a meeting named by its id or a date. An id names that meeting,
    cancelled or not. A meeting keeps the id of the date it was first scheduled for
    (`meeting-cc-2027-01-06`), so a date names the meeting now on that day (moved there or
    not, not cancelled), and otherwise the last one first scheduled that day: after a
    cancelled `meeting-cc-2016-12-07` comes `…-2`."""
    if getattr(meeting, "by_id", False):
        return meeting
    day = date.fromisoformat(meeting[-10:])

    async def find():
        from temporalio.service import RPCError

        from domain.schedule import local_to_utc

        client = await connect()
        start, end = (local_to_utc(d, time(0)).strftime("%Y-%m-%dT%H:%M:%SZ") for d in (day, day + timedelta(days=1)))
        query = f"WorkflowType = 'Meeting' AND CcmDue >= '{start}' AND CcmDue < '{end}' AND CcmStage != 'cancelled'"
        on_the_day = [wf async for wf in client.list_workflows(query)]
        if on_the_day:
            return max(on_the_day, key=lambda wf: wf.start_time).id
        moved = _moved_to(day)  # the server's list may lag a reschedule: the log does not
        if moved is not None:
            return moved
        chosen = meeting
        for number in range(2, 10):
            try:
                await client.get_workflow_handle(f"{meeting}-{number}").describe()
            except RPCError:
                return chosen
            chosen = f"{meeting}-{number}"
        return chosen

    return run(find())


@click.group()
def meeting():
    """Coordination Committee meetings: invitations, agenda, attendance, minutes."""


@meeting.command("schedule")
@click.option(
    "--date",
    "day",
    type=MEETING_DAY,
    required=True,
    help=f"date of the meeting ({MEETING_DAY.window()}; a past one is recorded as held)",
)
@click.option("--start", type=TIME, default="10:00", show_default=True, help="start, Geneva time")
@click.option("--end", type=TIME, default="11:30", show_default=True, help="end, Geneva time")
@click.option(
    "--venue", type=TextType(300, lines=False), required=True, help="where (a Permanent Mission, a room), one line"
)
@click.option(
    "--participants",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV name,email,delegation,role (default $CCM_HOME/participants.csv)",
)
@click.option("--previous", type=DATE, help="the previous meeting, whose minutes this one approves")
@click.option(
    "--cutoff-days",
    type=click.IntRange(0, 20),
    default=3,
    show_default=True,
    help="members propose items until this many working days before",
)
@as_option("isu")
@allow_holiday_option
def meeting_schedule(day, start, end, venue, participants, previous, cutoff_days, allow_holiday, acting):
    """Schedule a meeting: invitations with an iCalendar file go to the participants. A
    meeting already past is recorded as held, without invitations."""
    refuse_closed_day(day, allow_holiday)

    from domain.meetings import MeetingInput, meeting_id, meeting_summary
    from domain.schedule import geneva_time
    from workflows.meeting import Meeting

    s = settings()
    path = participants or (s.home / "participants.csv")
    people = read_participants(path) if path.exists() else []
    inp = MeetingInput.plan(
        _schedule(day, start, end, venue),
        cutoff_days,
        participants=people,
        previous_meeting=previous,
        organizer_email=s.mail_from,
    )

    async def go():
        from temporalio.exceptions import WorkflowAlreadyStartedError

        from domain.meetings import MeetingStatus
        from services.commands import start

        client = await connect_polled()
        summary, details = meeting_summary(inp)
        for number in range(1, 10):  # a day whose meeting was cancelled can have another
            try:
                return await start(
                    client,
                    Meeting.run,
                    inp,
                    meeting_id(day, number),
                    s.task_queue,
                    acting,
                    static_summary=summary,
                    static_details=details,
                )
            except WorkflowAlreadyStartedError as e:
                try:
                    earlier = await read_status(e.workflow_id, MeetingStatus, client)
                except click.ClickException:  # terminated: as good as cancelled
                    continue
                if earlier.stage != "cancelled" and earlier.schedule.date == day:  # not moved away
                    stage = earlier.stage.replace("_", " ")
                    raise click.ClickException(
                        f"{e.workflow_id} is already scheduled ({stage}): reschedule or cancel it"
                    ) from None
        raise click.ClickException(f"too many meetings on {day}")

    handle = run(go())
    said = f"scheduled {handle.id} ({len(people)} participants); proposals close {geneva_time(inp.proposals_close_at)}"
    if day >= geneva_today():  # the universalization campaigns report at it
        from domain.campaigns import NoteMeeting
        from services.campaigns import tell_campaigns

        async def tell():
            return await tell_campaigns(await connect(), "note_meeting", NoteMeeting(day=day, office="isu"))

        if told := run(tell()):
            said += f"; {len(told)} campaign(s) will remind their coordinators"
    click.echo(said)


@meeting.command("reschedule")
@meeting_option
@click.option("--date", "day", type=MEETING_DAY, help=f"new date ({MEETING_DAY.window()})")
@click.option("--start", type=TIME, help="new start, Geneva time")
@click.option("--end", type=TIME, help="new end, Geneva time")
@click.option("--venue", type=TextType(300, lines=False), help="new venue, one line")
@click.option(
    "--cutoff-days",
    type=click.IntRange(0, 20),
    help="working days before the meeting when proposals close (default 3 when the date moves)",
)
@as_option("isu")
@allow_holiday_option
def meeting_reschedule(meeting, day, start, end, venue, cutoff_days, allow_holiday, acting):
    """Move a meeting (same workflow id): participants get an update of the same event.
    Only what is given changes; the rest stays as it is."""
    from domain.meetings import MeetingStatus, Reschedule, proposals_close_at

    refuse_closed_day(day, allow_holiday)
    if day is None and start is None and end is None and venue is None and cutoff_days is None:
        raise click.UsageError("say what changes: --date, --start, --end, --venue or --cutoff-days")
    workflow_id = current_meeting(meeting)
    now = run(read_status(workflow_id, MeetingStatus))
    s = now.schedule
    new_day = day or s.date
    close_at = (
        now.proposals_close_at
        if day is None and cutoff_days is None
        else proposals_close_at(new_day, 3 if cutoff_days is None else cutoff_days)
    )
    schedule = _schedule(new_day, start or s.start, end or s.end, s.venue if venue is None else venue)
    _say_meeting(
        run(
            update(
                workflow_id,
                "reschedule",
                Reschedule(schedule=schedule, proposals_close_at=close_at, **acting.model_dump()),
            )
        )
    )


reason_command(
    meeting,
    "cancel",
    "cancel",
    "domain.meetings.CancelMeeting",
    meeting_option,
    current_meeting,
    _say_meeting,
    "Cancel a meeting: participants get a cancellation of the event.",
    default_office="isu",
)


@meeting.command("propose-item")
@meeting_option
@click.option("--title", required=True, help="the agenda item")
@as_option()
def meeting_propose_item(meeting, title, acting):
    """Propose an agenda item (until the cut-off, when the agenda goes out)."""
    from domain.meetings import ProposeItem
    from domain.offices import office_in_words
    from domain.states import UnknownState, registry

    try:
        name = registry().get(acting.office).name if len(acting.office) == 3 else ""
    except UnknownState:
        name = ""
    _meeting_update(
        meeting,
        "propose_item",
        ProposeItem(title=title, proposer=office_in_words(acting.office, name), **acting.model_dump()),
    )


@meeting.command("attendance")
@meeting_option
@click.option("--present", required=True, help="delegations present, comma-separated (DEU,NZL,ICRC)")
@as_option("isu")
def meeting_attendance(meeting, present, acting):
    """Record who attended (once the meeting has started)."""
    from domain.meetings import RecordAttendance

    names = [p.strip() for p in present.split(",") if p.strip()]
    _meeting_update(meeting, "record_attendance", RecordAttendance(present=names, **acting.model_dump()))


@meeting.command("agenda-adopted")
@meeting_option
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="the agenda as adopted: one item per line; a line indented by spaces is a sub-item of the one above it",
)
@as_option("isu")
def meeting_agenda_adopted(meeting, path, acting):
    """Record the agenda as the meeting adopted it (once it has started; once: a different
    one after it is refused). `meeting agenda` prints it from then on, under "Agenda as
    adopted", never recomposed from a later state of the log. Items may be numbered in
    the file ("1. Opening"): the agenda numbers them."""
    import re

    from domain.meetings import AgendaItem, RecordAgenda

    items: list[AgendaItem] = []
    for n, line in enumerate(read_input(path).splitlines(), start=1):
        if not line.strip():
            continue
        if line[:1].isspace():
            if not items:
                raise click.BadParameter(f"line {n}: a sub-item needs an item above it", param_hint="--file")
            items[-1].details.append(line.strip())
        else:  # "1. Opening" or "1) Opening": the number is the agenda's own, not part of the title
            items.append(AgendaItem(title=re.sub(r"^\d{1,2}[.)]\s+", "", line.strip()) or line.strip()))
    if not items:
        raise click.BadParameter(f"{path} holds no agenda item", param_hint="--file")
    _meeting_update(meeting, "record_agenda", RecordAgenda(items=items, **acting.model_dump()))


@meeting.command("set-next")
@meeting_option
@click.option(
    "--date", "day", type=MEETING_DAY, required=True, help=f"date of the next meeting ({MEETING_DAY.window()})"
)
@as_option("isu")
@allow_holiday_option
def meeting_set_next(meeting, day, allow_holiday, acting):
    """Record the date of the next meeting (the default due date of action items)."""
    from domain.meetings import SetNextMeeting

    refuse_closed_day(day, allow_holiday)
    _meeting_update(meeting, "set_next_meeting", SetNextMeeting(date=day, **acting.model_dump()))


@meeting.group("minutes")
def minutes():
    """Minutes: circulated after the meeting, approved at a later one."""


@minutes.command("circulate")
@meeting_option
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="the draft minutes (text or Markdown)",
)
@as_option("isu")
def minutes_circulate(meeting, path, acting):
    """Circulate the draft minutes to the participants."""
    from cli.audit import text_or_document
    from domain.meetings import CirculateMinutes

    _meeting_update(
        meeting, "circulate_minutes", CirculateMinutes(**text_or_document(path, acting), **acting.model_dump())
    )


@minutes.command("approve")
@meeting_option
@click.option("--at-meeting", type=DATE, required=True, help="the later meeting of the Committee that approved them")
@click.option("--as-a-correct-record", "correct", is_flag=True, help="approved as a correct record")
@click.option(
    "--with-corrections",
    "corrections",
    type=TextType(10_000),
    help="approved with these corrections (recorded with the approval)",
)
@as_option("president")
def minutes_approve(meeting, at_meeting, correct, corrections, acting):
    """Record the Committee's approval of the minutes at a later meeting, as a correct
    record or with corrections (the Presidency records it); the meeting's workflow then ends."""
    from domain.meetings import ApproveMinutes

    if correct == bool(corrections):
        raise click.UsageError("say how the Committee approved them: --as-a-correct-record or --with-corrections TEXT")
    _meeting_update(
        meeting,
        "approve_minutes",
        ApproveMinutes(
            **acting.model_dump(),
            at_meeting=at_meeting,
            approved_as="correct_record" if correct else "with_corrections",
            corrections=corrections,
        ),
    )


async def _meeting_status(meeting: str):
    from domain.meetings import MeetingStatus

    return await read_status(meeting, MeetingStatus)


def meeting_status_of(meeting: str):
    return run(_meeting_status(current_meeting(meeting)))


@meeting.command("rebuild")
@meeting_option
@rebuild_reason
@as_option("isu")
def meeting_rebuild(meeting, reason, acting):
    """Start a meeting again from the event log, the system of record: for a run that can no
    longer run (its history does not replay; `ccm doctor` lists it). The run is terminated,
    and the next generation carries on from what the log says (the schedule, proposals, the
    agenda sent, attendance, action items, the minutes circulated): nothing is sent again.
    The worker folds the log and refuses where the rows cannot be reproduced."""
    from cli.client import rebuild
    from cli.common import open_log
    from domain.meetings import MeetingInput, MeetingStatus
    from workflows.meeting import Meeting

    def stands(status: MeetingStatus) -> str:
        return f"{status.stage.replace('_', ' ')}, on {status.schedule.date.isoformat()}"

    rebuild(open_log(), current_meeting(meeting), Meeting.run, MeetingInput, MeetingStatus, reason, acting, stands)


@meeting.command("status")
@meeting_option
@output_option("table", "json")
def meeting_status(meeting, output):
    """Stage, schedule, its number within the Presidency, proposals, attendance, minutes
    and action items of a meeting."""
    from activities.records import meeting_number
    from cli.common import open_log
    from domain.schedule import geneva_time

    status = meeting_status_of(meeting)
    numbered = meeting_number(open_log(), status.schedule.date)
    if output == "json":
        emit(status.model_dump(mode="json") | {"numbered": numbered}, "json")
        return
    s = status.schedule
    rows = [
        ("stage", status.stage),
        ("when", f"{s.date} {s.start:%H:%M}–{s.end:%H:%M} Geneva"),
        ("number", numbered or "(no Presidency with --presidency-of is registered for the day)"),
        ("venue", s.venue),
        ("invitation sequence", status.sequence),
        ("proposals close", geneva_time(status.proposals_close_at)),
        ("proposals", "; ".join(p.title for p in status.proposals)),
        ("attendance", ", ".join(status.attendance)),
        ("minutes", "circulated" if status.minutes or status.minutes_document else "none"),
        ("next meeting", status.next_meeting),
        ("action items", ", ".join(status.action_items)),
    ]
    emit([{"field": k, "value": v} for k, v in rows], "table")


@meeting.command("agenda")
@meeting_option
def meeting_agenda(meeting):
    """Print the agenda: as adopted at the meeting, as circulated, or the draft as it
    would be composed now."""
    from activities.records import meeting_number
    from cli.common import open_log
    from domain.meetings import agenda_text, compose_agenda

    status = meeting_status_of(meeting)
    agenda = status.agenda
    numbered = meeting_number(open_log(), status.schedule.date)
    if not agenda:
        from activities.records import agenda_facts
        from domain.contract import AgendaFactsRequest

        facts = agenda_facts(
            open_log(), AgendaFactsRequest(previous_meeting=status.previous_meeting, meeting=status.schedule.date)
        )
        proposed = [(p.title, p.proposer or p.office or "a member") for p in status.proposals]
        agenda = compose_agenda(
            status.schedule.date,
            status.standing_items,
            proposed,
            facts.minutes_pending,
            facts.open_actions,
            facts.notes_to_present,
        )
        click.echo("(draft: the agenda goes out when proposals close)", err=True)
    click.echo(
        agenda_text(status.schedule.date, status.schedule.venue, agenda, numbered, status.agenda_adopted), nl=False
    )


@meeting.command("ics")
@meeting_option
@click.option(
    "--stored",
    is_flag=True,
    help="as a calendar server (CalDAV) keeps it: without METHOD (RFC 4791), for a PUT to the server",
)
@out_options("file to write (default MEETING.ics)")
def meeting_ics_command(meeting, stored, out, force):
    """Write the meeting's current iCalendar file: the event as last sent by e-mail (with
    METHOD REQUEST or CANCEL), or with --stored as a calendar server keeps it. A meeting is
    named by its id or by the date it is on now, moved or not."""
    from activities.calendar import meeting_ics
    from domain.meetings import SUMMARY

    wid = current_meeting(meeting)
    out = out or Path(f"{wid}.ics")
    check_out(out, force)
    status = run(_meeting_status(wid))
    method = "CANCEL" if status.stage == "cancelled" else "REQUEST"
    data = meeting_ics(
        wid, status.schedule, SUMMARY, settings().mail_from, status.participants, status.sequence, method, stored=stored
    )
    write_out(out, data)
    said = "no METHOD, stored form" if stored else f"METHOD {method}"
    click.echo(f"wrote {out} (SEQUENCE {status.sequence}, {said})")


# --- action items ----------------------------------------------------------------------------
TASK_COLUMNS = ["id", "owner", "text", "due", "stage", "source"]


@click.group()
def task():
    """Action items: owner, due date, reminders 7 days and 1 day before, overdue on the agenda."""


async def meeting_dates(client, after: date, open_only: bool = False) -> list[date]:
    """Dates (in Geneva) of running meetings after `after`, earliest first. A meeting's date
    is read from its CcmDue attribute, which follows a reschedule; its id does not."""
    from domain.schedule import GENEVA
    from workflows.common import CCM_DUE

    query = "WorkflowType = 'Meeting' AND ExecutionStatus = 'Running'"
    if open_only:
        query += " AND CcmStage IN ('scheduled', 'agenda_circulated')"
    dates = set()
    async for wf in client.list_workflows(query):
        starts = wf.typed_search_attributes.get(CCM_DUE)
        if starts is not None and starts.astimezone(GENEVA).date() > after:
            dates.add(starts.astimezone(GENEVA).date())
    return sorted(dates)


def _fulfilment(value: str | None) -> str | None:
    import re

    from domain.action_items import FULFILLED_BY

    if value is not None and not re.fullmatch(FULFILLED_BY, value):
        raise click.BadParameter(
            f"{value[:80]!r} names no command: escalation:YEAR or plan:concept-note-7MSP-THEME",
            param_hint="--fulfilled-by",
        )
    return value


@task.command("add")
@click.option("--owner", type=OWNER, required=True, help="a State or an office (president, isu, coordinator:<theme>)")
@click.option("--text", type=TextType(2_000), required=True, help="what is to be done (at most 2,000 characters)")
@click.option("--due", type=AHEAD, help=f"due date ({AHEAD.window()})")
@click.option("--next-meeting", is_flag=True, help="due at the next scheduled meeting")
@click.option("--meeting", type=MEETING, help="the meeting that decided it (its action items are numbered)")
@click.option(
    "--fulfilled-by",
    callback=lambda ctx, param, value: _fulfilment(value),
    help="the command whose run closes it: escalation:YEAR (`ccm chase escalate --year YEAR --all-unpaid`) "
    "or plan:NOTE_ID (`ccm plan approve` of that note)",
)
@as_option("isu")
def task_add(owner, text, due, next_meeting, meeting, fulfilled_by, acting):
    """Add an action item; it is tracked by its own workflow."""
    from temporalio.exceptions import WorkflowAlreadyStartedError

    from domain.action_items import ActionItemInput, action_id, action_summary
    from domain.meetings import AddActionItem
    from services.commands import start
    from workflows.action_item import ActionItem

    if due and next_meeting:
        raise click.UsageError("give --due or --next-meeting, not both")
    if not (due or next_meeting or meeting):
        raise click.UsageError("give --due, --next-meeting or --meeting")
    s = settings()

    async def go():
        client = await connect_polled()
        when = due
        if next_meeting:
            upcoming = await meeting_dates(client, geneva_today(), open_only=True)
            when = upcoming[0] if upcoming else None
            if when is None:
                raise click.ClickException("no meeting is scheduled: give --due, or schedule the next meeting")
        from cli.coordinators import coordinators_of

        held = coordinators_of(owner, when or geneva_today())
        if meeting:  # numbered among the meeting's items; due defaults to its next meeting
            cmd = AddActionItem(
                owner=owner, text=text, due=when, fulfilled_by=fulfilled_by, coordinators=held, **acting.model_dump()
            )
            return (await update(meeting, "add_action_item", cmd, client)).summary["action_item"]
        source = f"task-{geneva_today():%Y%m%d}"
        for number in range(1, 1000):
            try:
                inp = ActionItemInput(
                    owner=owner,
                    text=text,
                    due=when,
                    source=source,
                    number=number,
                    fulfilled_by=fulfilled_by,
                    coordinators=held,
                )
                summary, details = action_summary(inp)
                handle = await start(
                    client,
                    ActionItem.run,
                    inp,
                    action_id(source, number),
                    s.task_queue,
                    acting,
                    static_summary=summary,
                    static_details=details,
                )
                return handle.id
            except WorkflowAlreadyStartedError:
                continue
        raise click.ClickException(f"too many action items for {source}")

    click.echo(f"added {run(go())}")


@task.command("list")
@click.option("--owner", type=OWNER, help="only this owner's items")
@click.option("--overdue", is_flag=True, help="only overdue items")
@click.option("--all", "everything", is_flag=True, help="done and cancelled items too")
@output_option()
def task_list(owner, overdue, everything, output):
    """List action items (a visibility query on CcmOwner, CcmStage, CcmDue)."""

    clauses = ["WorkflowType = 'ActionItem'"]
    if not everything:
        clauses.append("ExecutionStatus = 'Running'")
    if owner:
        clauses.append(f"CcmOwner = '{owner}'")
    if overdue:
        clauses.append("CcmStage = 'overdue'")

    async def go():
        from temporalio.service import RPCError

        from cli.client import no_worker
        from domain.action_items import ActionItemStatus

        client = await connect()
        rows, unanswered = [], []
        # An item that continued as new is listed once per run: its latest run answers.
        listed = {wf.id: wf async for wf in client.list_workflows(" AND ".join(clauses))}
        for wid in sorted(listed):
            try:
                status = await read_status(wid, ActionItemStatus, client)
            except click.ClickException:  # terminated: it has no status to show
                continue
            except RPCError as e:
                if not no_worker(e):
                    raise
                rows.append(_listed_row(listed[wid]))  # no worker answers its queue: what visibility knows
                unanswered.append(wid)
                continue
            rows.append(
                {
                    "id": status.workflow_id,
                    "owner": status.owner,
                    "text": status.text,
                    "due": status.due.isoformat(),
                    "stage": status.stage,
                    "source": status.source,
                }
            )
        if unanswered:
            click.echo(
                f"note: no worker answered for {len(unanswered)} items ({', '.join(unanswered[:3])}"
                f"{', …' if len(unanswered) > 3 else ''}): shown as visibility last saw them",
                err=True,
            )
        return sorted(rows, key=lambda r: (r["due"], r["id"]))

    emit(run(go()), output, TASK_COLUMNS, title="Action items")


def _listed_row(wf) -> dict:
    """An action item as its search attributes show it, when no worker can answer for it."""
    from domain.schedule import GENEVA
    from workflows.common import CCM_DUE, CCM_OWNER, CCM_STAGE

    attrs = wf.typed_search_attributes
    due = attrs.get(CCM_DUE)
    return {
        "id": wf.id,
        "owner": attrs.get(CCM_OWNER) or "",
        "text": "(no worker answered)",
        "due": due.astimezone(GENEVA).date().isoformat() if due else "",
        "stage": attrs.get(CCM_STAGE) or "",
        "source": "",
    }


def _say_task(result) -> None:
    click.echo(f"{result.workflow_id}: {result.stage}, {result.summary['owner']}, due {result.summary['due']}")


def _task_update(task_id: str, name: str, arg) -> None:
    _say_task(run(update(task_id, name, arg)))


@task.command("done")
@click.argument("task_id")
@click.option("--note", default="", help="what was done")
@as_option()
def task_done(task_id, note, acting):
    """Mark an action item done."""
    from domain.action_items import Complete

    _task_update(task_id, "complete", Complete(note=note, **acting.model_dump()))


@task.command("extend")
@click.argument("task_id")
@click.option("--due", type=AHEAD, required=True, help=f"the new due date ({AHEAD.window()})")
@click.option("--reason", required=True, help="why")
@as_option("isu")
def task_extend(task_id, due, reason, acting):
    """Give an action item a later due date (its reminders follow)."""
    from domain.action_items import Extend

    _task_update(task_id, "extend", Extend(new_due=due, reason=reason, **acting.model_dump()))


@task.command("reassign")
@click.argument("task_id")
@click.option("--owner", type=OWNER, required=True, help="the new owner")
@as_option("isu")
def task_reassign(task_id, owner, acting):
    """Give an action item to another State or office."""
    from domain.action_items import Reassign

    _task_update(task_id, "reassign", Reassign(owner=owner, **acting.model_dump()))


@task.command("rebuild")
@click.argument("task_id")
@rebuild_reason
@as_option("isu")
def task_rebuild(task_id, reason, acting):
    """Start an action item again from the event log, the system of record: for a run that
    can no longer run (its history does not replay; `ccm doctor` lists it). The run is
    terminated, and the next generation carries on from what the log says (reminders sent,
    a new due date, a new owner): nothing is sent again."""
    from cli.client import rebuild
    from cli.common import open_log
    from domain.action_items import ActionItemInput, ActionItemStatus
    from workflows.action_item import ActionItem

    rebuild(open_log(), task_id, ActionItem.run, ActionItemInput, ActionItemStatus, reason, acting)


reason_command(
    task,
    "cancel",
    "cancel",
    "domain.action_items.CancelAction",
    click.argument("task_id"),
    lambda task_id: task_id,
    _say_task,
    "Cancel an action item.",
    default_office="isu",
)
