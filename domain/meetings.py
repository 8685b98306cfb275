"""Coordination Committee meetings (id `meeting-cc-{date}`): pure rules and models.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

Invitations with an iCalendar file when scheduled (an update of the same event when
rescheduled, a cancellation when cancelled); proposals until the cut-off, when the agenda
is composed and circulated; after the meeting, attendance, action items (each its own
ActionItem workflow, which outlives the meeting) and the minutes, which are approved at
a later meeting. The process ends when its minutes are approved, or when cancelled."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.action_items import FULFILLED_BY, ActionItemInput, action_id
from domain.contract import ActionSummary, AgendaFacts, AgendaFactsRequest, CalendarInvite, DocumentRef
from domain.event_types import typed
from domain.events import Event
from domain.office_holders import Alpha3
from domain.offices import office_in_words, permit
from domain.process import (
    Acting,
    Action,
    CommandResult,
    Counters,
    Document,
    Effect,
    Lines,
    Log,
    Message,
    OneLine,
    ProcessInput,
    Reason,
    Refusal,
    Short,
    Show,
    StartActionItem,
    one_text,
    result_of,
)
from domain.schedule import (
    Participant,
    Schedule,
    day_month_year,
    geneva_date,
    geneva_time,
    local_to_utc,
    long_date,
    working_days_before,
)

SUMMARY = "CCM Coordination Committee meeting"  # the calendar event's title
PROPOSALS_CLOSE = time(18, 0)  # the cut-off day ends at 18:00 in Geneva
Stage = Literal["scheduled", "agenda_circulated", "held", "minutes_circulated", "minutes_approved", "cancelled"]


def meeting_id(day: date, number: int = 1) -> str:
    """`meeting-cc-2016-12-07`; a meeting scheduled again on the day of a cancelled one is
    `meeting-cc-2016-12-07-2` (a workflow id is used once, and so are its log keys)."""
    return f"meeting-cc-{day.isoformat()}" + (f"-{number}" if number > 1 else "")


def proposals_close_at(day: date, working_days: int) -> datetime:
    return local_to_utc(working_days_before(day, working_days), PROPOSALS_CLOSE)


class MeetingInput(ProcessInput):
    schedule: Schedule
    chair_office: str = "president"
    organizer_email: str = "isu@clusterconvention.org"
    participants: list[Participant] = Field(default_factory=list, max_length=500)
    previous_meeting: date | None = Field(None, description="the meeting whose minutes this one approves")
    proposals_close_at: datetime = Field(description="members propose items until then; the agenda goes out")
    standing_items: list[str] = Field(
        default_factory=lambda: [
            "Updates from the Presidency",
            "Implementation of the ISU-CCM financial decision",
            "Update from the ISU-CCM",
        ]
    )

    @classmethod
    def plan(cls, schedule: Schedule, cutoff_working_days: int = 3, **fields: Any) -> MeetingInput:
        """A meeting whose proposals close `cutoff_working_days` working days before it."""
        return cls(
            schedule=schedule, proposals_close_at=proposals_close_at(schedule.date, cutoff_working_days), **fields
        )


def meeting_summary(inp: MeetingInput) -> tuple[str, str]:
    s = inp.schedule
    return (
        f"Coordination Committee meeting — {s.in_words()}",
        f"{len(inp.participants)} participants; proposals close {geneva_time(inp.proposals_close_at)}"
        + (f"; approves the minutes of {inp.previous_meeting.isoformat()}" if inp.previous_meeting else ""),
    )


class AgendaItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int = 0
    title: OneLine = Field(min_length=1, max_length=300)
    details: list[OneLine] = Field(default_factory=list, max_length=30)


def compose_agenda(
    meeting: date,
    standing: list[str],
    proposed: list[tuple[str, str]],
    minutes_pending: date | None,
    open_actions: list[ActionSummary],
    notes_to_present: Sequence[str] = (),
) -> list[AgendaItem]:
    """The draft agenda: opening, adoption of the agenda, approval of the previous
    minutes when pending, the concept notes to be presented at this meeting, action items
    due by it (overdue ones included), standing items, items proposed by members, and the
    date of the next meeting."""
    titles: list[tuple[str, list[str]]] = [("Opening remarks by the President", []), ("Adoption of the agenda", [])]
    if minutes_pending:
        titles.append((f"Approval of the minutes of {day_month_year(minutes_pending)}", []))
    if notes_to_present:
        titles.append(("Presentation of concept notes", list(notes_to_present)))
    due = sorted((a for a in open_actions if a.due <= meeting), key=lambda a: (a.due, a.workflow_id))
    if due:
        titles.append(
            (
                "Follow-up of action items",
                [f"{a.owner}: {a.text} (due {a.due.isoformat()}{', overdue' if a.due < meeting else ''})" for a in due],
            )
        )
    titles += [(item, []) for item in standing]
    titles += [(title, [f"proposed by {by}"]) for title, by in proposed]
    titles.append(("Date of the next meeting", []))
    return [AgendaItem(number=i, title=t, details=d) for i, (t, d) in enumerate(titles, start=1)]


ORDINALS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
)


class Presidency(BaseModel):
    """A Presidency and its term, as the key registry records who holds it."""

    state_name: str = Field(description="`Germany`, `the Netherlands`")
    start: date
    end: date


def number_in_presidency(meeting: date, meeting_days: list[date], presidency: Presidency) -> str:
    """`the second meeting under the Presidency of Germany (7 September 2016 to 6 September
    2017)`: the meetings held or planned in the term, up to this one, counted in order."""
    days = sorted({d for d in meeting_days if presidency.start <= d <= meeting} | {meeting})
    n = days.index(meeting) + 1
    nth = ORDINALS[n - 1] if n <= len(ORDINALS) else f"{n}th"
    return (
        f"the {nth} meeting under the Presidency of {presidency.state_name} "
        f"({day_month_year(presidency.start)} to {day_month_year(presidency.end)})"
    )


def fold_meeting_days(events: Iterable[Event]) -> list[date]:
    """The day each meeting in the log is held on (its last schedule), cancelled ones left out."""
    days: dict[str, date | None] = {}
    for ev in events:
        if ev.event_type in ("meeting.scheduled", "meeting.recorded", "meeting.rescheduled") and typed(ev).date:
            days[ev.workflow_id] = typed(ev).date
        elif ev.event_type == "meeting.cancelled":
            days[ev.workflow_id] = None
    return [d for d in days.values() if d is not None]


def agenda_text(meeting: date, venue: str, agenda: list[AgendaItem], numbered: str = "", adopted: bool = False) -> str:
    lines = [
        f"Coordination Committee meeting, {long_date(meeting)}, {venue}" + (f": {numbered}" if numbered else ""),
        "",
        "Agenda as adopted" if adopted else "Draft agenda",
        "",
    ]
    for item in agenda:
        lines.append(f"{item.number}. {item.title}")
        lines += [f"   - {d}" for d in item.details]
    return "\n".join(lines) + "\n"


def fold_open_actions(events: Iterable[Event]) -> list[ActionSummary]:
    """Action items still open, from their `action.*` events in log order."""
    items: dict[str, ActionSummary] = {}
    for ev in events:
        if ev.event_type == "action.created":
            p = typed(ev)
            items[ev.workflow_id] = ActionSummary(workflow_id=ev.workflow_id, owner=p.owner, text=p.text, due=p.due)
        elif ev.workflow_id not in items:
            continue
        elif ev.event_type == "action.extended":
            items[ev.workflow_id].due = typed(ev).new_due
        elif ev.event_type == "action.reassigned":
            items[ev.workflow_id].owner = typed(ev).owner
        elif ev.event_type in {"action.completed", "action.cancelled"}:
            del items[ev.workflow_id]
    return list(items.values())


# --- commands ------------------------------------------------------------------------------
class Reschedule(Acting):
    schedule: Schedule
    proposals_close_at: datetime


class CancelMeeting(Acting):
    reason: Reason


class ProposeItem(Acting):
    title: OneLine = Field(min_length=1, max_length=300)
    proposer: str = Field("", description="who proposed it, in runs from before `actor`/`office`")


class RecordAttendance(Acting):
    present: list[Short] = Field(max_length=300)


class RecordAgenda(Acting):
    """The agenda as the meeting adopted it, item by item (sub-items in `details`)."""

    items: list[AgendaItem] = Field(min_length=1, max_length=60)


class AddActionItem(Acting):
    owner: Short
    text: Lines = Field(min_length=1, max_length=2_000)
    due: date | None = Field(None, description="default: the next meeting")
    fulfilled_by: str | None = Field(None, pattern=FULFILLED_BY, description="the command whose run closes it")
    coordinators: list[Alpha3] | None = Field(
        None, max_length=4, description="when a theme's coordinators own it: who they are (`ccm meeting action`)"
    )


class SetNextMeeting(Acting):
    date: date


class CirculateMinutes(Acting, Document):
    _one_text = model_validator(mode="after")(one_text)


Approval = Literal["correct_record", "with_corrections"]


class ApproveMinutes(Acting):
    """The Committee's approval of the minutes at a later meeting, as the Presidency
    records it: "as a correct record", or "with corrections" (the corrections recorded)."""

    at_meeting: date = Field(description="the later meeting of the Committee that approved them")
    approved_as: Approval = "correct_record"
    corrections: Lines | None = Field(None, max_length=10_000, description="what the Committee corrected")

    @model_validator(mode="after")
    def _corrections_with_corrections(self) -> ApproveMinutes:
        if self.approved_as == "with_corrections" and not self.corrections:
            raise ValueError("minutes approved with corrections need the corrections")
        if self.approved_as == "correct_record" and self.corrections:
            raise ValueError("minutes approved as a correct record have no corrections")
        return self


class MeetingStatus(BaseModel):
    workflow_id: str
    stage: Stage
    schedule: Schedule
    sequence: int
    proposals_close_at: datetime
    proposals: list[ProposeItem]
    agenda: list[AgendaItem]
    agenda_adopted: bool = Field(False, description="the agenda is the one the meeting adopted, not the draft")
    attendance: list[str]
    minutes: str | None
    minutes_document: DocumentRef | None = None
    next_meeting: date | None
    action_items: list[str]
    participants: list[Participant]
    previous_meeting: date | None = None
    standing_items: list[str] = Field(default_factory=list)


def _words(stage: str) -> str:
    return stage.replace("_", " ")


class Meeting(Counters):
    input: MeetingInput
    workflow_id: str
    started_at: datetime
    schedule: Schedule
    close_at: datetime
    sequence: int = Field(0, description="the calendar event's SEQUENCE: one more at each change")
    stage: Stage = "scheduled"
    proposals: list[ProposeItem] = Field(default_factory=list)
    agenda: list[AgendaItem] = Field(default_factory=list)
    agenda_adopted: bool = False
    attendance: list[str] = Field(default_factory=list)
    attendance_records: int = 0
    minutes: str | None = None
    minutes_document: DocumentRef | None = None
    minutes_versions: int = 0
    next_meeting: date | None = None
    action_items: list[str] = Field(default_factory=list)

    @classmethod
    def new(cls, input: MeetingInput, workflow_id: str, now: datetime) -> Meeting:
        # A meeting already past is held from the start, so that a command arriving before
        # the start's effects (its minutes, say) is judged on that.
        return cls(
            input=input,
            workflow_id=workflow_id,
            started_at=now,
            schedule=input.schedule,
            close_at=input.proposals_close_at,
            stage="held" if input.schedule.ends_at <= now else "scheduled",
        )

    @property
    def finished(self) -> bool:
        return self.stage in ("minutes_approved", "cancelled")

    @property
    def subject(self) -> str:
        return self.workflow_id

    def _mail(
        self,
        key: str,
        event_type: str,
        subject: str,
        body: str,
        method: str | None = None,
        cmd: Acting | None = None,
        **payload: Any,
    ) -> Message:
        """A message to every participant, with the meeting's calendar file if `method`."""
        invite = None
        if method:
            invite = CalendarInvite(
                meeting_id=self.workflow_id,
                schedule=self.schedule,
                summary=SUMMARY,
                organizer=self.input.organizer_email,
                participants=self.input.participants,
                sequence=self.sequence,
                method=method,
            )
        return Message(
            key=key,
            event_type=event_type,
            subject_line=subject,
            body=body,
            calendar=invite,
            to=[p.email for p in self.input.participants if p.email],
            actor=cmd.actor if cmd else "",
            office=cmd.office if cmd else "",
            payload=payload | {"sequence": self.sequence},
        )

    # --- the timeline ---------------------------------------------------------------------
    def start(self) -> list[Effect]:
        """Invitations; a meeting already past is recorded as held, without them."""
        effects: list[Effect] = [Show(due=self.schedule.starts_at)]
        if self.stage == "held":
            return effects + [
                Show(stage="held"),
                Log(
                    key="recorded",
                    event_type="meeting.recorded",
                    payload={"date": self.schedule.date.isoformat(), "venue": self.schedule.venue},
                ),
            ]
        return effects + [
            Show(stage="scheduled"),
            self._mail(
                "invitation-0",
                "meeting.scheduled",
                f"Invitation: {SUMMARY}, {self.schedule.date}",
                f"You are invited to the {SUMMARY}:\n{self.schedule.in_words()}.\n",
                method="REQUEST",
                date=self.schedule.date.isoformat(),
                venue=self.schedule.venue,
            ),
        ]

    def next_action(self) -> Action | None:
        if self.stage == "scheduled":
            return Action(
                key="agenda",
                at=self.close_at,
                description="proposals close: circulate the agenda",
                needs=AgendaFactsRequest(previous_meeting=self.input.previous_meeting, meeting=self.schedule.date),
            )
        if self.stage == "agenda_circulated":
            return Action(key="held", at=self.schedule.ends_at, description="the meeting is held")
        return None  # after the meeting: minutes and their approval come as commands

    def fire(self, action: Action, now: datetime, facts: AgendaFacts | None = None) -> list[Effect]:
        if action.key == "agenda":
            assert facts is not None, "the agenda's action needs its facts (Action.needs)"
            agenda = compose_agenda(
                self.schedule.date,
                self.input.standing_items,
                self.proposed(),
                facts.minutes_pending,
                facts.open_actions,
                facts.notes_to_present,
            )
            return self.circulate_agenda(agenda, facts.numbered)
        self.stage = "held"
        return [
            Show(stage=self.stage),
            Log(key="held", event_type="meeting.held", payload={"date": self.schedule.date.isoformat()}),
        ]

    def circulate_agenda(self, agenda: list[AgendaItem], numbered: str = "") -> list[Effect]:
        """The draft agenda sent when proposals close; its items are logged whole, so that a
        run rebuilt from the log (`domain.rebuild`) has the agenda it sent."""
        self.agenda = agenda
        self.stage = "agenda_circulated"
        return [
            Show(stage=self.stage),
            self._mail(
                f"agenda-{self.sequence}",
                "meeting.agenda_circulated",
                f"Draft agenda: {SUMMARY}, {self.schedule.date}",
                agenda_text(self.schedule.date, self.schedule.venue, agenda, numbered),
                items=[a.title for a in agenda],
                agenda=[a.model_dump(mode="json") for a in agenda],
            ),
        ]

    # --- before the meeting ---------------------------------------------------------------
    def authorize(self, command: str, cmd: Acting) -> None:
        permit("meeting", command, cmd.office)

    def _check_before_meeting(self, what: str) -> None:
        if self.stage not in ("scheduled", "agenda_circulated"):
            raise Refusal(f"cannot {what}: the meeting is {_words(self.stage)}")

    def check_reschedule(self, cmd: Reschedule, now: datetime) -> None:
        self._check_before_meeting("reschedule")
        if cmd.schedule.starts_at <= now:
            raise Refusal("the new date and time must be in the future")

    def reschedule(self, cmd: Reschedule, now: datetime) -> list[Effect]:
        self.check_reschedule(cmd, now)
        self.schedule, self.close_at = cmd.schedule, cmd.proposals_close_at
        self.sequence += 1
        effects: list[Effect] = []
        if self.stage == "agenda_circulated" and self.close_at > now:
            self.stage = "scheduled"  # proposals reopen until the new cut-off
            effects.append(Show(stage=self.stage))
        s = self.schedule
        return effects + [
            Show(due=s.starts_at),
            self._mail(
                f"invitation-{self.sequence}",
                "meeting.rescheduled",
                f"Updated: {SUMMARY}, now {s.date}",
                f"The {SUMMARY} has moved to:\n{s.in_words()}.\n",
                method="REQUEST",
                cmd=cmd,
                date=s.date.isoformat(),
                start=s.start.isoformat(),
                end=s.end.isoformat(),
                venue=s.venue,
                proposals_close_at=self.close_at.isoformat(),
            ),
        ]

    def check_cancel(self, cmd: CancelMeeting) -> None:
        self._check_before_meeting("cancel")

    def cancel(self, cmd: CancelMeeting) -> list[Effect]:
        self.check_cancel(cmd)
        self.sequence += 1
        self.stage = "cancelled"
        return [
            Show(stage=self.stage),
            self._mail(
                "cancelled",
                "meeting.cancelled",
                f"Cancelled: {SUMMARY}, {self.schedule.date}",
                f"The {SUMMARY} of {self.schedule.in_words()} is cancelled: {cmd.reason}\n",
                method="CANCEL",
                cmd=cmd,
                reason=cmd.reason,
            ),
        ]

    def check_proposal(self, cmd: ProposeItem, now: datetime) -> None:
        if self.stage != "scheduled" or now >= self.close_at:
            raise Refusal(f"proposals closed at {geneva_time(self.close_at)}: the agenda has gone out")

    def proposed(self) -> list[tuple[str, str]]:
        """(title, who proposed it, in words) of every proposal, for the agenda."""
        return [
            (p.title, office_in_words(p.office, p.proposer) if p.office else (p.proposer or "a member"))
            for p in self.proposals
        ]

    def propose_item(self, cmd: ProposeItem, now: datetime) -> list[Effect]:
        self.check_proposal(cmd, now)
        self.proposals.append(cmd)
        return [
            Log(
                key=f"proposal-{len(self.proposals)}",
                event_type="meeting.item_proposed",
                actor=cmd.actor or cmd.proposer,
                office=cmd.office or "member",
                payload={"title": cmd.title} | ({"proposer": cmd.proposer} if cmd.proposer else {}),
            )
        ]

    # --- at and after the meeting ---------------------------------------------------------
    def _check_started(self, what: str, now: datetime) -> None:
        if self.stage == "cancelled" or now < self.schedule.starts_at:
            raise Refusal(f"cannot {what} before the meeting has started")

    def check_agenda(self, cmd: RecordAgenda, now: datetime) -> None:
        self._check_started("record the agenda adopted", now)
        if self.agenda_adopted and self._numbered(cmd.items) != self.agenda:
            raise Refusal(
                f"the agenda this meeting adopted is recorded ({len(self.agenda)} items): a meeting adopts its "
                "agenda once, and a record is not edited"
            )

    @staticmethod
    def _numbered(items: list[AgendaItem]) -> list[AgendaItem]:
        return [item.model_copy(update={"number": n}) for n, item in enumerate(items, start=1)]

    def record_agenda(self, cmd: RecordAgenda, now: datetime) -> list[Effect]:
        """The agenda as adopted at the meeting: what `meeting agenda` prints from then
        on, never recomposed from a later state of the log. Recorded once: the same agenda
        again changes nothing."""
        self.check_agenda(cmd, now)
        if self.agenda_adopted:
            return []
        self.agenda, self.agenda_adopted = self._numbered(cmd.items), True
        return [
            Log(
                key=self.change_key("agenda-adopted"),
                event_type="meeting.agenda_adopted",
                actor=cmd.actor,
                office=cmd.office,
                payload={"items": [a.model_dump() for a in self.agenda]},
            )
        ]

    def check_attendance(self, cmd: RecordAttendance, now: datetime) -> None:
        self._check_started("record attendance", now)

    def record_attendance(self, cmd: RecordAttendance, now: datetime) -> list[Effect]:
        self.check_attendance(cmd, now)
        self.attendance = sorted(set(self.attendance) | set(cmd.present))
        self.attendance_records += 1
        return [
            Log(
                key=f"attendance-{self.attendance_records}",
                event_type="meeting.attendance_recorded",
                actor=cmd.actor,
                office=cmd.office,
                payload={"present": cmd.present},
            )
        ]

    def check_next_meeting(self, cmd: SetNextMeeting) -> None:
        if cmd.date <= self.schedule.date:
            raise Refusal("the next meeting must come after this one")

    def set_next_meeting(self, cmd: SetNextMeeting) -> list[Effect]:
        self.check_next_meeting(cmd)
        self.next_meeting = cmd.date
        return [
            Log(
                key=self.change_key("next-meeting"),
                event_type="meeting.next_meeting_set",
                actor=cmd.actor,
                office=cmd.office,
                payload={"date": cmd.date.isoformat()},
            )
        ]

    def check_action(self, cmd: AddActionItem, now: datetime) -> None:
        self._check_started("add action items", now)
        if cmd.due is None and self.next_meeting is None:
            raise Refusal("no next meeting is set: give a due date, or set the next meeting first")
        due = cmd.due or self.next_meeting
        assert due is not None  # one of them, checked above
        if due <= self.schedule.date:
            raise Refusal(f"the due date {due.isoformat()} must be after the meeting")

    def add_action_item(self, cmd: AddActionItem, now: datetime) -> list[Effect]:
        self.check_action(cmd, now)
        number = len(self.action_items) + 1
        child = action_id(self.workflow_id, number)
        item = ActionItemInput(
            owner=cmd.owner,
            text=cmd.text,
            due=cmd.due or self.next_meeting,
            source=self.workflow_id,
            number=number,
            fulfilled_by=cmd.fulfilled_by,
            coordinators=cmd.coordinators,
        )
        self.action_items.append(child)
        return [
            StartActionItem(id=child, input=item),
            Log(
                key=f"action-{number}",
                event_type="meeting.action_item_added",
                actor=cmd.actor,
                office=cmd.office,
                payload={"action_item": child, "owner": cmd.owner, "text": cmd.text, "due": item.due.isoformat()}
                | ({"fulfilled_by": cmd.fulfilled_by} if cmd.fulfilled_by else {}),
            ),
        ]

    def check_minutes(self, cmd: CirculateMinutes) -> None:
        if self.stage not in ("held", "minutes_circulated"):
            raise Refusal(f"minutes are circulated after the meeting is held (it is {_words(self.stage)})")

    def circulate_minutes(self, cmd: CirculateMinutes) -> list[Effect]:
        self.check_minutes(cmd)
        self.minutes, self.minutes_document = cmd.text, cmd.document
        self.minutes_versions += 1
        self.stage = "minutes_circulated"
        mail = self._mail(
            f"minutes-{self.minutes_versions}",
            "meeting.minutes_circulated",
            f"Draft minutes: {SUMMARY}, {self.schedule.date}",
            cmd.text,
            cmd=cmd,
            # what was circulated, for a run rebuilt from the log: the text, or the stored document
            **({"document": cmd.document.model_dump()} if cmd.document else {"text": cmd.text}),
        )
        return [Show(stage=self.stage), mail.model_copy(update={"body_document": cmd.document})]

    def check_approval(self, cmd: ApproveMinutes, now: datetime) -> None:
        if self.stage != "minutes_circulated":
            raise Refusal(f"there are no circulated minutes to approve (the meeting is {_words(self.stage)})")
        if cmd.at_meeting <= self.schedule.date:
            raise Refusal(
                f"minutes are approved at a later meeting of the Committee, not on "
                f"{cmd.at_meeting.isoformat()} (this meeting is of {self.schedule.date.isoformat()})"
            )
        if cmd.at_meeting > geneva_date(now):
            raise Refusal(
                f"the meeting of {cmd.at_meeting.isoformat()} has not been held yet: its approval is "
                "recorded once it has"
            )

    def approve_minutes(self, cmd: ApproveMinutes, now: datetime) -> list[Effect]:
        self.check_approval(cmd, now)
        self.stage = "minutes_approved"
        return [
            Show(stage=self.stage),
            Log(
                key="minutes-approved",
                event_type="meeting.minutes_approved",
                actor=cmd.actor,
                office=cmd.office,
                payload={
                    "at_meeting": cmd.at_meeting.isoformat(),
                    "approved_as": cmd.approved_as,
                    "corrections": cmd.corrections,
                },
            ),
        ]

    # --- reading ---------------------------------------------------------------------------
    def status(self) -> MeetingStatus:
        return MeetingStatus(
            workflow_id=self.workflow_id,
            stage=self.stage,
            schedule=self.schedule,
            sequence=self.sequence,
            proposals_close_at=self.close_at,
            proposals=self.proposals,
            agenda=self.agenda,
            agenda_adopted=self.agenda_adopted,
            attendance=self.attendance,
            minutes=self.minutes,
            minutes_document=self.minutes_document,
            next_meeting=self.next_meeting,
            action_items=self.action_items,
            participants=self.input.participants,
            previous_meeting=self.input.previous_meeting,
            standing_items=self.input.standing_items,
        )

    def result(self, effects: list[Any]) -> CommandResult:
        s = self.schedule
        summary = {
            "date": s.date.isoformat(),
            "start": s.start.isoformat("minutes"),
            "end": s.end.isoformat("minutes"),
            "venue": s.venue,
        }
        started = [e.id for e in effects if isinstance(e, StartActionItem)]
        if started:
            summary["action_item"] = started[0]
        return result_of(self.workflow_id, self.stage, effects, summary)
