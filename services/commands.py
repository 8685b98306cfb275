"""Sending a command to a workflow, as one intent.

A command's update id names one intent: it is made once per invocation of `ccm` (or
from `--request-id`, for a script that retries across processes) and reused by that
invocation's own retries, so a retry after a lost answer is applied once and gets the
first answer, while a person's new command is a new change even when its content
repeats an earlier one (a date set A, B, then A again is three changes)."""

from __future__ import annotations

import hashlib
import json

from services.errors import CommandError
from services.invocation import current_invocation


def update_id(workflow_id: str, name: str, arg) -> str:
    """The id of one update of this invocation. The same update sent twice by one
    invocation (a bulk command's two equal updates) is counted, never taken for a retry;
    the same `--request-id` gives the same ids again, in any order of sending."""
    # Without the signature: it covers the id.
    content = arg.model_dump(mode="json", exclude={"signature"}) if hasattr(arg, "model_dump") else arg
    text = json.dumps([workflow_id, name, content], sort_keys=True, ensure_ascii=False, default=str)
    invocation = current_invocation()
    invocation.sent[text] += 1
    text += f"/{invocation.request_id}/{invocation.sent[text]}"
    return f"{name}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}"


async def update(
    client,
    workflow_id: str,
    name: str,
    arg,
    check_worker: bool = True,
    update_id_: str | None = None,
    sign: bool = True,
):
    """Send one update and answer its `CommandResult`. With no worker polling the
    workflow's queue an update would wait for ever: that is checked first (two small
    calls), and refused in one line. Bulk senders check once for all their updates.
    The worker sends with `sign=False`: it never signs as a person with a key of its machine."""
    from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
    from temporalio.service import RPCError

    from domain.process import CommandResult
    from services.keystore import sign_update

    if check_worker and not await worker_polls(client, workflow_id):
        raise CommandError(
            f"no worker polls the task queue of {workflow_id}: start `ccm worker`, then repeat the command"
        )
    handle = client.get_workflow_handle(workflow_id)
    uid = update_id_ or update_id(workflow_id, name, arg)
    # A busy worker (a statement of a thousand receipts, each with its PDF letter) may
    # not answer within one call's deadline, or the server aborts an update whose workflow
    # task timed out before accepting it (measured: 1 in 1,000 on 2 loaded cores). The
    # same id is sent again, signed anew (a signature is good for 10 minutes): Temporal
    # applies an update once, and answers each copy with its one result.
    for attempt in range(1, UPDATE_ATTEMPTS + 1):
        try:
            return await handle.execute_update(
                name, sign_update(workflow_id, name, arg, uid) if sign else arg, id=uid, result_type=CommandResult
            )
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            if attempt == UPDATE_ATTEMPTS:
                raise CommandError(
                    f"{workflow_id} did not answer {name} in time; it is applied at most once: "
                    "repeat the command with the same --request-id to see its result"
                ) from None
        except (RPCError, WorkflowUpdateFailedError) as e:
            message = e.message if isinstance(e, RPCError) else str(getattr(e.cause, "message", e.cause))
            if "update was aborted" not in (message or "").lower() or attempt == UPDATE_ATTEMPTS:
                raise


UPDATE_ATTEMPTS = 10  # each waits about a minute for the server


async def queue_polled(client, task_queue: str) -> bool:
    """Whether a worker polls `task_queue` (a workflow started there would otherwise wait
    for ever)."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    described = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    return bool(described.pollers)


async def check_polled(client, task_queue: str) -> None:
    """Refuse at once, before anything starts, when no worker polls `task_queue`."""
    if not await queue_polled(client, task_queue):
        raise CommandError(
            f"no worker polls the task queue {task_queue!r} (namespace {client.namespace}): "
            "start `ccm worker`, then repeat the command"
        )


async def start(client, run_fn, inp, workflow_id: str, task_queue: str, acting, wait: bool = True, **options):
    """Start a process as `acting` (signed over its input where a key for the office is
    here; the worker checks both before anything happens). With `wait`, answer once its
    start is checked and carried out, so that a refused start is said, not left behind.
    An id is used once (unless `options` say otherwise), unless its run failed (a refused
    start): then the same command, signed as it should be, starts it."""
    from temporalio.common import WorkflowIDReusePolicy

    from services.keystore import sign_start

    by = sign_start(acting, workflow_id, "start", inp.model_copy(update={"started_by": None}).signed_arguments())
    options.setdefault("id_reuse_policy", WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY)
    handle = await client.start_workflow(
        run_fn, inp.model_copy(update={"started_by": by}), id=workflow_id, task_queue=task_queue, **options
    )
    if wait:
        await ready(handle)
    return handle


async def ready(handle) -> None:
    """Wait until a process's start is checked and its first effects done; a refused start
    raises the workflow's failure (its refusal, one line)."""
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.service import RPCError

    from domain.process import CommandResult

    try:
        await handle.execute_update("ready", result_type=CommandResult)
    except (WorkflowUpdateFailedError, RPCError):
        await handle.result()  # the start's refusal, as the workflow's failure
        raise


def request_id() -> str:
    """This invocation's request id (`--request-id`, or made for it)."""
    return current_invocation().request_id


async def record(client, task_queue: str, command: str, events: list, acting, key=None):
    """Hand a command that only records (`domain.records`) to the worker, which checks who
    sends it and writes its events; its `RecordResult`. Each run is named by this
    invocation's request id and its place in it, so a retry finds the run and its result;
    more events than one run takes go in several (`_batches`), in order. Signed with `key`
    where given (an administrator's, for a key statement), else the key here for the office."""
    from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

    from domain.records import RecordInput, RecordResult, record_id, signed_arguments
    from services.keystore import sign_start
    from workflows.record import RecordCommand

    await check_polled(client, task_queue)
    total = RecordResult(written=0, already=0)
    for batch in _batches(events):
        invocation = current_invocation()
        invocation.sent[f"record/{command}"] += 1
        workflow_id = record_id(command, f"{invocation.request_id}-{invocation.sent[f'record/{command}']}")
        inp = RecordInput(command=command, events=batch, actor=acting.actor, office=acting.office)
        inp = sign_start(inp, workflow_id, command, signed_arguments(inp), key)
        handle = await client.start_workflow(
            RecordCommand.run,
            inp,
            id=workflow_id,
            task_queue=task_queue,
            result_type=RecordResult,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        )
        done = await result_or_why(handle)
        total = RecordResult(
            written=total.written + done.written, already=total.already + done.already, log=done.log or total.log
        )
    return total


WRITE_WAIT_SECONDS = 60  # a command waits this long for the worker to write it, then says why it has not


async def result_or_why(handle, seconds: float | None = None):
    """The run's result, or, when the worker has not written it within `seconds` (a full
    disk, the database unreachable), one line saying why: its activity's last failure.
    The worker keeps trying; the same request id finds the run again."""
    import asyncio
    import os

    seconds = seconds if seconds is not None else float(os.environ.get("CCM_WRITE_WAIT", WRITE_WAIT_SECONDS))
    try:
        return await asyncio.wait_for(asyncio.shield(handle.result()), seconds)
    except TimeoutError:
        raw = (await handle.describe()).raw_description
        why = next(
            (
                f"attempt {a.attempt}: {a.last_failure.message.splitlines()[0]}"
                for a in raw.pending_activities
                if a.last_failure.message
            ),
            "no answer yet",
        )
        request_id = current_invocation().request_id
        raise CommandError(
            f"{handle.id} is not written after {seconds:g} s ({why}); the worker keeps trying, "
            f"`ccm doctor` shows it, and `ccm --request-id {request_id} …` with the same "
            "command finds it again"
        ) from None


RUN_BYTES = 1_000_000  # a run's events, as JSON: half of Temporal's 2 MB payload limit


def _batches(events: list):
    """Events in runs of at most `MAX_EVENTS` and `RUN_BYTES`, in order."""
    from domain.records import MAX_EVENTS

    batch, size = [], 0
    for event in events:
        weight = len(event.model_dump_json())
        if batch and (len(batch) == MAX_EVENTS or size + weight > RUN_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(event)
        size += weight
    if batch:
        yield batch


async def worker_polls(client, workflow_id: str) -> bool:
    """Whether a worker polls the task queue of a running workflow."""
    queue = (await client.get_workflow_handle(workflow_id).describe()).task_queue
    return await queue_polled(client, queue)


QUERY_SECONDS = 10  # a running workflow's status comes from a worker: without one, say so instead of waiting


class BrokenRun(CommandError):
    """A workflow whose history no longer replays on the worker's code: every task fails."""


def does_not_replay(message: str) -> bool:
    """Whether a failure says the workflow's history does not replay (the SDK's words)."""
    return "[TMPRL1100]" in message or "Nondeterminism" in message or "Fatal error in workflow machines" in message


async def read_status(client, workflow_id: str, status_type):
    """The status of a workflow: its `status` query while it runs, its result once done."""
    from datetime import timedelta

    from temporalio.client import WorkflowExecutionStatus, WorkflowQueryFailedError

    handle = client.get_workflow_handle(workflow_id, result_type=status_type)
    desc = await handle.describe()
    if desc.status == WorkflowExecutionStatus.RUNNING:
        try:
            return await handle.query("status", result_type=status_type, rpc_timeout=timedelta(seconds=QUERY_SECONDS))
        except WorkflowQueryFailedError as e:
            if does_not_replay(e.message):
                raise BrokenRun(
                    f"{workflow_id} cannot be read: its workflow task fails, its history no longer "
                    f"replays on this code ({e.message.splitlines()[0][:160]}); `ccm doctor` lists "
                    "such runs and what to do"
                ) from None
            raise
    if desc.status == WorkflowExecutionStatus.COMPLETED:
        return await handle.result()
    raise CommandError(f"{workflow_id} is {desc.status.name.lower().replace('_', ' ')}")


SETTLE_SECONDS = 60


async def settle(client, workflow_ids) -> None:
    """Wait until the letters the processes asked for are written: a person's command shows
    its letter in the outbox when it answers, where the process itself answered once its
    events were logged (the letters are drawn beside). Asked by query, which leaves no trace
    in the history an auditor reads (the `settled` update would)."""
    import asyncio
    import time

    async def one(wid: str) -> None:
        handle = client.get_workflow_handle(wid)
        deadline = time.monotonic() + SETTLE_SECONDS
        while await handle.query("letters_pending", result_type=int) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    await asyncio.gather(*(one(wid) for wid in set(workflow_ids)))
