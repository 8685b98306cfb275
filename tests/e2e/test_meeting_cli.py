"""`ccm meeting` and `ccm task` end to end on the real dev server and a `ccm worker`."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

from icalendar import Calendar

from domain.schedule import geneva_today
from tests.conftest import open_day, wait_for  # noqa: E402

TODAY = geneva_today()


def test_a_past_meeting_is_recorded_its_actions_tracked_and_its_minutes_approved(ccm, worker, tmp_path, ccm_env):
    held = open_day(TODAY - timedelta(days=2), step=-1)
    following = open_day(TODAY + timedelta(days=33))
    r = ccm("meeting", "schedule", "--date", held, "--venue", "Permanent Mission of Germany")
    assert r.exit_code == 0, r.output
    wait_for(lambda: json.loads(ccm("meeting", "status", "--meeting", held, "-o", "json").stdout)["stage"] == "held")

    assert ccm("meeting", "attendance", "--meeting", held, "--present", "DEU,NZL,ICRC").exit_code == 0
    assert ccm("meeting", "set-next", "--meeting", held, "--date", following).exit_code == 0
    added = ccm(
        "task",
        "add",
        "--meeting",
        held,
        "--owner",
        "coordinator:universalization",
        "--text",
        "Operational plan for universalization",
    )
    assert added.exit_code == 0, added.output
    item = added.output.split()[-1]
    assert item == f"action-meeting-cc-{held.isoformat()}-1"

    refused = ccm("task", "add", "--meeting", held, "--owner", "Narnia", "--text", "x")
    assert refused.exit_code == 2 and "unknown State 'Narnia'" in refused.output

    minutes = tmp_path / "minutes.md"
    minutes.write_text("Minutes of the Coordination Committee meeting\n")
    assert ccm("meeting", "minutes", "circulate", "--meeting", held, "--file", minutes).exit_code == 0
    approved_at = ("--at-meeting", TODAY, "--as-a-correct-record")
    unknown = ccm(
        "meeting", "minutes", "approve", "--meeting", held, *approved_at, "--as", "Aline Berdoz@coordinator:gso"
    )
    assert unknown.exit_code == 2 and "unknown office 'coordinator:gso'" in unknown.output
    wrong = ccm(
        "meeting",
        "minutes",
        "approve",
        "--meeting",
        held,
        *approved_at,
        "--as",
        "Aline Berdoz@coordinator:general-status",
    )
    assert wrong.exit_code == 1
    assert wrong.output.strip() == (
        "Error: refused: only the Presidency may approve minutes, not coordinator:general-status"
    )
    early = ccm(
        "meeting",
        "minutes",
        "approve",
        "--meeting",
        held,
        "--at-meeting",
        following,
        "--as-a-correct-record",
        "--as",
        "Michael Biontino@president",
    )
    assert early.exit_code == 1 and f"the meeting of {following} has not been held yet" in early.output
    ok = ccm(
        "meeting",
        "minutes",
        "approve",
        "--meeting",
        held,
        "--as",
        "Michael Biontino@president",
        "--at-meeting",
        TODAY,
        "--with-corrections",
        "Item 3: the workshop is in Beirut, not in Tripoli",
    )
    assert ok.exit_code == 0 and "minutes approved" in ok.output

    listed = wait_for(
        lambda: [
            r
            for r in json.loads(ccm("task", "list", "--owner", "coordinator:universalization", "-o", "json").stdout)
            if r["id"] == item
        ]
    )
    assert listed[0]["due"] == following.isoformat() and listed[0]["stage"] == "open"

    assert ccm("task", "reassign", item, "--owner", "Zambia").exit_code == 0
    extended = ccm("task", "extend", item, "--due", following + timedelta(days=7), "--reason", "capital's answer")
    assert extended.exit_code == 0 and f"ZMB, due {following + timedelta(days=7)}" in extended.output
    assert "done" in ccm("task", "done", item, "--note", "plan presented", "--as", "Zambia").output
    again = ccm("task", "done", item, "--as", "ZMB")
    assert again.exit_code == 1 and again.output.strip() == "Error: the workflow has already finished"


def test_an_upcoming_meeting_takes_proposals_and_a_reschedule_updates_the_calendar_event(ccm, worker, tmp_path):
    day = open_day(TODAY + timedelta(days=21))
    assert (
        ccm(
            "meeting",
            "schedule",
            "--date",
            day,
            "--start",
            "10:00",
            "--end",
            "11:30",
            "--venue",
            "Permanent Mission of Germany",
        ).exit_code
        == 0
    )
    proposed = ccm("meeting", "propose-item", "--meeting", day, "--title", "Country Coalitions", "--as", "DEU")
    assert proposed.exit_code == 0, proposed.output
    agenda = ccm("meeting", "agenda", "--meeting", f"meeting-cc-{day}")
    assert "6. Country Coalitions" in agenda.output and "Date of the next meeting" in agenda.output

    first = tmp_path / "first.ics"
    assert ccm("meeting", "ics", "--meeting", day, "--out", first).exit_code == 0
    later = open_day(day + timedelta(days=1))
    moved = ccm(
        "meeting",
        "reschedule",
        "--meeting",
        day,
        "--date",
        later,
        "--start",
        "15:00",
        "--end",
        "16:00",
        "--venue",
        "Palais des Nations",
    )
    assert moved.exit_code == 0, moved.output
    second = tmp_path / "second.ics"
    assert "SEQUENCE 1" in ccm("meeting", "ics", "--meeting", day, "--out", second).output
    a, b = (next(iter(Calendar.from_ical(p.read_bytes()).walk("VEVENT"))) for p in (first, second))
    assert str(a["UID"]) == str(b["UID"]) and (a["SEQUENCE"], b["SEQUENCE"]) == (0, 1)
    assert b.decoded("DTSTART").date() == later and str(b["LOCATION"]) == "Palais des Nations"
    # Named by the day it is on now, and in the form a calendar server stores (no METHOD).
    third = tmp_path / "third.ics"
    stored = ccm("meeting", "ics", "--meeting", later, "--stored", "--out", third)
    assert stored.exit_code == 0 and "no METHOD" in stored.output, stored.output
    c = next(iter(Calendar.from_ical(third.read_bytes()).walk("VEVENT")))
    assert str(c["UID"]) == str(a["UID"]) and b"METHOD" not in third.read_bytes()

    bad = ccm(
        "meeting", "reschedule", "--meeting", day, "--date", day, "--start", "12:00", "--end", "11:00", "--venue", "x"
    )
    assert bad.exit_code == 1 and "must end after it starts" in bad.output
    assert ccm("meeting", "cancel", "--meeting", day, "--reason", "moved to a written procedure").exit_code == 0


def test_a_task_is_due_from_today_and_one_due_in_the_past_is_refused(ccm, worker):
    """A task is set now, for a day to come (its overdue stage, once that day has passed,
    is tested on the time-skipping server: tests/workflows/test_meetings.py)."""
    late = ccm(
        "task",
        "add",
        "--owner",
        "Norway",
        "--text",
        "Feedback on the Lebanon workshop",
        "--due",
        TODAY - timedelta(days=1),
    )
    assert late.exit_code == 2 and "is outside today to 5 years from today" in late.stderr
    added = ccm("task", "add", "--owner", "Norway", "--text", "Feedback on the Lebanon workshop", "--due", TODAY)
    assert added.exit_code == 0, added.output
    item = added.output.split()[-1]
    listed = wait_for(lambda: [r for r in json.loads(ccm("task", "list", "-o", "json").stdout) if r["id"] == item])
    assert listed[0]["owner"] == "NOR" and listed[0]["stage"] != "overdue"
    assert ccm("task", "cancel", item, "--reason", "test over").exit_code == 0


def test_a_task_without_a_due_date_or_meeting_is_refused(ccm):
    result = ccm("task", "add", "--owner", "NOR", "--text", "x")
    assert result.exit_code == 2 and "give --due, --next-meeting or --meeting" in result.output


def test_a_cancelled_meetings_day_can_have_another_and_the_agenda_says_who_proposed(ccm, worker):
    day = open_day(TODAY + timedelta(days=47))
    assert ccm("meeting", "schedule", "--date", day, "--venue", "Permanent Mission of Germany").exit_code == 0
    again = ccm("meeting", "schedule", "--date", day, "--venue", "Palais des Nations")
    assert again.exit_code == 1 and "is already scheduled (scheduled)" in again.stderr
    assert ccm("meeting", "cancel", "--meeting", day, "--reason", "no quorum").exit_code == 0
    second = ccm("meeting", "schedule", "--date", day, "--venue", "Palais des Nations")
    assert second.exit_code == 0 and f"scheduled meeting-cc-{day.isoformat()}-2" in second.stdout, second.output
    assert "CET" in second.stdout or "CEST" in second.stdout  # Geneva time, with the zone
    for title, who in (("Country Coalitions", "Germany"), ("Trust fund", "isu"), ("Universalization", "CMC")):
        r = ccm("meeting", "propose-item", "--meeting", day, "--title", title, "--as", who)
        assert r.exit_code == 0 and "Palais des Nations" in r.stdout, r.output  # the second meeting
    agenda = ccm("meeting", "agenda", "--meeting", day).stdout
    assert "proposed by Germany" in agenda and "proposed by the ISU" in agenda and "proposed by CMC" in agenda
    # The cancelled meeting's own id names it, not the one that took its day.
    first = json.loads(ccm("meeting", "status", "--meeting", f"meeting-cc-{day.isoformat()}", "-o", "json").stdout)
    assert first["stage"] == "cancelled" and first["schedule"]["venue"] == "Permanent Mission of Germany"
    assert ccm("meeting", "cancel", "--meeting", day, "--reason", "test over").exit_code == 0


def test_task_list_shows_an_item_no_worker_answers_for_as_visibility_saw_it(ccm, worker, client):
    import asyncio
    import time as clock

    from domain.action_items import ActionItemInput
    from workflows.action_item import ActionItem

    wid = f"action-orphan-{uuid.uuid4().hex[:6]}"
    item = ActionItemInput(
        owner="NOR", text="Feedback on the Lebanon workshop", due=TODAY + timedelta(days=9), source="test", number=1
    )
    asyncio.run(client.start_workflow(ActionItem.run, item, id=wid, task_queue=f"nobody-{wid}"))
    start = clock.perf_counter()
    listed = wait_for(lambda: (r := ccm("task", "list", "-o", "json")) and wid in r.stdout and r, seconds=40)
    assert listed.exit_code == 0 and f"no worker answered for 1 items ({wid})" in listed.stderr
    row = next(r for r in json.loads(listed.stdout) if r["id"] == wid)
    assert row["text"] == "(no worker answered)"
    print(f"task list with an unanswered item: {clock.perf_counter() - start:.1f} s")
    done = ccm("task", "done", wid, "--as", "isu")  # would wait for ever for a worker: one line instead
    assert done.exit_code == 1 and done.stderr.strip() == (
        f"Error: no worker polls the task queue of {wid}: start `ccm worker`, then repeat the command"
    )
    asyncio.run(client.get_workflow_handle(wid).terminate("test over"))


def test_a_meeting_on_a_weekend_or_a_holiday_is_refused_unless_allowed(ccm, worker):
    saturday = TODAY + timedelta(days=60 + (5 - (TODAY + timedelta(days=60)).weekday()) % 7)
    r = ccm("meeting", "schedule", "--date", saturday, "--venue", "Palais des Nations")
    assert r.exit_code == 2 and r.stdout == "" and len(r.stderr.strip().splitlines()) == 1
    assert r.stderr.startswith(
        f"Error: Invalid value for --date: {saturday} is a Saturday: give --allow-holiday "
        "to set the meeting for it all the same"
    )
    new_year = date(TODAY.year + 2, 1, 1)  # far from the other tests' days, within the two years ahead
    r = ccm("meeting", "schedule", "--date", new_year, "--venue", "Palais des Nations")
    assert r.exit_code == 2 and f"{new_year} is New Year's Day in Geneva" in r.stderr
    r = ccm("meeting", "schedule", "--date", new_year, "--venue", "Palais des Nations", "--allow-holiday")
    assert r.exit_code == 0, r.output
    assert ccm("meeting", "cancel", "--meeting", new_year, "--reason", "test over").exit_code == 0
