"""The skeleton every process workflow shares.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

A process workflow holds one domain aggregate (`domain/chase.py` is the model) and does
three things with it: at the start it carries out `start()`'s effects; then it sleeps
until `next_action()` is due, or until a command changes the plan, and carries out
`fire()`'s effects; a command is checked (`check_x`, in the update's validator, so a
refused command changes nothing and leaves no trace in the history), applied (`x`) and
its effects carried out, one command at a time under one lock. Each process workflow is
then only its handler declarations.

Long-lived runs continue as new past a bound of history events, handing the aggregate on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from temporalio import workflow
from temporalio.common import SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError, FailureError, WorkflowAlreadyStartedError
from temporalio.workflow import ContinueAsNewVersioningBehavior, ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from domain.action_items import action_summary
    from domain.contract import (
        DeliveryRequest,
        LetterOutcome,
        LetterRequest,
        MessageRequest,
        PageRequest,
        RebuildRequest,
        StartCheck,
    )
    from domain.event_types import check_payload
    from domain.events import NewEvent
    from domain.process import (
        SYSTEM,
        UNNAMED,
        Acting,
        Action,
        Aggregate,
        CommandResult,
        Letter,
        Log,
        Message,
        ProcessInput,
        Publish,
        Refusal,
        Show,
        StartActionItem,
        Started,
    )

from workflows.common import (
    CCM_DUE,
    CCM_OWNER,
    CCM_STAGE,
    CCM_STATE,
    CCM_THEME,
    CCM_YEAR,
    DELIVERY_OPTIONS,
    Activities,
    call,
    count_refusal,
    new_event,
    record,
    record_all,
    write_letter,
)

T = TypeVar("T")


def refused(check: Callable[[], T]) -> T:
    """Run a domain check; a refusal becomes an ApplicationError the caller reads (and
    that does not retry: retrying cannot make a refused command acceptable)."""
    try:
        return check()
    except Refusal as e:
        count_refusal(e.code)
        raise ApplicationError(str(e), type=e.code, non_retryable=True) from None


# An obligation waits up to fifteen years: each run hands the process on to a new one on its
# anniversary, so that the code a run replays is never more than a year old.
RUN_LIFETIME = timedelta(days=365)

SCHEDULED_BY = SearchAttributeKey.for_keyword("TemporalScheduledById")  # set on runs a Schedule starts


async def check_started(inp: Started, authorize: Callable[[Acting], None]) -> None:
    """Who started a workflow (`domain.process.Started`) may (`authorize`, the office
    table), and proved it where signatures are required; refused, the workflow fails
    before anything is written. A workflow started by another (an action item of a
    meeting, a chase of the annual cycle) was checked with its parent, and one started by a
    Schedule when the schedule was made."""
    info = workflow.info()
    if info.parent is not None or info.typed_search_attributes.get(SCHEDULED_BY) is not None:
        return
    if getattr(inp, "parent_proof", None):  # the plain `temporal` CLI can send one: it would pass for proof
        raise ApplicationError(
            "a parent's signed start is handed on only by that parent, never in a start",
            type="bad_start",
            non_retryable=True,
        )
    by = inp.started_by
    if by is not None:
        refused(lambda: authorize(by))
    await call(
        Activities.check_start,
        StartCheck(
            office=by.office if by else "", arguments=inp.signed_arguments(), signature=by.signature if by else None
        ),
    )


def start_proof(inp: Started) -> dict[str, Any] | None:
    """What a run's own events record of its signed start (`payload["signed"]`, checked by
    `audit verify --signatures`): its starter's signature over its input, under its own id;
    for a run another started, that run's (`parent_proof`). None where no one signed."""
    if inp.parent_proof:
        return inp.parent_proof
    by = inp.started_by
    if by is None or by.signature is None:
        return None
    s, run = by.signature, workflow.info().workflow_id
    return {
        "fingerprint": s.fingerprint,
        "signature": s.signature,
        "signed_at": s.signed_at.isoformat(),
        "update": "start",
        "update_id": run,
        "workflow_id": run,
        "office": by.office,
        "actor": by.actor,
        "arguments": inp.signed_arguments(),
    }


def starter(inp: Started) -> dict[str, Any]:
    """Who a run's own events name (`actor`, `office`): who started it; `system` for a run
    a parent or a Schedule started with no one named; `unnamed` for a start sent straight
    to Temporal that named no one (only where signatures are not required)."""
    by = inp.started_by
    if by is not None:
        return {"actor": by.actor, "office": by.office}
    info = workflow.info()
    by_system = info.parent is not None or info.typed_search_attributes.get(SCHEDULED_BY) is not None
    return {"actor": SYSTEM if by_system else UNNAMED}


def validate_json(process_type: type[P], text: str) -> P:
    """An aggregate from its JSON (a snapshot handed on, or rebuilt): each is a pydantic model."""
    model: Any = process_type
    return model.model_validate_json(text)  # type: ignore[no-any-return]


def _when(action: Action | None) -> tuple[str, datetime] | None:
    """What the timer waits for: an action's key and time (its description may change)."""
    return (action.key, action.at) if action else None


P = TypeVar("P", bound=Aggregate)


class ProcessWorkflow(Generic[P]):
    process: P  # the domain aggregate

    def _begin(self, input: ProcessInput, process_type: type[P], new: Callable[[], P]) -> None:
        """Called from `@workflow.init`: the aggregate, new or handed on by the last run."""
        self.process = new() if input.snapshot is None else validate_json(process_type, input.snapshot)
        self.continue_after = input.continue_after
        self.resumed = input.snapshot is not None
        self.lock = asyncio.Lock()  # commands and timers act one at a time, in order
        self.started = False  # a command that arrives with the start waits for its effects
        self.replan = False
        self.shown_stage = ""
        self.listed: dict[str, Any] | None = None  # the row last kept in the memo (`_list`)
        self.deliveries: list[asyncio.Task[None]] = []  # letters and messages on their way, beside the lock
        self.letters: list[asyncio.Task[None]] = []  # letters being drawn, beside the lock

    # --- the run ----------------------------------------------------------------------------
    async def _run(self) -> None:
        """The process to its end; the subclass's `run` answers its status."""
        if self.resumed and workflow.info().continued_run_id is None:
            # A snapshot is handed on by continue-as-new only: one in a start (the plain
            # `temporal` CLI can send any) would skip every check of the start.
            raise ApplicationError(
                "a process's state is handed on only by its own run continuing as new, never in a start",
                type="bad_start",
                non_retryable=True,
            )
        async with self.lock:
            if not self.resumed and self.process.input.generation > 1:
                await self._rebuild()
            elif not self.resumed:
                await self._check_start()
                await self._carry_out(self._as_started(refused(self.process.start)))
            self.started = True
        while not self.process.finished:
            if self._must_continue():
                await workflow.wait_condition(workflow.all_handlers_finished)
                await self._deliveries_done()
                snapshot = self.process.model_dump_json()
                # Under Worker Versioning the next run starts on the deployment's current version.
                workflow.continue_as_new(
                    self.process.input.model_copy(update={"snapshot": snapshot}),
                    initial_versioning_behavior=ContinueAsNewVersioningBehavior.AUTO_UPGRADE,
                )
            action = self.process.next_action()
            self.replan = False
            # Wake for the action, or on the run's anniversary, whichever comes first.
            wake = self._run_ends_at() if action is None else min(action.at, self._run_ends_at())
            if wake > workflow.now():
                try:
                    await workflow.wait_condition(
                        lambda: self.replan or self._must_continue(), timeout=wake - workflow.now()
                    )
                    continue  # a command changed the plan, or the run must continue as new
                except TimeoutError:
                    if action is None or action.at > workflow.now():
                        continue  # the anniversary: continue as new, then wait on
            async with self.lock:
                current = self.process.next_action()
                if current is None or _when(current) != _when(action) or current.at > workflow.now():
                    continue  # a command moved it while we waited for the lock
                facts = await call(Activities.agenda_facts, current.needs) if current.needs else None
                await self._carry_out(self.process.fire(current, workflow.now(), facts))
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._deliveries_done()

    async def _check_start(self) -> None:
        await check_started(self.process.input, lambda by: self.process.authorize("start", by))

    async def _rebuild(self) -> None:
        """A new generation of a run that could no longer run: checked as a start, then its
        state folded by the worker from the event log (`domain.rebuild`); nothing it
        already sent goes out again, and what fell due meanwhile goes out now."""
        await self._check_start()
        rebuilt = await call(Activities.rebuild_process, RebuildRequest(input=self.process.input.model_dump_json()))
        self.process = validate_json(type(self.process), rebuilt.snapshot)
        by = self.process.input.started_by
        await self._carry_out(
            [
                Log(
                    key="rebuilt",
                    event_type=rebuilt.event_type,
                    actor=by.actor if by else "",
                    office=by.office if by else "",
                    payload=rebuilt.payload,
                )
            ]
        )

    def _key(self, key: str) -> str:
        """An effect's key in this run's generation (`<id>/g2/receipt-4` after a rebuild)."""
        generation = self.process.input.generation
        return key if generation == 1 else f"g{generation}/{key}"

    @workflow.update(description="Answers once the start's checks and effects are done.")
    async def ready(self) -> CommandResult:
        """Answers once the start's checks and effects are done: a command that starts a
        process waits for it, so that a refused start is said in one line."""
        await self._wait_for_start()
        return self.process.result([])

    @workflow.query(description="The process as a run hands it on when it continues as new (JSON).")
    def snapshot(self) -> str:
        """The aggregate as continue-as-new hands it to the next run: what a release's
        corpus records, so that a later release is tested to read it
        (`tests/workflows/test_replay.py`)."""
        return self.process.model_dump_json()

    @workflow.query(description="Letters asked for and not yet written (or held).")
    def letters_pending(self) -> int:
        """Letters asked for and not yet written (or held)."""
        return sum(1 for task in self.letters if not task.done())

    @workflow.update(description="Answers once every letter asked for so far is written (or held).")
    async def settled(self) -> int:
        """Answers once every letter asked for so far is drawn and written (or held): what
        a command that shows its letter, or a test that reads the outbox, waits for. The
        number of letters it waited for."""
        await self._wait_for_start()
        letters = list(self.letters)
        await workflow.wait_condition(lambda: all(task.done() for task in letters))
        return len(letters)

    def _run_ends_at(self) -> datetime:
        """This run's anniversary (`RUN_LIFETIME` after it started)."""
        return workflow.info().workflow_start_time + RUN_LIFETIME

    def _must_continue(self) -> bool:
        """Past its bound of history events, when Temporal suggests it, or on the run's
        anniversary: no run lives more than a year, so a release's code can be retired a
        year after its successor is deployed (docs/explanation/versioning.md)."""
        info = workflow.info()
        return (
            info.get_current_history_length() >= self.continue_after
            or info.is_continue_as_new_suggested()
            or workflow.now() >= self._run_ends_at()
        )

    # --- commands ---------------------------------------------------------------------------
    def _validate(self, command: str, cmd: Acting, check: Callable[[], object]) -> None:
        """An update's validator: the office may send it (`domain.offices.RULES`) and the
        process accepts it now (whoever signed it was checked just before, by the worker's
        `workflows.signing.SignedCommands`). Refused here, a command leaves no trace in the
        history."""
        refused(lambda: self.process.authorize(command, cmd))
        refused(check)

    async def _wait_for_start(self) -> None:
        await workflow.wait_condition(lambda: self.started)

    async def _command(self, apply: Callable[[], list[Any]]) -> CommandResult:
        await self._wait_for_start()
        async with self.lock:
            before = self.process.next_action()
            effects = refused(apply)  # refused before anything changed
            effects = self._with_signature(effects)
            # The timer waits again only when the command changed what it waits for.
            if self.process.finished or _when(self.process.next_action()) != _when(before):
                self.replan = True
            await self._carry_out(effects)
        return self.process.result(effects)

    def _as_started(self, effects: list[Any]) -> list[Any]:
        """The start's events name who started the process (a process started by another,
        or by a Schedule, says `system`), and record who signed the start, as a command's
        do: over the process's input, the run's id standing for the update's
        (`activities.records.check_start`)."""
        inp = self.process.input
        who = starter(inp)
        proof = start_proof(inp)
        extra = {"signed": proof} if proof else {}
        return [
            e.model_copy(update={"payload": e.payload | extra} | ({} if e.actor or e.office else who))
            if isinstance(e, Log)
            else e
            for e in effects
        ]

    def _with_signature(self, effects: list[Any]) -> list[Any]:
        """A signed command's events record what its signature proves (`workflows.signing`)."""
        info = workflow.current_update_info()
        signed = getattr(self, "signed_updates", {}).pop(info.id, None) if info else None
        if not signed:
            return effects
        proof = signed if "proved" in signed else {"signed": signed}
        return [
            e.model_copy(update={"payload": e.payload | proof}) if isinstance(e, (Log, Letter, Message, Publish)) else e
            for e in effects
        ]

    # --- effects ----------------------------------------------------------------------------
    async def _carry_out(self, effects: list[Any]) -> None:
        """Each effect in order; then the stage is shown if it changed. Events to log wait
        for the step's next message and are logged with it, in its transaction (one
        activity instead of two); a letter is drawn beside the lock, after them."""
        subject = self.process.subject
        for effect in effects:
            if isinstance(effect, (Log, Letter, Message, Publish)):
                # Each payload is its event type's model (`domain.event_types`) where it is made,
                # before any of the step's effects is carried out. A payload refused is a bug:
                # the workflow task fails (`ccm doctor` lists it) and nothing of the step is
                # written; the run goes on from its history once the code is fixed.
                check_payload(effect.event_type, effect.payload)
        waiting: list[NewEvent] = []
        for effect in effects:
            if isinstance(effect, Show):
                self._show(effect)
                continue
            if waiting and not isinstance(effect, (Log, Letter, Message)):
                await self._record_all(waiting)  # a page or a child: what came before is logged first
            if isinstance(effect, StartActionItem):
                # The item outlives this workflow: it stays open after this process ends.
                summary, details = action_summary(effect.input)
                try:
                    await workflow.start_child_workflow(
                        "ActionItem",
                        effect.input,
                        id=effect.id,
                        parent_close_policy=ParentClosePolicy.ABANDON,
                        static_summary=summary,
                        static_details=details,
                    )
                except WorkflowAlreadyStartedError:
                    pass  # it exists already: tracked either way, and the step is not half-applied
                continue
            key = self._key(effect.key)
            # An effect no one's command caused (a timer's reminder, an overdue step) is the
            # system's; a command that named no one (sent straight to Temporal) says so.
            event = new_event(
                key,
                effect.event_type,
                subject,
                actor=effect.actor or (UNNAMED if effect.office else SYSTEM),
                office=effect.office,
                payload=effect.payload,
            )
            if isinstance(effect, Log):
                waiting.append(event)
            elif isinstance(effect, Letter):
                # The command's events are logged before it answers; its letter is drawn
                # beside it, durably: the scheduled activity survives a crash in between.
                await self._record_all(waiting)
                letter = LetterRequest(
                    event=event, letter=effect.letter, language=effect.language, context=effect.context
                )
                task = asyncio.create_task(self._letter(key, letter))
                self.letters.append(task)
                self.deliveries.append(task)
            elif isinstance(effect, Message):
                message = MessageRequest(
                    event=event,
                    to=effect.to,
                    subject=effect.subject_line,
                    body=effect.body,
                    calendar=effect.calendar,
                    before=waiting,
                )
                waiting = []
                await self._send(key, Activities.write_message, message)
            elif isinstance(effect, Publish):
                await call(
                    Activities.publish_page,
                    PageRequest(event=event, template=effect.template, path=effect.path, context=effect.context),
                )
        await self._record_all(waiting)
        if self.process.stage != self.shown_stage:
            self._show(Show(stage=self.process.stage))
        workflow.set_current_details(self._details())
        self._list()

    def _list(self) -> None:
        """Keep the process's list row (where it has one: a chase's) in the run's memo, so
        that a year's chases list in one visibility call, with no query to each run."""
        if not hasattr(self.process, "row"):
            return
        row = self.process.row()
        if row != self.listed:
            workflow.upsert_memo({"row": row})
            self.listed = row

    def _details(self) -> str:
        """What the web UI shows as the run's current details, kept true after every command
        and timer: the stage, what the process holds (`details()`, where it has one) and its
        next action with the day it is due."""
        parts = [f"Stage: {self.process.stage.replace('_', ' ')}"]
        if hasattr(self.process, "details"):
            parts.append(self.process.details())
        action = self.process.next_action()
        parts.append(
            f"Next: {action.description}, {action.at.date().isoformat()} {action.at:%H:%M} UTC"
            if action
            else "Next: none timed"
        )
        return ". ".join(parts) + "."

    @staticmethod
    async def _record_all(waiting: list[NewEvent]) -> None:
        """The events waiting logged, in one transaction, and the list emptied."""
        events = waiting[:]
        waiting.clear()
        await record_all(events)

    async def _letter(self, key: str, request: LetterRequest) -> None:
        """Draw and write a letter (`write_letter`, on the letters' task queue); its delivery
        then runs beside it (a letter is written, and `settled`, before it is delivered)."""
        outcome = await write_letter(request)
        if outcome.delivery == "queued":
            self.deliveries.append(asyncio.create_task(self._deliver(key, request.event, outcome.message_id)))

    async def _send(
        self, key: str, write: Callable[[Activities, MessageRequest], LetterOutcome], request: MessageRequest
    ) -> None:
        """Write the message (and log it) under the lock; deliver it beside the workflow."""
        outcome = await call(write, request)
        if outcome.delivery == "queued":
            self.deliveries.append(asyncio.create_task(self._deliver(key, request.event, outcome.message_id)))

    async def _deliver(self, key: str, intent: NewEvent, message_id: str) -> None:
        kind = intent.event_type.split(".")[0]
        try:
            await workflow.execute_activity_method(
                Activities.deliver_message,
                DeliveryRequest(intent_key=intent.idempotency_key, event_type=f"{kind}.delivered"),
                **DELIVERY_OPTIONS,
            )
        except ActivityError as e:  # given up: the message stays in the outbox for `ccm outbox retry`
            cause = e.cause.message if isinstance(e.cause, FailureError) else str(e)
            await record(
                new_event(
                    f"{key}-delivery-failed",
                    f"{kind}.delivery_failed",
                    intent.subject,
                    payload={"message_id": message_id, "reason": cause},
                )
            )

    async def _deliveries_done(self) -> None:
        await workflow.wait_condition(lambda: all(task.done() for task in self.deliveries))

    def _show(self, show: Show) -> None:
        pairs: list[tuple[SearchAttributeKey[Any], Any]] = [
            (CCM_STAGE, show.stage),
            (CCM_STATE, show.state),
            (CCM_YEAR, show.year),
            (CCM_THEME, show.theme),
            (CCM_OWNER, show.owner),
            (CCM_DUE, show.due),
        ]
        updates = [key.value_set(value) for key, value in pairs if value is not None]
        workflow.upsert_search_attributes(updates)
        if show.stage is not None:
            self.shown_stage = show.stage
