"""The demo's 2016, as the minutes of 4 November 2016 tell it, on the dev server through a
`ccm worker`: the meetings of 27 September, 4 November and 7 December, and the concept
notes with New Zealand's and Norway's late."""

from __future__ import annotations

import asyncio
from datetime import date, time
from pathlib import Path

from icalendar import Calendar

from domain.meetings import meeting_id
from runtime.demo import _concept_notes, _meetings
from runtime.temporal import connect
from services.settings import Settings
from workflows.action_item import ActionItem
from workflows.concept_note import ConceptNote
from workflows.meeting import Meeting


def test_the_demo_records_the_committee_of_2016_as_the_minutes_tell_it(worker, ccm_env):
    # An MSP of its own, so that no other test's notes share the ids.
    s = Settings(
        home=Path(ccm_env["CCM_HOME"]),
        temporal_address=ccm_env["CCM_TEMPORAL_ADDRESS"],
        task_queue=ccm_env["CCM_TASK_QUEUE"],
        namespace=ccm_env["CCM_NAMESPACE"],
        msp="77MSP",
    )

    async def go():
        client = await connect(s)
        meetings, notes = await _meetings(client, s), await _concept_notes(client, s)
        status = {
            day: await client.get_workflow_handle(meeting_id(day)).query(Meeting.status)
            for day in (date(2016, 9, 27), date(2016, 11, 4), date(2016, 12, 7))
        }
        note = await client.get_workflow_handle("concept-note-77MSP-national-implementation").query(ConceptNote.status)
        universalization = await client.get_workflow_handle("concept-note-77MSP-universalization").query(
            ConceptNote.status
        )
        items = [
            await client.get_workflow_handle(i).query(ActionItem.status) for i in status[date(2016, 11, 4)].action_items
        ]
        first = items[0]
        # This module's worker stops with it: leave nothing running that other modules' lists would meet.
        async for wf in client.list_workflows(f"TaskQueue = '{s.task_queue}' AND ExecutionStatus = 'Running'"):
            await client.get_workflow_handle(wf.id).terminate("the demo test is over")
        return meetings, notes, status, note, first, items, universalization

    meetings, notes, status, note, first, items, universalization = asyncio.run(go())
    # The comments the minutes record, each by who made it (item 5.2: France, New Zealand, the
    # CMC and the ICRC on universalization).
    assert [c.office for c in universalization.comments] == ["FRA", "NZL", "CMC", "ICRC"]
    september, november, december = status.values()
    assert september.stage == "minutes_approved"
    assert november.stage == "minutes_circulated" and november.next_meeting == date(2016, 12, 7)
    assert november.previous_meeting == date(2016, 9, 27) and len(november.action_items) == 17
    assert {"DEU", "NZL", "ITA", "ICRC", "CMC", "UNODA"} <= set(november.attendance)
    # The agenda as the meeting had it (the minutes' items 2 to 8), not recomposed from today's log.
    titles = [a.title for a in november.agenda]
    assert titles[1] == "Approval of the minutes of 27 September 2016" and len(titles) == 7
    assert titles[3].startswith("Presentation of concept notes") and len(november.agenda[3].details) == 8
    assert first.due == date(2016, 12, 7)  # "by the next meeting"
    # Every follow-up of the minutes, each with its owner; those a command carries out name it.
    letters = next(i for i in items if i.text.startswith("Individual letters"))
    assert letters.fulfilled_by == "escalation:2016" and letters.owner == "president"
    assert first.fulfilled_by == "plan:concept-note-77MSP-victim-assistance"
    assert {i.owner for i in items} >= {"CRI", "NZL", "president", "isu", "member", "coordinator:general-status"}
    assert [i.due for i in items if "UNOG" in i.text and "re-examine" in i.text] == [date(2017, 3, 31)]
    assert december.stage == "held" and december.previous_meeting == date(2016, 11, 4)
    assert (december.schedule.start, december.schedule.end) == (time(10), time(11, 30))
    assert (
        "next meeting Wednesday 7 December 2016, 10:00–11:30 (Geneva time), "
        "Permanent Mission of the Federal Republic of Germany"
    ) in meetings
    event = next(c for c in Calendar.from_ical((s.home / "meeting-cc-2016-12-07.ics").read_bytes()).walk("VEVENT"))
    assert event.decoded("dtstart").date() == date(2016, 12, 7)
    # Late, not "not submitted": New Zealand's and Norway's notes came on the day of the meeting.
    assert note.stage == "circulated" and note.late and note.versions[0].circulated_on == date(2016, 11, 4)
    assert note.plan_due == date(2016, 12, 7)
    assert "clearance-and-rre in comment (late)" in notes and "national-implementation circulated (late)" in notes
    assert "victim-assistance in comment," in notes and "universalization in comment," in notes
    assert "cooperation-and-assistance in comment," in notes and "stockpile-destruction circulated," in notes
    assert "general-status drafting" in notes
