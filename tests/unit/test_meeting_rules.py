"""The meeting's rules without a server: invitations, agenda at the cut-off, commands,
minutes approved by the Presidency, and the idempotency keys of what it logs."""

from datetime import date, datetime, time, timedelta, timezone

import pytest

from domain.contract import ActionSummary, AgendaFacts
from domain.meetings import (
    AddActionItem,
    ApproveMinutes,
    CancelMeeting,
    CirculateMinutes,
    Meeting,
    MeetingInput,
    ProposeItem,
    RecordAttendance,
    Reschedule,
    SetNextMeeting,
    proposals_close_at,
)
from domain.process import Log, Message, Refusal, Show, StartActionItem
from domain.schedule import Participant, Schedule

DAY = date(2016, 12, 7)  # a Wednesday
VENUE = "Permanent Mission of Germany"
PEOPLE = [
    Participant(name="Toralf Pilz", email="pilz@example.org", delegation="DEU"),
    Participant(name="Amélie Chayer", delegation="CMC", role="observer"),
]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


START = utc(2016, 11, 10, 9)


def new_meeting(now=START, day=DAY, previous=None) -> tuple[Meeting, list]:
    inp = MeetingInput.plan(
        Schedule.at(day, time(10), time(11, 30), VENUE), participants=PEOPLE, previous_meeting=previous
    )
    meeting = Meeting.new(inp, f"meeting-cc-{day.isoformat()}", now)
    return meeting, meeting.start()


def test_scheduling_sends_an_invitation_with_a_calendar_file_to_every_address():
    meeting, effects = new_meeting()
    show_due, show_stage, invitation = effects
    assert show_due == Show(due=utc(2016, 12, 7, 9)) and show_stage.stage == "scheduled"
    assert isinstance(invitation, Message) and invitation.key == "invitation-0"
    assert invitation.to == ["pilz@example.org"]
    assert invitation.calendar.method == "REQUEST" and invitation.calendar.sequence == 0
    assert "Wednesday 7 December 2016, 10:00–11:30 (Geneva time), Permanent Mission of Germany" in invitation.body


def test_a_meeting_already_past_is_recorded_as_held_without_invitations():
    meeting, effects = new_meeting(now=utc(2016, 12, 8))
    assert meeting.stage == "held"
    assert [type(e) for e in effects] == [Show, Show, Log] and effects[-1].event_type == "meeting.recorded"


def test_proposals_close_three_working_days_before_at_18_00_in_geneva():
    assert proposals_close_at(DAY, 3) == utc(2016, 12, 2, 17)  # Friday 18:00 CET
    meeting, _ = new_meeting()
    assert meeting.next_action().key == "agenda" and meeting.next_action().at == utc(2016, 12, 2, 17)


def test_at_the_cut_off_the_agenda_has_the_minutes_the_items_due_and_the_proposals():
    meeting, _ = new_meeting(previous=date(2016, 11, 4))
    meeting.propose_item(ProposeItem(title="Country Coalitions", office="DEU"), utc(2016, 11, 20))
    action = meeting.next_action()
    assert action.needs.previous_meeting == date(2016, 11, 4)
    facts = AgendaFacts(
        minutes_pending=date(2016, 11, 4),
        open_actions=[
            ActionSummary(workflow_id="a-1", owner="ITA", text="Operational plan", due=date(2016, 12, 7)),
            ActionSummary(workflow_id="a-2", owner="isu", text="Later", due=date(2017, 2, 1)),
        ],
    )
    effects = meeting.fire(action, action.at, facts)
    assert meeting.stage == "agenda_circulated"
    titles = [a.title for a in meeting.agenda]
    assert titles[2] == "Approval of the minutes of 4 November 2016"
    assert titles[3] == "Follow-up of action items" and meeting.agenda[3].details == [
        "ITA: Operational plan (due 2016-12-07)"
    ]
    assert "Country Coalitions" in titles and titles[-1] == "Date of the next meeting"
    assert effects[1].key == "agenda-0" and effects[1].body.startswith(
        "Coordination Committee meeting, Wednesday 7 December 2016, Permanent Mission of Germany"
    )
    with pytest.raises(Refusal, match="proposals closed"):
        meeting.check_proposal(ProposeItem(title="Too late"), action.at)


def test_a_reschedule_is_the_same_event_with_a_higher_sequence_and_reopens_proposals():
    meeting, _ = new_meeting()
    meeting.fire(meeting.next_action(), utc(2016, 12, 2, 17), AgendaFacts(open_actions=[], minutes_pending=None))
    later = DAY + timedelta(days=7)
    effects = meeting.reschedule(
        Reschedule(
            schedule=Schedule.at(later, time(10), time(11, 30), VENUE),
            proposals_close_at=proposals_close_at(later, 3),
            office="president",
        ),
        utc(2016, 12, 3),
    )
    assert meeting.stage == "scheduled" and meeting.sequence == 1
    assert effects[-1].key == "invitation-1" and effects[-1].calendar.sequence == 1
    assert effects[-1].office == "president"
    with pytest.raises(Refusal, match="must be in the future"):
        meeting.check_reschedule(
            Reschedule(
                schedule=Schedule.at(date(2016, 12, 1), time(10), time(11), VENUE), proposals_close_at=utc(2016, 11, 28)
            ),
            utc(2016, 12, 3),
        )


def test_a_cancellation_ends_the_meeting_and_cancels_the_event():
    meeting, _ = new_meeting()
    effects = meeting.cancel(CancelMeeting(reason="no quorum"))
    assert meeting.finished and effects[-1].calendar.method == "CANCEL"
    with pytest.raises(Refusal, match="cannot cancel: the meeting is cancelled"):
        meeting.check_cancel(CancelMeeting(reason="again"))


def test_after_the_meeting_attendance_action_items_and_minutes_approved_by_the_presidency():
    meeting, _ = new_meeting(now=utc(2016, 12, 8))
    after = utc(2016, 12, 8, 10)
    with pytest.raises(Refusal, match="no next meeting is set"):
        meeting.check_action(AddActionItem(owner="ITA", text="Plan"), after)
    meeting.record_attendance(RecordAttendance(present=["DEU", "NZL"]), after)
    meeting.set_next_meeting(SetNextMeeting(date=date(2017, 1, 25)))
    effects = meeting.add_action_item(AddActionItem(owner="ITA", text="Plan", office="isu"), after)
    assert isinstance(effects[0], StartActionItem) and effects[0].id == "action-meeting-cc-2016-12-07-1"
    assert effects[0].input.due == date(2017, 1, 25)
    meeting.circulate_minutes(CirculateMinutes(text="Minutes"))
    with pytest.raises(Refusal, match="only the Presidency may approve minutes, not NZL"):
        meeting.authorize("approve_minutes", ApproveMinutes(office="NZL", at_meeting=date(2017, 1, 25)))
    with pytest.raises(Refusal, match="approved at a later meeting of the Committee, not on 2016-12-07"):
        meeting.check_approval(ApproveMinutes(office="president", at_meeting=date(2016, 12, 7)), utc(2017, 2, 1))
    with pytest.raises(Refusal, match="the meeting of 2017-01-25 has not been held yet"):
        meeting.check_approval(ApproveMinutes(office="president", at_meeting=date(2017, 1, 25)), utc(2017, 1, 24))
    with pytest.raises(ValueError, match="with corrections need the corrections"):
        ApproveMinutes(office="president", at_meeting=date(2017, 1, 25), approved_as="with_corrections")
    effects = meeting.approve_minutes(
        ApproveMinutes(
            actor="Michael Biontino",
            office="president",
            at_meeting=date(2017, 1, 25),
            approved_as="with_corrections",
            corrections="Item 4: New Zealand, not Norway, offered to host the workshop",
        ),
        utc(2017, 1, 25, 12),
    )
    assert meeting.finished and meeting.stage == "minutes_approved"
    assert effects[-1].payload == {
        "at_meeting": "2017-01-25",
        "approved_as": "with_corrections",
        "corrections": "Item 4: New Zealand, not Norway, offered to host the workshop",
    }


def test_commands_before_the_meeting_starts_are_refused():
    meeting, _ = new_meeting()
    with pytest.raises(Refusal, match="cannot record attendance before the meeting has started"):
        meeting.check_attendance(RecordAttendance(present=["DEU"]), utc(2016, 12, 7, 8))
    with pytest.raises(Refusal, match="after the meeting is held"):
        meeting.check_minutes(CirculateMinutes(text="x"))


def test_dates_in_words_do_not_depend_on_the_workers_locale():
    """`%A`, `%B` and `%-d` follow the locale (or glibc): domain and workflows write
    dates with `long_date` and `day_month_year` instead."""
    import re
    from pathlib import Path

    from domain.schedule import day_month_year, long_date

    assert long_date(DAY) == "Wednesday 7 December 2016" and day_month_year(date(2017, 1, 1)) == "1 January 2017"
    root = Path(__file__).parents[2]
    offenders = [
        str(p)
        for folder in ("domain", "workflows")
        for p in (root / folder).glob("*.py")
        if re.search(r"\{[^}]*:[^}]*%-?[aAbBd]|\.strftime\(", p.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "text",
    [
        "pilz@example.org\r\nBcc: all@example.org",
        "Toralf <pilz@example.org>",
        "pilz@localhost",
        "pilz@@example.org",
        "pilz example.org",
    ],
)
def test_a_participant_address_the_mail_headers_cannot_carry_is_refused(text):
    with pytest.raises(ValueError):
        Participant(name="Toralf Pilz", email=text)


@pytest.mark.parametrize(
    "day,ok",
    [
        ("01-15", True),
        ("12-31", True),
        ("02-28", True),
        ("02-29", False),
        ("02-30", False),
        ("13-01", False),
        ("1-15", False),
    ],
)
def test_a_yearly_day_must_exist_in_every_year(day, ok):
    from domain.schedule import yearly_day

    if ok:
        assert yearly_day(day)
    else:
        with pytest.raises(ValueError):
            yearly_day(day)


def test_a_change_back_to_an_earlier_value_is_logged_under_a_key_of_its_own():
    """Keys name the change, not the value: A → B → A writes three entries."""
    meeting, _ = new_meeting(now=utc(2016, 12, 8))
    keys = [
        meeting.set_next_meeting(SetNextMeeting(date=day, office="isu"))[0].key
        for day in (date(2017, 1, 25), date(2017, 2, 1), date(2017, 1, 25))
    ]
    assert keys == ["next-meeting-1", "next-meeting-2", "next-meeting-3"]


# The minutes of 4 November 2016, item 1 ("PRESENT"), person by person.
PRESENT_ON_4_NOVEMBER_2016 = [
    "H.E. Michael Biontino",
    "Mr. Toralf Pilz",
    "Mr. Hugh Watson",
    "Ms. Thuy Nguyen",
    "Mr. Joel Paterson",
    "Mr. Asim Dorović",
    "Ms. Carola Muñoz",
    "Ms. Maricela Muñoz",
    "Ms. Ines Sprem Scigliano",
    "Ms. Camille Gufflet",
    "Mr. Emad Al-Juhaishi",
    "Dr. Silvia Cattaneo",
    "Mr. Víctor Martínez",
    "Ms. Sachi Claringbould",
    "Ms. Katy Donnelly",
    "Ms. Malgorzata Hauge",
    "Ms. Aline Berdoz",
    "H.E. Ms. Encyla Tina Chishiba Sinjela",
    "Ms. Amélie Chayer",
    "Mr. Louis Maresca",
    "Ms. Silvia Mercogliano",
    "Ms. Sheila Mweemba",
    "Mr. Matthieu Laruelle",
]


def test_the_demos_committee_is_everyone_the_minutes_list_as_present():
    from importlib import resources

    from domain.schedule import participants_from_csv

    people = participants_from_csv(resources.files("domain").joinpath("data/committee_2016.csv").read_text("utf-8"))
    assert [p.name for p in people] == PRESENT_ON_4_NOVEMBER_2016 and len(people) == 23
    assert len({p.delegation for p in people}) == 19


def test_the_agenda_adopted_at_the_meeting_is_recorded_and_stays():
    from domain.meetings import AgendaItem, RecordAgenda

    meeting, _ = new_meeting()
    adopted = RecordAgenda(
        items=[
            AgendaItem(title="Opening remarks by the President"),
            AgendaItem(title="Presentation of concept notes", details=["Victim Assistance"]),
        ],
        office="isu",
    )
    with pytest.raises(Refusal, match="cannot record the agenda adopted before the meeting has started"):
        meeting.check_agenda(adopted, utc(2016, 12, 7, 8))
    effects = meeting.record_agenda(adopted, utc(2016, 12, 7, 10, 5))
    assert [a.number for a in meeting.agenda] == [1, 2] and meeting.agenda[1].details == ["Victim Assistance"]
    assert effects[0].event_type == "meeting.agenda_adopted"
    with pytest.raises(ValueError):
        AgendaItem(title="a\u202eb")


def test_the_agenda_offers_the_presentation_of_the_concept_notes_due_at_the_meeting():
    """The minutes of 4 November 2016, item 4: "Presentation of concept notes"."""
    meeting, _ = new_meeting()
    action = meeting.next_action()
    assert action.needs.meeting == DAY
    facts = AgendaFacts(
        minutes_pending=None,
        open_actions=[],
        notes_to_present=["Victim assistance (ITA, CHL)", "Universalization (FRA, ZMB)"],
    )
    meeting.fire(action, action.at, facts)
    assert meeting.agenda[2].title == "Presentation of concept notes"
    assert meeting.agenda[2].details == ["Victim assistance (ITA, CHL)", "Universalization (FRA, ZMB)"]


def test_the_agenda_facts_name_the_notes_started_for_the_meeting_and_not_withdrawn(tmp_path):
    from activities.database import open_event_log
    from activities.records import agenda_facts
    from domain.concept_notes import ConceptNote, ConceptNoteInput, Withdraw
    from domain.contract import AgendaFactsRequest
    from tests.produced import logged

    log = open_event_log(f"sqlite:///{tmp_path / 'log.db'}")
    at = utc(2016, 10, 20)

    def started(theme: str, meeting: date) -> tuple[ConceptNote, list]:
        note = ConceptNote.new(
            ConceptNoteInput(
                theme=theme, msp="7MSP", meeting=meeting, circulate_by=utc(2016, 11, 1), plan_due=date(2017, 3, 1)
            ),
            f"concept-note-7MSP-{theme}",
            at,
        )
        return note, note.start()

    _, va = started("victim-assistance", DAY)
    universalization, un = started("universalization", DAY)
    un += universalization.withdraw(Withdraw(reason="merged", office="isu"))
    _, sd = started("stockpile-destruction", date(2017, 1, 25))
    for theme, effects in [("victim-assistance", va), ("universalization", un), ("stockpile-destruction", sd)]:
        log.append_all(logged(f"concept-note-7MSP-{theme}", "ConceptNote", theme, effects, at))
    facts = agenda_facts(log, AgendaFactsRequest(meeting=DAY))
    assert facts.notes_to_present == ["Victim Assistance (ITA, CHL)"]


def test_a_meeting_is_numbered_within_the_presidency_that_holds_office_on_its_day(tmp_path):
    """The minutes of 4 November 2016 speak of "the second meeting under the German
    Presidency": 27 September was the first, 7 December the third; a cancelled meeting
    does not count, and one before the term belongs to the Presidency before."""
    from datetime import datetime, timezone

    from activities.database import open_event_log
    from activities.records import meeting_number
    from domain.events import NewEvent
    from domain.signatures import KeyRegistration
    from tests.produced import logged

    log = open_event_log(f"sqlite:///{tmp_path / 'log.db'}")
    at = datetime(2016, 9, 1, tzinfo=timezone.utc)

    def event(key, wid, event_type, **payload):
        return NewEvent(
            idempotency_key=key,
            workflow_id=wid,
            workflow_type="",
            subject="",
            event_type=event_type,
            occurred_at=at,
            payload=payload,
        )

    reg = KeyRegistration(
        fingerprint="f" * 16,
        public_key="k",
        holder="Michael Biontino",
        office="president",
        valid_from=date(2016, 9, 7),
        valid_until=date(2017, 9, 6),
        registered_at=at,
        admin="a" * 16,
        signs_letters=True,
        presidency_of="DEU",
    )
    log.append(event("reg", "key-registry", "key.registered", **reg.model_dump(mode="json")))
    for day in [date(2016, 6, 1), date(2016, 9, 27), date(2016, 10, 12), date(2016, 11, 4), date(2016, 12, 7)]:
        # each meeting as its workflow writes it: recorded after the fact, or scheduled ahead and cancelled
        meeting, effects = new_meeting(now=utc(2016, 12, 8) if day != date(2016, 10, 12) else at, day=day)
        if day == date(2016, 10, 12):
            effects += meeting.cancel(CancelMeeting(reason="moved"))
        log.append_all(logged(f"meeting-cc-{day.isoformat()}", "Meeting", "", effects, at))
    assert meeting_number(log, date(2016, 11, 4)) == (
        "the second meeting under the Presidency of Germany (7 September 2016 to 6 September 2017)"
    )
    assert meeting_number(log, date(2016, 12, 7)).startswith("the third meeting")
    assert meeting_number(log, date(2016, 6, 1)) == ""  # no Presidency registered for that day
