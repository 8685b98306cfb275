"""Coordination Committee meetings and action items: pure rules and models.

Times are kept as the Committee speaks of them (a date, a start and an end in Geneva)
and as UTC instants for timers; `local_to_utc` converts once, outside workflows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator

GENEVA = ZoneInfo("Europe/Zurich")
Role = Literal["member", "observer", "isu", "presidency"]


class Refusal(ValueError):
    """A command the meeting or action item refuses; the message is for the sender."""


def local_to_utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, GENEVA).astimezone(timezone.utc)


def meeting_id(day: date) -> str:
    return f"meeting-cc-{day.isoformat()}"


def working_days_before(day: date, n: int) -> date:
    """The date `n` working days (Monday to Friday) before `day`."""
    while n > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


class Participant(BaseModel):
    name: str
    email: str = ""
    delegation: str = Field("", description="a State (alpha-3) or an organisation (ICRC, CMC, UNODA, ISU)")
    role: Role = "member"


class Schedule(BaseModel):
    """When and where: local date and times in Geneva, and the UTC instants for timers."""

    date: date
    start: time
    end: time
    venue: str
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def at(cls, day: date, start: time, end: time, venue: str) -> Schedule:
        if end <= start:
            raise Refusal(f"the meeting must end after it starts ({start:%H:%M}–{end:%H:%M})")
        return cls(date=day, start=start, end=end, venue=venue,
                   starts_at=local_to_utc(day, start), ends_at=local_to_utc(day, end))


class MeetingInput(BaseModel):
    schedule: Schedule
    chair_office: str = "president"
    organizer_email: str = "isu@clusterconvention.org"
    participants: list[Participant] = Field(default_factory=list)
    previous_meeting: date | None = Field(None, description="the meeting whose minutes this one approves")
    proposals_close_at: datetime = Field(description="members propose items until then; the agenda goes out")
    standing_items: list[str] = Field(default_factory=lambda: [
        "Updates from the Presidency", "Implementation of the ISU-CCM financial decision", "Update from the ISU-CCM"])

    @classmethod
    def plan(cls, schedule: Schedule, cutoff_working_days: int = 3, **fields) -> MeetingInput:
        """A meeting whose proposals close `cutoff_working_days` working days before it."""
        return cls(schedule=schedule, proposals_close_at=proposals_close_at(schedule.date, cutoff_working_days),
                   **fields)


class ActionSummary(BaseModel):
    workflow_id: str
    owner: str
    text: str
    due: date


class AgendaItem(BaseModel):
    number: int
    title: str
    details: list[str] = Field(default_factory=list)


def compose_agenda(meeting: date, standing: list[str], proposed: list[str], minutes_pending: date | None,
                   open_actions: list[ActionSummary]) -> list[AgendaItem]:
    """The draft agenda: opening, adoption of the agenda, approval of the previous
    minutes when pending, action items due by this meeting (overdue ones included),
    standing items, items proposed by members, and the date of the next meeting."""
    titles: list[tuple[str, list[str]]] = [("Opening remarks by the President", []), ("Adoption of the agenda", [])]
    if minutes_pending:
        titles.append((f"Approval of the minutes of {minutes_pending:%-d %B %Y}", []))
    due = sorted((a for a in open_actions if a.due <= meeting), key=lambda a: (a.due, a.workflow_id))
    if due:
        titles.append(("Follow-up of action items", [
            f"{a.owner}: {a.text} (due {a.due.isoformat()}{', overdue' if a.due < meeting else ''})" for a in due]))
    titles += [(item, []) for item in standing]
    titles += [(item, ["proposed by a member"]) for item in proposed]
    titles.append(("Date of the next meeting", []))
    return [AgendaItem(number=i, title=t, details=d) for i, (t, d) in enumerate(titles, start=1)]


# --- action items ------------------------------------------------------------------------
class ActionItemInput(BaseModel):
    owner: str = Field(description="a State (alpha-3) or an office")
    text: str = Field(min_length=1)
    due: date
    source: str = Field(description="where it was decided: a meeting or a plan step")
    number: int = Field(ge=1)
    reminder_days: list[int] = Field(default_factory=lambda: [7, 1])

    @model_validator(mode="after")
    def _text(self) -> ActionItemInput:
        if not self.text.strip():
            raise ValueError("the action needs a text")
        return self


def action_id(source: str, number: int) -> str:
    return f"action-{source}-{number}"


class Complete(BaseModel):
    note: str = ""
    actor: str = ""
    office: str = ""


class Extend(BaseModel):
    new_due: date
    reason: str
    actor: str = ""
    office: str = ""


class Reassign(BaseModel):
    owner: str
    actor: str = ""
    office: str = ""


class CancelAction(BaseModel):
    reason: str
    actor: str = ""
    office: str = ""


class ActionItemStatus(BaseModel):
    workflow_id: str
    owner: str
    text: str
    due: date
    source: str
    stage: Literal["open", "overdue", "done", "cancelled"]
    reminders_sent: list[date]
    history: list[str]


def fold_open_actions(events) -> list[ActionSummary]:
    """Action items still open, from their `action.*` events in log order."""
    items: dict[str, ActionSummary] = {}
    for ev in events:
        p = ev.payload
        if ev.event_type == "action.created":
            items[ev.workflow_id] = ActionSummary(workflow_id=ev.workflow_id, owner=p["owner"], text=p["text"],
                                                  due=date.fromisoformat(p["due"]))
        elif ev.workflow_id not in items:
            continue
        elif ev.event_type == "action.extended":
            items[ev.workflow_id].due = date.fromisoformat(p["new_due"])
        elif ev.event_type == "action.reassigned":
            items[ev.workflow_id].owner = p["owner"]
        elif ev.event_type in {"action.completed", "action.cancelled"}:
            del items[ev.workflow_id]
    return list(items.values())


class AgendaFacts(BaseModel):
    """What the agenda needs from outside the meeting: open actions, pending minutes."""

    open_actions: list[ActionSummary]
    minutes_pending: date | None


# --- meeting commands ----------------------------------------------------------------------
PROPOSALS_CLOSE = time(18, 0)  # the cut-off day ends at 18:00 in Geneva
PRESIDENCY = {"president", "presidency"}


def proposals_close_at(day: date, working_days: int) -> datetime:
    return local_to_utc(working_days_before(day, working_days), PROPOSALS_CLOSE)


class Reschedule(BaseModel):
    schedule: Schedule
    proposals_close_at: datetime
    actor: str = ""
    office: str = ""


class CancelMeeting(BaseModel):
    reason: str
    actor: str = ""
    office: str = ""


class ProposeItem(BaseModel):
    title: str = Field(min_length=1)
    proposer: str = ""


class RecordAttendance(BaseModel):
    present: list[str]
    actor: str = ""
    office: str = ""


class AddActionItem(BaseModel):
    owner: str
    text: str = Field(min_length=1)
    due: date | None = Field(None, description="default: the next meeting")
    actor: str = ""
    office: str = ""


class SetNextMeeting(BaseModel):
    date: date


class CirculateMinutes(BaseModel):
    text: str = Field(min_length=1)
    actor: str = ""
    office: str = ""


class ApproveMinutes(BaseModel):
    actor: str = ""
    office: str = ""
    at_meeting: date | None = Field(None, description="the later meeting where they were approved")


def check_presidency(office: str, what: str) -> None:
    if office not in PRESIDENCY:
        raise Refusal(f"only the Presidency may {what}, not {office or 'an unnamed office'}")


class MeetingStatus(BaseModel):
    workflow_id: str
    stage: Literal["scheduled", "agenda_circulated", "held", "minutes_circulated", "minutes_approved", "cancelled"]
    schedule: Schedule
    sequence: int
    proposals_close_at: datetime
    proposals: list[ProposeItem]
    agenda: list[AgendaItem]
    attendance: list[str]
    minutes: str | None
    next_meeting: date | None
    action_items: list[str]
    participants: list[Participant]
    previous_meeting: date | None = None
    standing_items: list[str] = Field(default_factory=list)


def agenda_text(meeting: date, venue: str, agenda: list[AgendaItem]) -> str:
    lines = [f"Coordination Committee meeting, {meeting:%A %-d %B %Y}, {venue}", "", "Draft agenda", ""]
    for item in agenda:
        lines.append(f"{item.number}. {item.title}")
        lines += [f"   - {d}" for d in item.details]
    return "\n".join(lines) + "\n"
