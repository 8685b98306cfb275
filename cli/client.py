"""One client for every command that talks to Temporal: connect, start, update, read a
status, the `--as` option, and the translation of known errors into one line.

A command's update id names one intent: it is made once per invocation of `ccm` (or
from `--request-id`, for a script that retries across processes) and reused by that
invocation's own retries, so a retry after a lost answer is applied once and gets the
first answer, while a person's new command is a new change even when its content
repeats an earlier one (a date set A, B, then A again is three changes)."""

from __future__ import annotations

import hashlib
import json
import sys
import traceback
import uuid
from collections import Counter

import click

from cli.common import settings


async def connect():
    from cli.temporal import connect as connect_to

    return await connect_to(settings())


class Invocation:
    """One run of a command: its request id, and how often it has sent each update."""

    def __init__(self, request_id: str | None = None):
        self.request_id = request_id or uuid.uuid4().hex
        self.sent: Counter[str] = Counter()


_invocation = Invocation()


def begin_invocation(request_id: str | None = None) -> None:
    """Called once per `ccm` command (the root group): a new intent."""
    global _invocation
    _invocation = Invocation(request_id)


def update_id(workflow_id: str, name: str, arg) -> str:
    """The id of one update of this invocation. The same update sent twice by one
    invocation (two equal entries of a statement) is counted, never taken for a retry;
    the same `--request-id` gives the same ids again, in any order of sending."""
    # Without the signature: it covers the id.
    content = arg.model_dump(mode="json", exclude={"signature"}) if hasattr(arg, "model_dump") else arg
    text = json.dumps([workflow_id, name, content], sort_keys=True, ensure_ascii=False, default=str)
    _invocation.sent[text] += 1
    text += f"/{_invocation.request_id}/{_invocation.sent[text]}"
    return f"{name}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}"


async def update(workflow_id: str, name: str, arg, client=None, check_worker: bool = True):
    """Send one update and answer its `CommandResult`. With no worker polling the
    workflow's queue an update would wait for ever: that is checked first (two small
    calls), and refused in one line. Bulk senders check once for all their updates."""
    from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
    from temporalio.service import RPCError

    from cli.keys import sign_update
    from domain.process import CommandResult

    client = client or await connect()
    if check_worker and not await worker_polls(client, workflow_id):
        raise click.ClickException(f"no worker polls the task queue of {workflow_id}: start `ccm worker`, "
                                   "then repeat the command")
    handle = client.get_workflow_handle(workflow_id)
    uid = update_id(workflow_id, name, arg)
    # A busy worker (a statement of a thousand receipts, each with its PDF letter) may
    # not answer within one call's deadline, or the server aborts an update whose workflow
    # task timed out before accepting it (measured: 1 in 1,000 on 2 loaded cores). The
    # same id is sent again, signed anew (a signature is good for 10 minutes): Temporal
    # applies an update once, and answers each copy with its one result.
    for attempt in range(1, UPDATE_ATTEMPTS + 1):
        try:
            return await handle.execute_update(name, sign_update(workflow_id, name, arg, uid), id=uid,
                                               result_type=CommandResult)
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            if attempt == UPDATE_ATTEMPTS:
                raise click.ClickException(f"{workflow_id} did not answer {name} in time; it is applied at most "
                                           "once: repeat the command to see its result") from None
        except (RPCError, WorkflowUpdateFailedError) as e:
            message = e.message if isinstance(e, RPCError) else str(getattr(e.cause, "message", e.cause))
            if "update was aborted" not in (message or "").lower() or attempt == UPDATE_ATTEMPTS:
                raise


UPDATE_ATTEMPTS = 10  # each waits about a minute for the server


async def worker_polls(client, workflow_id: str) -> bool:
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    queue = (await client.get_workflow_handle(workflow_id).describe()).task_queue
    described = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
        namespace=client.namespace, task_queue=TaskQueue(name=queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW))
    return bool(described.pollers)


QUERY_SECONDS = 10  # a running workflow's status comes from a worker: without one, say so instead of waiting


async def read_status(workflow_id: str, status_type, client=None):
    """The status of a workflow: its `status` query while it runs, its result once done."""
    from datetime import timedelta

    from temporalio.client import WorkflowExecutionStatus

    client = client or await connect()
    handle = client.get_workflow_handle(workflow_id, result_type=status_type)
    desc = await handle.describe()
    if desc.status == WorkflowExecutionStatus.RUNNING:
        return await handle.query("status", result_type=status_type, rpc_timeout=timedelta(seconds=QUERY_SECONDS))
    if desc.status == WorkflowExecutionStatus.COMPLETED:
        return await handle.result()
    raise click.ClickException(f"{workflow_id} is {desc.status.name.lower().replace('_', ' ')}")


def as_option(default_office: str = "", required: bool = False):
    """`--as PERSON@OFFICE` (or an office alone; env CCM_ACTOR), read into one `Acting`.
    An unknown office is refused while parsing, naming the offices there are."""

    def to_acting(ctx, param, value):
        from domain.offices import parse_actor
        from domain.process import Refusal

        if required and not (value or "").strip():
            raise click.UsageError("say who acts: --as PERSON@OFFICE or --as OFFICE (or set CCM_ACTOR)", ctx)
        try:
            return parse_actor(value or "", default_office)
        except Refusal as e:
            raise click.BadParameter(str(e), ctx, param) from None

    return click.option("--as", "acting", envvar="CCM_ACTOR", default="", metavar="PERSON@OFFICE",
                        callback=to_acting,
                        help="who acts: person@office or an office (president, isu, a State, "
                             "coordinator:<theme>; env CCM_ACTOR)"
                             + (f"; the office defaults to {default_office}" if default_office else ""))


def run(coro):
    """Run an async client call from a sync command. Known errors (refusals, a finished
    workflow, an unreachable server) become one line; anything else is a bug and keeps
    its traceback: shown with `ccm --debug`, otherwise written to `$CCM_HOME/errors.log`."""
    import asyncio

    try:
        return asyncio.run(coro)
    except click.ClickException:
        raise
    except Exception as e:
        known = describe_error(e)
        if known is not None:
            raise click.ClickException(known) from None
        if click.get_current_context().find_root().params.get("debug"):
            raise
        raise click.ClickException(f"internal error: {type(e).__name__}: {e} (traceback in {_log_bug()}; "
                                   "ccm --debug shows it)") from None


def _log_bug() -> str:
    path = settings().home / "errors.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(f"$ ccm {' '.join(sys.argv[1:])}\n{traceback.format_exc()}\n")
    except OSError:
        return "nowhere: the data directory is not writable"
    return str(path)


def describe_error(e: BaseException) -> str | None:
    """One line for the errors a person can act on; None for anything else."""
    from temporalio.client import (
        RPCError,
        WorkflowFailureError,
        WorkflowQueryFailedError,
        WorkflowUpdateFailedError,
    )
    from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

    from cli.codec import BadKeys
    from cli.temporal import Unreachable
    from domain.process import Refusal

    if isinstance(e, (Unreachable, BadKeys)):
        return str(e)
    if isinstance(e, Refusal):
        return f"refused: {e}"
    if isinstance(e, WorkflowAlreadyStartedError):
        return f"{e.workflow_id} already exists (a workflow id is used once)"
    if isinstance(e, (WorkflowUpdateFailedError, WorkflowFailureError)):
        cause = e.cause
        while isinstance(cause, BaseException) and cause.__cause__ and not isinstance(cause, ApplicationError):
            cause = cause.__cause__
        return f"refused: {getattr(cause, 'message', None) or cause}"
    if isinstance(e, WorkflowQueryFailedError):
        return f"query failed: {e.message}"
    if isinstance(e, RPCError) and no_worker(e):
        return f"no worker answered within {QUERY_SECONDS} s: is `ccm worker` running on this task queue?"
    if isinstance(e, RPCError):
        message = e.message
        lowered = message.lower()
        if ("not found" in lowered and "update" in lowered) or "already completed" in lowered:
            return "the workflow has already finished"
        return message
    return None


def no_worker(e) -> bool:
    """Whether an RPC failed because no worker polls the workflow's task queue."""
    from temporalio.service import RPCStatusCode

    message = (e.message or "").lower()
    # The server says "no poller seen" for a queue polled before; for one never polled, the
    # query waits until the client's own timeout ("Timeout expired").
    return "no poller" in message or "timeout expired" in message or e.status == RPCStatusCode.DEADLINE_EXCEEDED


def reason_command(group, name: str, update_name: str, model: str, target, workflow_id, say, help: str,
                   default_office: str = "", required_actor: bool = False):
    """A command of `group` that sends one update whose argument is a reason and who acts
    (`model` names its class, imported only when the command runs). `target` adds the
    options that name the workflow, `workflow_id(**those options)` gives its id, and
    `say(result)` prints the outcome."""

    @group.command(name, help=help)
    @target
    @click.option("--reason", required=True, help="why (recorded with the event)")
    @as_option(default_office, required=required_actor)
    def command(reason, acting, **where):
        import importlib

        module, _, class_name = model.rpartition(".")
        arg = getattr(importlib.import_module(module), class_name)(reason=reason, **acting.model_dump())
        say(run(update(workflow_id(**where), update_name, arg)))

    return command
