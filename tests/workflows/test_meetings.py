"""Meetings and action items on the time-skipping server, with the real activities.
The server's clock starts now and only moves forward: meeting dates are relative."""

from __future__ import annotations

import asyncio
import email
import email.policy
import uuid
from datetime import date, datetime, time, timedelta, timezone

import pytest
from icalendar import Calendar
from temporalio.client import WorkflowUpdateFailedError

from domain.action_items import ActionItemInput, Complete, Reassign
from domain.meetings import (
    AddActionItem,
    ApproveMinutes,
    CancelMeeting,
    CirculateMinutes,
    MeetingInput,
    Participant,
    ProposeItem,
    RecordAttendance,
    Reschedule,
    Schedule,
    SetNextMeeting,
    proposals_close_at,
)
from tests.conftest import act, sleep_until
from workflows.action_item import ActionItem
from workflows.meeting import Meeting

PARTICIPANTS = [
    Participant(name="Toralf Pilz", email="pilz@germany.example", delegation="DEU", role="presidency"),
    Participant(name="Katy Donnelly", email="donnelly@nz.example", delegation="NZL"),
    Participant(name="Louis Maresca", email="maresca@icrc.example", delegation="ICRC", role="observer"),
]
VENUE = "Permanent Mission of the Federal Republic of Germany"


async def today(env) -> date:
    return (await env.get_current_time()).date()


def next_wednesday(after: date, weeks: int = 0) -> date:
    day = after + timedelta(days=1)
    while day.weekday() != 2:
        day += timedelta(days=1)
    return day + timedelta(weeks=weeks)


async def schedule(env, task_queue, day: date, previous: date | None = None):
    s = Schedule.at(day, time(10), time(11, 30), VENUE)
    inp = MeetingInput.plan(s, participants=PARTICIPANTS, previous_meeting=previous)
    wid = f"meeting-cc-{day.isoformat()}"
    return await env.client.start_workflow(Meeting.run, inp, id=wid, task_queue=task_queue)


def outbox(home) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted((home / "outbox" / "new").iterdir())
    ]


def calendar_of(message) -> Calendar:
    part = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
    return Calendar.from_ical(part.get_content())


async def test_a_meeting_is_held_its_actions_tracked_and_its_minutes_approved_at_the_next_meeting(
    time_skipping_env, task_queue, worker, home, log
):
    env = time_skipping_env
    first = next_wednesday(await today(env), weeks=1)
    second = first + timedelta(weeks=5)
    m1 = await schedule(env, task_queue, first)
    await m1.execute_update(Meeting.propose_item, ProposeItem(title="Country Coalitions non-paper", office="DEU"))

    await sleep_until(env, proposals_close_at(first, 3) + timedelta(minutes=1))
    status = await m1.query(Meeting.status)
    assert status.stage == "agenda_circulated"
    assert [a.title for a in status.agenda] == [
        "Opening remarks by the President",
        "Adoption of the agenda",
        "Updates from the Presidency",
        "Implementation of the ISU-CCM financial decision",
        "Update from the ISU-CCM",
        "Country Coalitions non-paper",
        "Date of the next meeting",
    ]
    with pytest.raises(WorkflowUpdateFailedError, match="Workflow update failed") as err:
        await m1.execute_update(Meeting.propose_item, ProposeItem(title="Too late", office="NZL"))
    assert "proposals closed" in str(err.value.cause)

    await sleep_until(env, Schedule.at(first, time(10), time(11, 30), VENUE).ends_at + timedelta(minutes=5))
    assert (await m1.query(Meeting.status)).stage == "held"
    await m1.execute_update(Meeting.record_attendance, RecordAttendance(present=["DEU", "NZL", "ICRC"], office="isu"))
    await m1.execute_update(Meeting.set_next_meeting, SetNextMeeting(date=second, office="isu"))
    plans = await m1.execute_update(
        Meeting.add_action_item,
        AddActionItem(
            owner="coordinator:victim-assistance", text="Turn the concept note into an operational plan", office="isu"
        ),
    )
    letters = await m1.execute_update(
        Meeting.add_action_item,
        AddActionItem(
            owner="president",
            text="Individual letters to States Parties that have not paid",
            due=first + timedelta(days=14),
            office="president",
        ),
    )
    plans, letters = plans.summary["action_item"], letters.summary["action_item"]
    assert plans == f"action-meeting-cc-{first.isoformat()}-1" and letters.endswith("-2")
    await m1.execute_update(Meeting.circulate_minutes, CirculateMinutes(text="Minutes of the meeting …", office="isu"))

    m2 = await schedule(env, task_queue, second, previous=first)
    await sleep_until(env, proposals_close_at(second, 3) + timedelta(minutes=1))
    agenda = (await m2.query(Meeting.status)).agenda
    assert agenda[2].title == f"Approval of the minutes of {first:%-d %B %Y}"
    assert agenda[3].title == "Follow-up of action items"
    letters_due = first + timedelta(days=14)
    assert agenda[3].details == [
        f"president: Individual letters to States Parties that have not paid (due {letters_due}, overdue)",
        f"coordinator:victim-assistance: Turn the concept note into an operational plan (due {second})",
    ]

    with pytest.raises(WorkflowUpdateFailedError) as err:
        await m1.execute_update(
            Meeting.approve_minutes,
            ApproveMinutes(actor="Aline Berdoz", office="coordinator:general-status", at_meeting=second),
        )
    assert "only the Presidency may approve minutes" in str(err.value.cause)
    await sleep_until(env, Schedule.at(second, time(10), time(11, 30), VENUE).starts_at + timedelta(minutes=30))
    await m1.execute_update(
        Meeting.approve_minutes, ApproveMinutes(actor="Michael Biontino", office="president", at_meeting=second)
    )
    assert (await m1.result()).stage == "minutes_approved"

    plan_item = env.client.get_workflow_handle(plans)
    item = await plan_item.query(ActionItem.status)
    assert item.stage == "open"  # it outlived the meeting that created it
    assert item.reminders_sent == [second - timedelta(days=7), second - timedelta(days=1)]

    types = [e.event_type for e in log.query(workflow_id=m1.id)]
    assert types == [
        "meeting.scheduled",
        "meeting.item_proposed",
        "meeting.agenda_circulated",
        "meeting.held",
        "meeting.attendance_recorded",
        "meeting.next_meeting_set",
        "meeting.action_item_added",
        "meeting.action_item_added",
        "meeting.minutes_circulated",
        "meeting.minutes_approved",
    ]
    invitation = next(m for m in outbox(home) if m["Subject"].startswith("Invitation"))
    assert invitation["To"] == "pilz@germany.example, donnelly@nz.example, maresca@icrc.example"
    await m2.execute_update(Meeting.record_attendance, RecordAttendance(present=["DEU"], office="isu"))


async def test_a_reschedule_sends_an_update_of_the_same_event_and_cancel_a_cancellation(
    time_skipping_env, task_queue, worker, home
):
    env = time_skipping_env
    day = next_wednesday(await today(env), weeks=2)
    m = await schedule(env, task_queue, day)
    moved = Schedule.at(day + timedelta(days=1), time(15), time(16, 30), "Palais des Nations, Room XII")
    status = await act(
        m,
        Meeting.reschedule,
        Reschedule(schedule=moved, proposals_close_at=proposals_close_at(moved.date, 3), office="isu"),
    )
    assert status.sequence == 1 and status.schedule.venue == "Palais des Nations, Room XII"
    await m.execute_update(Meeting.cancel, CancelMeeting(reason="the Presidency cannot attend", office="president"))
    assert (await m.result()).stage == "cancelled"

    by_subject = {m["Subject"].split(":")[0]: m for m in outbox(home)}
    original, update, cancel = (calendar_of(by_subject[s]) for s in ("Invitation", "Updated", "Cancelled"))
    first_event, moved_event, cancelled_event = (next(iter(c.walk("VEVENT"))) for c in (original, update, cancel))
    assert (
        str(first_event["UID"])
        == str(moved_event["UID"])
        == str(cancelled_event["UID"])
        == (f"meeting-cc-{day.isoformat()}@ccm.clusterconvention.org")
    )
    assert (first_event["SEQUENCE"], moved_event["SEQUENCE"], cancelled_event["SEQUENCE"]) == (0, 1, 2)
    assert str(original["METHOD"]) == "REQUEST" and str(cancel["METHOD"]) == "CANCEL"
    zone = first_event.decoded("DTSTART").tzinfo
    assert moved_event.decoded("DTSTART") == datetime.combine(moved.date, time(15), zone)
    assert moved_event.decoded("DTSTART").astimezone(timezone.utc) == moved.starts_at
    attendees = [str(a) for a in first_event.get("ATTENDEE")]
    assert "mailto:donnelly@nz.example" in attendees
    assert first_event.get("ATTENDEE")[0].params["RSVP"] == "TRUE"
    assert any(c.name == "VALARM" for c in first_event.subcomponents)
    assert any(c.name == "VTIMEZONE" for c in original.subcomponents)


async def test_an_overdue_action_item_says_so_and_rolls_onto_the_next_agenda(
    time_skipping_env, task_queue, worker, log
):
    env = time_skipping_env
    start = await today(env)
    source = f"test-{uuid.uuid4().hex[:6]}"
    inp = ActionItemInput(
        owner="NOR", text="Feedback on the Lebanon workshop", due=start + timedelta(days=10), source=source, number=1
    )
    item = await env.client.start_workflow(ActionItem.run, inp, id=f"action-{source}-1", task_queue=task_queue)
    await sleep_until(env, datetime.combine(start + timedelta(days=12), time(12), timezone.utc))
    status = await item.query(ActionItem.status)
    assert status.stage == "overdue"
    meeting_day = next_wednesday(start + timedelta(days=12), weeks=1)
    m = await schedule(env, task_queue, meeting_day)
    await sleep_until(env, proposals_close_at(meeting_day, 3) + timedelta(minutes=1))
    follow_up = next(a for a in (await m.query(Meeting.status)).agenda if a.title == "Follow-up of action items")
    assert f"NOR: Feedback on the Lebanon workshop (due {start + timedelta(days=10)}, overdue)" in follow_up.details

    done = await act(item, ActionItem.complete, ActionItem_complete())
    assert done.stage == "done"
    assert [e.event_type for e in log.query(workflow_id=item.id)] == [
        "action.created",
        "action.reminder_sent",
        "action.reminder_sent",
        "action.overdue",
        "action.completed",
    ]
    await m.execute_update(Meeting.cancel, CancelMeeting(reason="test over", office="isu"))


def ActionItem_complete():
    return Complete(note="report circulated", actor="Malgorzata Hauge", office="NOR")


async def test_a_long_lived_item_continues_as_new_and_keeps_its_state(time_skipping_env, worker, task_queue, log):
    """Past its bound of history events the run hands the aggregate to a new run: the
    status, the reminders still to come and the event log carry on as if nothing happened."""
    env = time_skipping_env
    due = await today(env) + timedelta(days=30)
    inp = ActionItemInput(owner="ITA", text="Operational plan", due=due, source="test", number=1, continue_after=60)
    item = await env.client.start_workflow(
        ActionItem.run, inp, id=f"action-test-{uuid.uuid4().hex[:6]}", task_queue=task_queue
    )
    first_run = (await item.describe()).run_id
    owners = ["CHL", "ITA"] * 8
    for owner in owners:
        await item.execute_update(ActionItem.reassign, Reassign(owner=owner, office="isu"))
    status = await item.query(ActionItem.status)
    assert (await item.describe()).run_id != first_run
    assert status.owner == "ITA" and status.stage == "open"
    assert sum(1 for h in status.history if h.endswith("reassigned")) == len(owners)
    keys = [e.idempotency_key.rsplit("/", 1)[-1] for e in log.query(workflow_id=item.id)]
    assert keys == ["created"] + [f"reassigned-{n}" for n in range(1, len(owners) + 1)]
    await item.execute_update(ActionItem.complete, Complete(note="done", office="ITA"))
    assert (await item.result()).stage == "done"


async def test_an_input_no_workflow_could_process_fails_at_once_instead_of_retrying(
    time_skipping_env, worker, task_queue
):
    """Through the plain `temporal` CLI or a client, an e-mail address with a line break
    fails the workflow with a message a person can act on, never a task retried forever."""
    from temporalio.client import WorkflowFailureError

    env = time_skipping_env
    day = await today(env) + timedelta(days=20)
    good = MeetingInput.plan(Schedule.at(day, time(10), time(11, 30), VENUE)).model_dump(mode="json")
    bad = good | {"participants": [{"name": "Toralf Pilz", "email": "pilz@example.org\r\nBcc: all@example.org"}]}
    handle = await env.client.start_workflow(
        "Meeting", bad, id=f"meeting-cc-bad-{uuid.uuid4().hex[:6]}", task_queue=task_queue
    )
    with pytest.raises(WorkflowFailureError) as err:
        await asyncio.wait_for(handle.result(), 30)
    assert "line break" in str(err.value.cause)
