"""Action items: one piece of work with an owner and a due date (id `action-{source}-{n}`).

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

Reminders go out 7 days and 1 day before the due date (08:00 UTC); after it the item is
`overdue` (and stays on the next agenda) until it is done, extended, reassigned to
someone who finishes it, or cancelled. Reminders that fell due before the item existed,
or before its due date last moved, are not sent late."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from domain.office_holders import Alpha3, coordinators, term_on
from domain.offices import office_in_words, permit
from domain.process import (
    Acting,
    Action,
    CommandResult,
    Counters,
    Effect,
    Lines,
    Log,
    Message,
    ProcessInput,
    Reason,
    Refusal,
    Short,
    Show,
    reminder_timeline,
    result_of,
)
from domain.schedule import geneva_date
from domain.schedule import utc_midnight as midnight

Stage = Literal["open", "overdue", "done", "cancelled"]


def action_id(source: str, number: int) -> str:
    return f"action-{source}-{number}"


# The commands whose run closes an action item that names them (`fulfilled_by`):
# `escalation:2016`, the President's letters of 2016 (`ccm chase escalate --year 2016
# --all-unpaid`); `plan:<concept note id>`, that note's operational plan approved (`ccm
# plan approve`).
FULFILLED_BY = r"^(escalation:\d{4}|plan:concept-note-\d+(MSP|RC)-[a-z0-9-]+)$"


def escalation_of(year: int) -> str:
    return f"escalation:{year}"


def plan_of(note_id: str) -> str:
    return f"plan:{note_id}"


class ActionItemInput(ProcessInput):
    owner: str = Field(description="a State (alpha-3) or an office")
    text: Lines = Field(min_length=1, max_length=2_000)
    due: date
    source: str = Field(description="where it was decided: a meeting or a plan step")
    number: int = Field(ge=1)
    reminder_days: list[int] = Field(default_factory=lambda: [7, 1])
    fulfilled_by: str | None = Field(
        None, pattern=FULFILLED_BY, description="the command whose run closes it (`escalation:2016`, `plan:<note>`)"
    )
    coordinators: list[Alpha3] | None = Field(
        None,
        max_length=4,
        description="for an item a theme's coordinators own: who they are (default: those in office on its due "
        "date, from the shipped data)",
    )

    @model_validator(mode="after")
    def _text(self) -> ActionItemInput:
        if not self.text.strip():
            raise ValueError("the action needs a text")
        return self


def action_summary(inp: ActionItemInput) -> tuple[str, str]:
    return (
        f"Action: {inp.text[:120]} — {inp.owner}, due {inp.due.isoformat()}",
        f"Decided by {inp.source} (item {inp.number}); reminders {', '.join(map(str, inp.reminder_days))} "
        "days before the due date." + (f" Closed when {inp.fulfilled_by} runs." if inp.fulfilled_by else ""),
    )


class Complete(Acting):
    note: Reason = ""


class Fulfil(Acting):
    """The command the item names has run: the item is done, with a reference to it."""

    by: str = Field(pattern=FULFILLED_BY)
    reference: Reason = Field(min_length=1, description="what the command did: `12 President's letters for 2016`")


class Extend(Acting):
    new_due: date
    reason: Reason


class Reassign(Acting):
    owner: Short


class CancelAction(Acting):
    reason: Reason


class ActionItemStatus(BaseModel):
    workflow_id: str
    owner: str
    text: str
    due: date
    source: str
    stage: Stage
    reminders_sent: list[date]
    history: list[str]
    fulfilled_by: str | None = None


class ActionItem(Counters):
    input: ActionItemInput
    workflow_id: str
    since: datetime = Field(description="reminders due before this are not sent late")
    owner: str
    due: date
    stage: Stage = "open"
    reminders_sent: list[date] = Field(default_factory=list)
    history: list[str] = Field(default_factory=list, description="`<date> <event>` lines, oldest first")

    @classmethod
    def new(cls, input: ActionItemInput, workflow_id: str, now: datetime) -> ActionItem:
        return cls(input=input, workflow_id=workflow_id, since=now, owner=input.owner, due=input.due)

    @property
    def finished(self) -> bool:
        return self.stage in ("done", "cancelled")

    @property
    def subject(self) -> str:
        return self.owner

    def _show(self) -> Show:
        return Show(owner=self.owner, stage=self.stage, due=midnight(self.due))

    def _log(self, now: datetime, key: str, event_type: str, cmd: Acting | None = None, **payload: Any) -> Log:
        self.history.append(f"{geneva_date(now).isoformat()} {event_type.removeprefix('action.')}")
        return Log(
            key=key,
            event_type=event_type,
            actor=cmd.actor if cmd else "",
            office=cmd.office if cmd else "",
            payload=payload,
        )

    # --- the timeline ---------------------------------------------------------------------
    def start(self) -> list[Effect]:
        return [
            self._show(),
            self._log(
                self.since,
                "created",
                "action.created",
                owner=self.owner,
                text=self.input.text,
                due=self.input.due.isoformat(),
                source=self.input.source,
            ),
        ]

    def next_action(self) -> Action | None:
        """A reminder not yet sent for the current due date, or the moment it is overdue."""
        if self.stage != "open":
            return None
        return reminder_timeline(
            self.due, self.input.reminder_days, self.since, lambda _, day: day in self.reminders_sent, self.owner
        )

    def fire(self, action: Action, now: datetime, facts: object = None) -> list[Effect]:
        if action.key == "overdue":
            self.stage = "overdue"
            return [
                self._show(),
                self._log(now, self.change_key("overdue"), "action.overdue", due=self.due.isoformat()),
            ]
        days = int(action.key.split("-")[1].removesuffix("d"))
        self.reminders_sent.append(self.due - timedelta(days=days))
        self.history.append(f"{geneva_date(now).isoformat()} reminder_sent")
        body = (
            f'Reminder: the action "{self.input.text}" ({self.input.source}) assigned to {self._owner_words()} '
            f"is due on {self.due.isoformat()}.\n\nImplementation Support Unit, Convention on Cluster Munitions\n"
        )
        return [
            Message(
                key=action.key,
                event_type="action.reminder_sent",
                payload={"due": self.due.isoformat()},
                subject_line=f"Action item due {self.due.isoformat()}: {self.input.text}",
                body=body,
            )
        ]

    # --- commands --------------------------------------------------------------------------
    def authorize(self, command: str, cmd: Acting) -> None:
        permit("action_item", command, cmd.office, owner=self.owner, coordinators=self._coordinators())

    def _coordinators(self) -> list[str] | None:
        """When a theme's coordinators own the item, who they are: those it was started with,
        else those in office on its due date (`domain.office_holders`)."""
        if not self.owner.startswith("coordinator:"):
            return None
        if self.owner == self.input.owner and self.input.coordinators is not None:
            return self.input.coordinators
        return coordinators(term_on(self.due), self.owner.removeprefix("coordinator:"))

    def _owner_words(self) -> str:
        """`ITA`, or `the coordinators of Victim Assistance (IRL, ITA)`."""
        held = self._coordinators()
        if held is None:
            return self.owner
        return f"{office_in_words(self.owner)} ({', '.join(held) or 'the Presidency'})"

    def _check_open(self) -> None:
        if self.finished:
            raise Refusal(f"the action item is {self.stage}")

    def _change(self, now: datetime, event_type: str, cmd: Acting, **payload: Any) -> list[Effect]:
        name = event_type.removeprefix("action.")
        key = f"{name}-{sum(1 for h in self.history if h.endswith(name)) + 1}"
        return [self._show(), self._log(now, key, event_type, cmd, **payload)]

    def check_complete(self, cmd: Complete) -> None:
        self._check_open()

    def complete(self, cmd: Complete, now: datetime) -> list[Effect]:
        self.check_complete(cmd)
        self.stage = "done"
        return self._change(now, "action.completed", cmd, note=cmd.note)

    def check_fulfil(self, cmd: Fulfil) -> None:
        self._check_open()
        if cmd.by != self.input.fulfilled_by:
            raise Refusal(f"the action item is fulfilled by {self.input.fulfilled_by or 'no command'}, not {cmd.by}")

    def fulfil(self, cmd: Fulfil, now: datetime) -> list[Effect]:
        self.check_fulfil(cmd)
        self.stage = "done"
        return self._change(now, "action.completed", cmd, note=cmd.reference, fulfilled_by=cmd.by)

    def check_extend(self, cmd: Extend, today: date) -> None:
        self._check_open()
        if cmd.new_due <= today:
            raise Refusal(f"the new due date {cmd.new_due.isoformat()} must be after today")
        if not cmd.reason.strip():
            raise Refusal("a reason is required")

    def extend(self, cmd: Extend, now: datetime) -> list[Effect]:
        self.check_extend(cmd, geneva_date(now))
        self.due, self.stage, self.since = cmd.new_due, "open", now
        return self._change(now, "action.extended", cmd, new_due=cmd.new_due.isoformat(), reason=cmd.reason)

    def check_reassign(self, cmd: Reassign) -> None:
        self._check_open()
        if cmd.owner == self.owner:
            raise Refusal(f"the action item is already assigned to {cmd.owner}")

    def reassign(self, cmd: Reassign, now: datetime) -> list[Effect]:
        self.check_reassign(cmd)
        previous, self.owner = self.owner, cmd.owner
        return self._change(now, "action.reassigned", cmd, owner=cmd.owner, previous=previous)

    def check_cancel(self, cmd: CancelAction) -> None:
        self._check_open()
        if not cmd.reason.strip():
            raise Refusal("a reason is required")

    def cancel(self, cmd: CancelAction, now: datetime) -> list[Effect]:
        self.check_cancel(cmd)
        self.stage = "cancelled"
        return self._change(now, "action.cancelled", cmd, reason=cmd.reason)

    # --- reading ---------------------------------------------------------------------------
    def status(self) -> ActionItemStatus:
        return ActionItemStatus(
            workflow_id=self.workflow_id,
            owner=self.owner,
            text=self.input.text,
            due=self.due,
            source=self.input.source,
            stage=self.stage,
            reminders_sent=self.reminders_sent,
            history=self.history,
            fulfilled_by=self.input.fulfilled_by,
        )

    def result(self, effects: list[Any]) -> CommandResult:
        return result_of(self.workflow_id, self.stage, effects, {"owner": self.owner, "due": self.due.isoformat()})
