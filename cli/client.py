"""One client for every command that talks to Temporal: connect, start, update, read a
status, the `--as` option, and the translation of known errors into one line.

How a command's update is sent, as one intent, is `services.commands`."""

from __future__ import annotations

import os
import sys
import traceback

import click

from cli.common import settings


async def connect_polled():
    """A client, once a worker is known to poll this installation's task queue: a command
    that starts a workflow refuses at once without one (it would wait for ever)."""
    from services.commands import check_polled

    client = await connect()
    await check_polled(client, settings().task_queue)
    return client


async def connect():
    from runtime.temporal import connect as connect_to

    return await connect_to(settings())


async def update(workflow_id: str, name: str, arg, client=None, check_worker: bool = True):
    """Send one update of this invocation (`services.commands.update`)."""
    from services.commands import update as send

    return await send(client or await connect(), workflow_id, name, arg, check_worker)


def record(command: str, events: list, acting, key=None):
    """Hand a command that only records to the worker (`services.commands.record`): its
    `RecordResult`, or one line."""
    from services.commands import record as hand_over

    async def go():
        return await hand_over(await connect(), settings().task_queue, command, events, acting, key)

    return run(go())


async def read_status(workflow_id: str, status_type, client=None):
    from services.commands import read_status as read

    return await read(client or await connect(), workflow_id, status_type)


def as_option(default_office: str = "", required: bool = False):
    """`--as PERSON@OFFICE` (or an office alone; env CCM_ACTOR), read into one `Acting`.
    An unknown office is refused while parsing, naming the offices there are."""

    def to_acting(ctx, param, value):
        from domain.offices import parse_actor
        from domain.process import Refusal

        if required and not (value or "").strip():
            raise click.UsageError("say who acts: --as PERSON@OFFICE or --as OFFICE (or set CCM_ACTOR)", ctx)
        try:
            acting = parse_actor(value or "", default_office)
        except Refusal as e:
            raise click.BadParameter(str(e), ctx, param) from None
        return acting if acting.actor else acting.model_copy(update={"actor": default_actor(acting.office)})

    return click.option(
        "--as",
        "acting",
        envvar="CCM_ACTOR",
        default="",
        metavar="PERSON@OFFICE",
        callback=to_acting,
        help="who acts: person@office or an office (president, isu, a State, "
        "coordinator:<theme>; env CCM_ACTOR)"
        + (f"; the office defaults to {default_office}" if default_office else ""),
    )


def default_actor(office: str) -> str:
    """Who acts when `--as` names no person: the holder of the key here for the office
    (`ccm keys new --as`), else the operating-system user at this host (`login@host`).
    Every event names someone; a name the worker could not prove is only a name."""
    import getpass
    import socket

    from services.keystore import holder_for

    if holder := holder_for(office):
        return holder
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a container's random user)
        login = f"uid{os.getuid()}"
    return f"{login}@{socket.gethostname()}"[:200]


def _due(status) -> str:
    return f"{status.stage}, due {status.due.isoformat()}"


def rebuild(log, workflow_id: str, run_fn, input_type, status_type, reason: str, acting, stands=_due) -> None:
    """`ccm obligations rebuild`, `ccm task rebuild`, `ccm meeting rebuild`, `ccm plan
    rebuild`: the run's next generation, folded from the event log (`log`, opened to read)
    by the worker (`services.rebuild`), said in one line with where it stands (`stands`)."""
    from services.rebuild import rebuild_run

    async def go():
        client = await connect_polled()
        workflow_type = run_fn.__qualname__.split(".")[0]  # the class `@workflow.defn` names
        return await rebuild_run(
            client, log, settings().task_queue, workflow_id, workflow_type, run_fn, input_type, reason, acting
        )

    generation, rows = run(go())
    status = run(read_status(workflow_id, status_type))
    click.echo(f"rebuilt {workflow_id} as generation {generation} from {rows} rows: {stands(status)}")


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
        raise click.ClickException(
            f"internal error: {type(e).__name__}: {e} (traceback in {_log_bug()}; ccm --debug shows it)"
        ) from None


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
    from pydantic import ValidationError
    from temporalio.client import (
        RPCError,
        WorkflowFailureError,
        WorkflowQueryFailedError,
        WorkflowUpdateFailedError,
    )
    from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

    from domain.process import Refusal
    from runtime.codec import BadKeys
    from runtime.temporal import Unreachable
    from services.commands import QUERY_SECONDS
    from services.errors import CommandError

    if isinstance(e, (Unreachable, BadKeys, CommandError)):
        return str(e)
    if isinstance(e, ValidationError):  # a command's input its model refuses, said as the model says it
        from cli.common import validation_message

        return validation_message(e)
    if isinstance(e, Refusal):
        return f"refused: {e}"
    if isinstance(e, WorkflowAlreadyStartedError):
        return f"{e.workflow_id} already exists (a workflow id is used once)"
    if isinstance(e, (WorkflowUpdateFailedError, WorkflowFailureError)):
        cause = e.cause
        while isinstance(cause, BaseException) and cause.__cause__ and not isinstance(cause, ApplicationError):
            cause = cause.__cause__
        return f"refused: {getattr(cause, 'message', None) or cause}"
    if isinstance(e, KeyError) and "binary/encrypted" in str(e):
        return "the answer is encrypted and no key here reads it: set CCM_ENCRYPTION_KEYS as the worker has it"
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


def reason_command(
    group,
    name: str,
    update_name: str,
    model: str,
    target,
    workflow_id,
    say,
    help: str,
    default_office: str = "",
    required_actor: bool = False,
):
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
