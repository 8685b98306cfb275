"""What every ccm workflow shares: activity options and references, search attributes,
events of the running workflow.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypedDict, TypeVar

from temporalio import activity, workflow
from temporalio.common import RetryPolicy, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from domain.contract import (
        COUNTERS,
        SEARCH_ATTRIBUTES,
        AgendaFacts,
        AgendaFactsRequest,
        DeliveryRequest,
        EventBatch,
        LetterOutcome,
        LetterRequest,
        MessageRequest,
        PageRequest,
        RebuildRequest,
        RebuildResult,
        StartCheck,
    )
    from domain.cycle import CycleAmounts, CycleInput
    from domain.events import Event, NewEvent
    from domain.records import (
        CheckpointRequest,
        EntrySettlement,
        OutboxRetryInput,
        RecordInput,
        RecordResult,
        ReversalClaims,
        StatementInput,
        StatementPlan,
    )

CCM_STATE = SearchAttributeKey.for_keyword("CcmState")
CCM_YEAR = SearchAttributeKey.for_int("CcmYear")
CCM_STAGE = SearchAttributeKey.for_keyword("CcmStage")
CCM_THEME = SearchAttributeKey.for_keyword("CcmTheme")
CCM_OWNER = SearchAttributeKey.for_keyword("CcmOwner")
CCM_DUE = SearchAttributeKey.for_datetime("CcmDue")
assert {k.name for k in (CCM_STATE, CCM_YEAR, CCM_STAGE, CCM_THEME, CCM_OWNER, CCM_DUE)} == set(SEARCH_ATTRIBUTES)


class ActivityOptions(TypedDict, total=False):
    """The options an activity is run with (those `execute_activity_method` takes)."""

    start_to_close_timeout: timedelta
    schedule_to_close_timeout: timedelta
    retry_policy: RetryPolicy


# An append or a page takes milliseconds; a worker killed while it ran one leaves the
# process waiting this long (its lock held) before another worker runs it again.
# A payload the log refuses (`domain.event_types.PayloadRefused`) is a bug to see at once,
# not a failure to retry for ever.
NEVER_RETRIED = ["PayloadRefused", "UnknownEventType"]
ACTIVITY_OPTIONS = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=20),
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=1),
        maximum_interval=timedelta(minutes=1),
        non_retryable_error_types=NEVER_RETRIED,
    ),
)
# Delivery to an SMTP server runs beside the workflow (never under its lock) and gives up
# after a day: the message stays in the outbox, `*.delivery_failed` is logged, and
# `ccm outbox retry` sends it later.
DELIVERY_OPTIONS = ActivityOptions(
    start_to_close_timeout=timedelta(minutes=2),
    schedule_to_close_timeout=timedelta(hours=24),
    # About a day of backoff (10 s doubling to 30 min); the attempts are bounded too, so the
    # bound holds on servers that do not enforce schedule-to-close across retries.
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=10),
        maximum_interval=timedelta(minutes=30),
        maximum_attempts=60,
        non_retryable_error_types=NEVER_RETRIED,
    ),
)


class Activities:
    """The activities as workflows see them: names and types only. Workflows call them by
    these references; `activities.records.CcmActivities` implements each one under the same
    name (a unit test checks), so no workflow imports the activities' libraries."""

    @activity.defn(name="record_event")
    def record_event(self, event: NewEvent) -> Event:
        raise NotImplementedError

    @activity.defn(name="record_events")
    def record_events(self, batch: EventBatch) -> int:
        raise NotImplementedError

    @activity.defn(name="write_letter")
    def write_letter(self, request: LetterRequest) -> LetterOutcome:
        raise NotImplementedError

    @activity.defn(name="write_message")
    def write_message(self, request: MessageRequest) -> LetterOutcome:
        raise NotImplementedError

    @activity.defn(name="deliver_message")
    def deliver_message(self, request: DeliveryRequest) -> str:
        raise NotImplementedError

    @activity.defn(name="publish_page")
    def publish_page(self, request: PageRequest) -> str:
        raise NotImplementedError

    @activity.defn(name="agenda_facts")
    def agenda_facts(self, request: AgendaFactsRequest) -> AgendaFacts:
        raise NotImplementedError

    @activity.defn(name="cycle_amounts")
    def cycle_amounts(self, request: CycleInput) -> CycleAmounts:
        raise NotImplementedError

    @activity.defn(name="check_start")
    def check_start(self, request: StartCheck) -> None:
        raise NotImplementedError

    @activity.defn(name="rebuild_process")
    def rebuild_process(self, request: RebuildRequest) -> RebuildResult:
        raise NotImplementedError

    @activity.defn(name="record_command")
    def record_command(self, request: RecordInput) -> RecordResult:
        raise NotImplementedError

    @activity.defn(name="prepare_statement")
    def prepare_statement(self, request: StatementInput) -> StatementPlan:
        raise NotImplementedError

    @activity.defn(name="settle_entry")
    def settle_entry(self, request: EntrySettlement) -> NewEvent:
        raise NotImplementedError

    @activity.defn(name="claim_reversals")
    def claim_reversals(self, request: ReversalClaims) -> dict[str, dict[str, Any]]:
        raise NotImplementedError

    @activity.defn(name="log_entries")
    def log_entries(self, events: list[NewEvent]) -> list[dict[str, Any]]:
        raise NotImplementedError

    @activity.defn(name="retry_outbox")
    def retry_outbox(self, request: OutboxRetryInput) -> list[dict[str, Any]]:
        raise NotImplementedError

    @activity.defn(name="checkpoint_log")
    def checkpoint_log(self, request: CheckpointRequest) -> dict[str, Any]:
        raise NotImplementedError


def new_event(key: str, event_type: str, subject: str, **fields: Any) -> NewEvent:
    """An event of the running workflow; its idempotency key is `<workflow id>/<key>`."""
    info = workflow.info()
    return NewEvent(
        idempotency_key=f"{info.workflow_id}/{key}",
        workflow_id=info.workflow_id,
        run_id=info.run_id,
        workflow_type=info.workflow_type,
        subject=subject,
        event_type=event_type,
        occurred_at=workflow.now(),
        **fields,
    )


# Local activities (recorded as markers when the workflow task completes, no round trip
# through the server) only where no update can arrive: a workflow with no handlers (the
# annual cycle's amounts). A process workflow takes commands at any
# moment, and an update accepted while another update's local activity was resolved across
# a workflow-task boundary left histories that no longer replay (the SDK resolves the
# marker earlier on replay than it did live: `tests/workflows/test_poisoned_histories.py`).
# Its activities are ordinary ones, each ordered by its own events in the history.
# A recorded command's write is an ordinary activity too: retried on a full disk, it must show
# in `ccm doctor` (a local one is never a pending activity).
LOCAL = frozenset({Activities.cycle_amounts})


# A letter to a State is a PDF, drawn beside the command that asked for it (the command
# answers once its events are logged) by an ordinary activity on a task queue of its own,
# `<queue>-letters` (`ccm-letters`), so that drawing workers can run on other machines.
# A worker that dies while drawing: the letter is drawn again elsewhere after 30 s.
LETTERS_QUEUE_SUFFIX = "-letters"
LETTER_OPTIONS = ActivityOptions(
    retry_policy=ACTIVITY_OPTIONS["retry_policy"], start_to_close_timeout=timedelta(seconds=30)
)


def count_refusal(code: str) -> None:
    """`ccm_refusals_total`, by the refusal's code and the process that refused (Temporal
    counts nothing again when a workflow replays)."""
    if workflow.in_workflow():
        workflow.metric_meter().create_counter("ccm_refusals", COUNTERS["ccm_refusals"]).add(
            1, {"code": code, "process": workflow.info().workflow_type}
        )


def letters_queue(task_queue: str) -> str:
    """The task queue the letters of the processes on `task_queue` are drawn on."""
    return task_queue + LETTERS_QUEUE_SUFFIX


async def write_letter(request: LetterRequest) -> LetterOutcome:
    return await workflow.execute_activity_method(
        Activities.write_letter, request, task_queue=letters_queue(workflow.info().task_queue), **LETTER_OPTIONS
    )


A = TypeVar("A")
R = TypeVar("R")


async def call(activity_ref: Callable[[Activities, A], R], request: A) -> R:
    """Run one activity (by its reference in `Activities`) with the shared options; a
    local one locally."""
    if activity_ref in LOCAL:  # (mypy narrows the reference to LOCAL's one member's type, wrongly)
        return await workflow.execute_local_activity_method(activity_ref, request, **ACTIVITY_OPTIONS)  # type: ignore[arg-type]
    return await workflow.execute_activity_method(activity_ref, request, **ACTIVITY_OPTIONS)


async def record(event: NewEvent) -> Event:
    return await call(Activities.record_event, event)


async def record_all(events: list[NewEvent]) -> None:
    """A step's events logged in order: one activity and one transaction for them all."""
    if len(events) == 1:
        await record(events[0])
    elif events:
        await call(Activities.record_events, EventBatch(events=events))
