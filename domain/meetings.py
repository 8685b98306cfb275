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
    proposal_cutoff_working_days: int = Field(3, ge=0, le=20)
    standing_items: list[str] = Field(default_factory=lambda: [
        "Updates from the Presidency", "Implementation of the ISU-CCM financial decision", "Update from the ISU-CCM"])


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
