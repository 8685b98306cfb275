"""Universalization campaigns: one per target State (id `campaign-{state}`).

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

The minutes of 4 November 2016 (item 5.2): the coordinators focus on eight States "that had
shown interest" (the first category: States that have not joined for administrative
reasons), the President engages the second (political or security concerns), and the
Presidency offers "travelling and/or writing letters to engage in a dialogue with target
States". A campaign holds that outreach (letters, visits, meetings, calls: each with its
day and who), reminds its coordinators a week before each Committee meeting it is told of
to report on it, and closes itself the day the State's accession or ratification is
recorded; or the coordinators close it with a reason.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from domain.offices import permit
from domain.process import (
    Acting,
    Action,
    CommandResult,
    Counters,
    Effect,
    Letter,
    Lines,
    Log,
    Message,
    ProcessInput,
    Reason,
    Refusal,
    Show,
    result_of,
)

Stage = Literal["open", "joined", "closed"]
Category = Literal["administrative", "political"]
OutreachKind = Literal["letter", "visit", "meeting", "call", "workshop"]
REMINDER_DAYS = 7  # the coordinators are reminded this long before each Committee meeting
REMINDER_TIME = time(8, 0)


def campaign_id(state: str) -> str:
    return f"campaign-{state}"


class CampaignInput(ProcessInput):
    state: str = Field(pattern=r"^[A-Z]{3}$")
    state_name: str = ""
    category: Category
    coordinator: str = Field(min_length=1, max_length=100, description="who leads it: an office or a State")
    target: str = Field("", max_length=100, description="the universalization target it serves")
    meetings: list[date] = Field(default_factory=list, max_length=100, description="Committee meetings known now")


class RecordOutreach(Acting):
    kind: OutreachKind
    day: date
    note: Lines = Field(min_length=1, max_length=2_000)


class NoteMeeting(Acting):
    """A Committee meeting scheduled: the coordinators report on the campaign at it."""

    day: date


class Joined(Acting):
    """The State's accession or ratification recorded in the registry."""

    event: Literal["accession", "ratification"]
    deposited: date


class CloseCampaign(Acting):
    reason: Reason


class SendLetter(Acting):
    """The President's letter to the State's head of mission, drawn and sent by the worker
    in the State's language (`activities/templates/letters/*/outreach_letter.typ`)."""

    language: Literal["en", "fr", "es"] = "en"
    signed: bool = Field(False, description="the State has signed: it is asked to ratify, else to accede")


class Outreach(BaseModel):
    kind: OutreachKind
    day: date
    by: str
    note: str


class CampaignStatus(BaseModel):
    workflow_id: str
    state: str
    category: Category
    coordinator: str
    target: str
    stage: Stage
    outreach: list[Outreach]
    meetings: list[date]
    reminded: list[date]
    joined: date | None
    next_action_at: datetime | None


class Campaign(Counters):
    input: CampaignInput
    workflow_id: str
    since: datetime = Field(description="reminders due before this are not sent late")
    stage: Stage = "open"
    outreach: list[Outreach] = Field(default_factory=list)
    meetings: list[date] = Field(default_factory=list)
    reminded: list[date] = Field(default_factory=list, description="the meetings its coordinators were reminded of")
    joined: date | None = None

    @classmethod
    def new(cls, input: CampaignInput, workflow_id: str, now: datetime) -> Campaign:
        return cls(input=input, workflow_id=workflow_id, since=now, meetings=sorted(set(input.meetings)))

    @property
    def finished(self) -> bool:
        return self.stage != "open"

    @property
    def subject(self) -> str:
        return self.input.state

    @property
    def name(self) -> str:
        return self.input.state_name or self.input.state

    def _show(self) -> Show:
        return Show(state=self.input.state, stage=self.stage, owner=self.input.coordinator, theme="universalization")

    def _log(self, key: str, event_type: str, cmd: Acting | None = None, **payload: Any) -> Log:
        by = {"actor": cmd.actor, "office": cmd.office} if cmd else {}
        return Log(key=key, event_type=event_type, payload=payload, **by)

    # --- the timeline ---------------------------------------------------------------------
    def start(self) -> list[Effect]:
        i = self.input
        return [
            self._show(),
            self._log(
                "started",
                "campaign.started",
                category=i.category,
                coordinator=i.coordinator,
                target=i.target,
                meetings=[d.isoformat() for d in self.meetings],
            ),
        ]

    def next_action(self) -> Action | None:
        """A reminder a week before each meeting not yet reminded of, never sent late."""
        if self.finished:
            return None
        for meeting in self.meetings:
            at = datetime.combine(meeting - timedelta(days=REMINDER_DAYS), REMINDER_TIME, tzinfo=self.since.tzinfo)
            if meeting not in self.reminded and at >= self.since:
                return Action(key=f"reminder-{meeting.isoformat()}", at=at, description=f"remind before {meeting}")
        return None

    def fire(self, action: Action, now: datetime, facts: object = None) -> list[Effect]:
        meeting = date.fromisoformat(action.key.removeprefix("reminder-"))
        self.reminded.append(meeting)
        done = "; ".join(f"{o.day} {o.kind} ({o.by})" for o in self.outreach[-3:]) or "none recorded yet"
        return [
            Message(
                key=action.key,
                event_type="campaign.reminder_sent",
                subject_line=f"Universalization: {self.name}, for the meeting of {meeting.isoformat()}",
                body=(
                    f"To the coordinators ({self.input.coordinator}): the Coordination Committee meets on "
                    f"{meeting.isoformat()}. Please report on the campaign for {self.name} "
                    f"({self.input.category} category). Latest outreach: {done}.\n"
                ),
                payload={"meeting": meeting.isoformat(), "coordinator": self.input.coordinator},
            )
        ]

    # --- commands --------------------------------------------------------------------------
    def authorize(self, command: str, cmd: Acting) -> None:
        permit("campaign", command, cmd.office, owner=self.input.coordinator)

    def _check_open(self) -> None:
        if self.finished:
            raise Refusal(f"the campaign for {self.name} is {self.stage}")

    def check_outreach(self, cmd: RecordOutreach, today: date) -> None:
        self._check_open()
        if cmd.day > today:
            raise Refusal(f"outreach is recorded once made: {cmd.day.isoformat()} is after today")

    def record_outreach(self, cmd: RecordOutreach, today: date) -> list[Effect]:
        self.check_outreach(cmd, today)
        self.outreach.append(Outreach(kind=cmd.kind, day=cmd.day, by=cmd.office, note=cmd.note))
        return [
            self._log(
                self.change_key("outreach"),
                "campaign.outreach_recorded",
                cmd,
                kind=cmd.kind,
                day=cmd.day.isoformat(),
                note=cmd.note,
            )  # fmt: skip
        ]

    def check_letter(self, cmd: SendLetter) -> None:
        self._check_open()

    def send_letter(self, cmd: SendLetter, today: date) -> list[Effect]:
        """The letter, and the outreach it is (its number among the campaign's letters)."""
        self.check_letter(cmd)
        number = sum(1 for o in self.outreach if o.kind == "letter" and o.by == "president") + 1
        self.outreach.append(
            Outreach(
                kind="letter",
                day=today,
                by="president",
                note=f"The President's letter to the head of mission ({number})",
            )
        )
        return [
            Letter(
                key=self.change_key("letter"),
                event_type="campaign.letter_sent",
                actor=cmd.actor,
                office=cmd.office,
                letter="outreach_letter",
                language=cmd.language,
                payload={"has_signed": cmd.signed},
                context={
                    "year": today.year,
                    "category": self.input.category,
                    "signed": cmd.signed,
                    "letter_number": number,
                },
            )
        ]

    def check_meeting(self, cmd: NoteMeeting) -> None:
        self._check_open()
        if cmd.day in self.meetings:
            raise Refusal(f"the meeting of {cmd.day.isoformat()} is already noted")

    def note_meeting(self, cmd: NoteMeeting) -> list[Effect]:
        self.check_meeting(cmd)
        self.meetings = sorted([*self.meetings, cmd.day])
        return [self._log(self.change_key("meeting"), "campaign.meeting_noted", cmd, day=cmd.day.isoformat())]

    def check_joined(self, cmd: Joined) -> None:
        self._check_open()

    def join(self, cmd: Joined, now: datetime) -> list[Effect]:
        self.check_joined(cmd)
        self.stage, self.joined = "joined", cmd.deposited
        return [
            self._show(),
            self._log("joined", "campaign.joined", cmd, event=cmd.event, deposited=cmd.deposited.isoformat()),
        ]

    def check_close(self, cmd: CloseCampaign) -> None:
        self._check_open()

    def close(self, cmd: CloseCampaign) -> list[Effect]:
        self.check_close(cmd)
        self.stage = "closed"
        return [self._show(), self._log("closed", "campaign.closed", cmd, reason=cmd.reason)]

    # --- reading ---------------------------------------------------------------------------
    def status(self) -> CampaignStatus:
        action = self.next_action()
        i = self.input
        return CampaignStatus(
            workflow_id=self.workflow_id,
            state=i.state,
            category=i.category,
            coordinator=i.coordinator,
            target=i.target,
            stage=self.stage,
            outreach=self.outreach,
            meetings=self.meetings,
            reminded=self.reminded,
            joined=self.joined,
            next_action_at=action.at if action else None,
        )

    def result(self, effects: list[Any]) -> CommandResult:
        return result_of(self.workflow_id, self.stage, effects, {"state": self.input.state})
