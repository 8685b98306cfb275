"""One intent per request id, for every command: a `--request-id` names the command it was
first given to (`workflows.request.RequestIntent`). The same id with the same words answers
what the first run answered, and runs nothing again; with other words, or another command,
it is refused in one line."""

from __future__ import annotations

from domain.intents import MAX_ANSWER, RequestHeld, RequestInput, intent_digest, intent_id
from services.errors import CommandError


async def claim(client, task_queue: str, request_id: str, words: list[str]) -> str | None:
    """Claim `request_id` for these words: None where the command is to run (a new id, or
    one whose first run never answered), its first answer where it did. A CommandError
    where the id names other words."""
    from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
    from temporalio.exceptions import WorkflowAlreadyStartedError

    from workflows.request import RequestIntent

    wid = intent_id(request_id)
    inp = RequestInput(digest=intent_digest(words), command=" ".join(words)[:2_000])
    try:
        handle = await client.start_workflow(
            RequestIntent.run,
            inp,
            id=wid,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
        held = await handle.query(RequestIntent.intent)
    except WorkflowAlreadyStartedError:  # answered (or its week is over): its result holds it
        held = await client.get_workflow_handle(wid, result_type=RequestHeld).result()
    if held.digest != inp.digest:
        raise CommandError(
            f"request id {request_id!r} already names another command ({held.command}): "
            "a new intent needs a new request id"
        )
    return held.answer


async def answer(client, request_id: str, text: str) -> None:
    """Keep the command's answer for its retries (the first one kept; too long, cut)."""
    from temporalio.service import RPCError

    from workflows.request import RequestIntent

    try:
        await client.get_workflow_handle(intent_id(request_id)).execute_update(RequestIntent.answer, text[:MAX_ANSWER])
    except RPCError:  # closed already: an answer is kept
        pass
