"""ActionItem: one piece of work with an owner and a due date (id `action-{source}-{n}`).

Reminders go out 7 days and 1 day before the due date; after it the stage becomes
`overdue` (and the item stays on the next agenda) until it is done, extended,
reassigned to someone who finishes it, or cancelled."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta, timezone

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.records import LetterOutcome, MessageRequest
    from domain.meetings import ActionItemInput, ActionItemStatus, CancelAction, Complete, Extend, Reassign

from workflows.common import ACTIVITY_OPTIONS, CCM_DUE, CCM_OWNER, CCM_STAGE, new_event, record

REMINDER_TIME = time(8, 0, tzinfo=timezone.utc)


def _refuse(message: str):
    raise ApplicationError(message, type="Refusal", non_retryable=True)


@workflow.defn
class ActionItem:
    @workflow.init
    def __init__(self, input: ActionItemInput) -> None:
        self.input = input
        self.owner = input.owner
        self.due = input.due
        self.stage = "open"
        self.reminders_sent: list = []
        self.history: list[str] = []
        self.changed = False
        self.since = workflow.now()  # reminders due before this are not sent late
        self.started = False  # a command that arrives with the start waits for `created`
        self.lock = asyncio.Lock()

    def _due_end(self) -> datetime:
        return datetime.combine(self.due + timedelta(days=1), time(0, tzinfo=timezone.utc))

    def _next(self) -> tuple[str, datetime] | None:
        """The next timer: a reminder not yet sent for the current due date, or overdue."""
        if self.stage != "open":
            return None
        for days in sorted(self.input.reminder_days, reverse=True):
            day = self.due - timedelta(days=days)
            at = datetime.combine(day, REMINDER_TIME)
            if at > self.since and day not in self.reminders_sent:
                return f"reminder-{days}d-{self.due.isoformat()}", at
        return "overdue", self._due_end()

    def _attributes(self) -> None:
        workflow.upsert_search_attributes([
            CCM_OWNER.value_set(self.owner), CCM_STAGE.value_set(self.stage),
            CCM_DUE.value_set(datetime.combine(self.due, time(0, tzinfo=timezone.utc)))])

    async def _log(self, key: str, event_type: str, actor: str = "", office: str = "", **payload) -> None:
        self.history.append(f"{workflow.now().date().isoformat()} {event_type.removeprefix('action.')}")
        await record(new_event(key, event_type, self.owner, actor=actor, office=office, payload=payload))

    @workflow.run
    async def run(self, input: ActionItemInput) -> ActionItemStatus:
        async with self.lock:
            self._attributes()
            await self._log("created", "action.created", owner=self.owner, text=input.text,
                            due=input.due.isoformat(), source=input.source)
            self.started = True
        while self.stage in ("open", "overdue"):
            nxt = self._next()
            self.changed = False
            if nxt is None:  # overdue: wait for a command
                await workflow.wait_condition(lambda: self.changed)
                continue
            key, at = nxt
            try:
                await workflow.wait_condition(lambda: self.changed, timeout=max(at - workflow.now(), timedelta(0)))
                continue
            except TimeoutError:
                pass
            async with self.lock:
                if self._next() != nxt:  # a command changed the plan meanwhile
                    continue
                if key == "overdue":
                    self.stage = "overdue"
                    self._attributes()
                    await self._log(f"overdue-{self.due.isoformat()}", "action.overdue", due=self.due.isoformat())
                else:
                    self.reminders_sent.append(self.due - timedelta(days=int(key.split("-")[1][:-1])))
                    await self._remind(key)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    async def _remind(self, key: str) -> None:
        self.history.append(f"{workflow.now().date().isoformat()} reminder_sent")
        event = new_event(key, "action.reminder_sent", self.owner, payload={"due": self.due.isoformat()})
        body = (f"Reminder: the action \"{self.input.text}\" ({self.input.source}) assigned to {self.owner} "
                f"is due on {self.due.isoformat()}.\n\nImplementation Support Unit, Convention on Cluster Munitions\n")
        request = MessageRequest(event=event, subject=f"Action item due {self.due.isoformat()}: {self.input.text}",
                                 body=body)
        await workflow.execute_activity("send_message", request, result_type=LetterOutcome, **ACTIVITY_OPTIONS)

    def _check_open(self) -> None:
        if self.stage not in ("open", "overdue"):
            _refuse(f"the action item is {self.stage}")

    @workflow.query
    def status(self) -> ActionItemStatus:
        return ActionItemStatus(workflow_id=workflow.info().workflow_id, owner=self.owner, text=self.input.text,
                                due=self.due, source=self.input.source, stage=self.stage,
                                reminders_sent=self.reminders_sent, history=self.history)

    async def _change(self, event_type: str, cmd, **payload) -> ActionItemStatus:
        await workflow.wait_condition(lambda: self.started)
        async with self.lock:
            self._check_open()
            self.changed = True
            name = event_type.removeprefix("action.")
            key = f"{name}-{sum(1 for h in self.history if h.endswith(name)) + 1}"
            if event_type in ("action.completed", "action.cancelled"):
                self.stage = "done" if event_type == "action.completed" else "cancelled"
            elif event_type == "action.extended":
                self.due, self.stage, self.since = cmd.new_due, "open", workflow.now()
            elif event_type == "action.reassigned":
                self.owner = cmd.owner
            self._attributes()
            await self._log(key, event_type, cmd.actor, cmd.office, **payload)
        return self.status()

    @workflow.update
    async def complete(self, cmd: Complete) -> ActionItemStatus:
        return await self._change("action.completed", cmd, note=cmd.note)

    @complete.validator
    def _check_complete(self, cmd: Complete) -> None:
        self._check_open()

    @workflow.update
    async def extend(self, cmd: Extend) -> ActionItemStatus:
        return await self._change("action.extended", cmd, new_due=cmd.new_due.isoformat(), reason=cmd.reason)

    @extend.validator
    def _check_extend(self, cmd: Extend) -> None:
        self._check_open()
        if cmd.new_due <= workflow.now().date():
            _refuse(f"the new due date {cmd.new_due.isoformat()} must be after today")
        if not cmd.reason.strip():
            _refuse("a reason is required")

    @workflow.update
    async def reassign(self, cmd: Reassign) -> ActionItemStatus:
        return await self._change("action.reassigned", cmd, owner=cmd.owner, previous=self.owner)

    @reassign.validator
    def _check_reassign(self, cmd: Reassign) -> None:
        self._check_open()
        if cmd.owner == self.owner:
            _refuse(f"the action item is already assigned to {cmd.owner}")

    @workflow.update
    async def cancel(self, cmd: CancelAction) -> ActionItemStatus:
        return await self._change("action.cancelled", cmd, reason=cmd.reason)

    @cancel.validator
    def _check_cancel(self, cmd: CancelAction) -> None:
        self._check_open()
        if not cmd.reason.strip():
            _refuse("a reason is required")
