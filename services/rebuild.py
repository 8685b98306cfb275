"""A run carried on from the event log (`domain.rebuild`): the broken run is terminated and
the next generation starts from what the log says."""

from __future__ import annotations

from services.errors import CommandError


async def rebuild_run(
    client, log, task_queue: str, workflow_id: str, workflow_type: str, run_fn, input_type, reason: str, acting
):
    """Start the next generation of `workflow_id` as `acting`, with the input its last run
    was started with (read from that run's history: the log's first row does not hold all
    of it); the worker folds its state from the log, or refuses. The generation number."""
    from temporalio.service import RPCError, RPCStatusCode

    from domain.rebuild import generation_of
    from services.commands import start

    rows = list(log.query(workflow_id=workflow_id))
    if not rows:
        raise CommandError(f"the log holds no row of {workflow_id}: there is nothing to rebuild")
    generation = 1 + max(generation_of(workflow_id, r.idempotency_key) for r in rows)
    handle = client.get_workflow_handle(workflow_id)
    try:
        described = await handle.describe()
        history = await handle.fetch_history()
    except RPCError as e:
        if e.status != RPCStatusCode.NOT_FOUND:
            raise
        raise CommandError(
            f"{workflow_id} has no run left on the server to read its input from: it cannot be rebuilt"
        ) from None
    if described.workflow_type != workflow_type:
        raise CommandError(f"{workflow_id} is a {described.workflow_type}, not a {workflow_type}")
    started = history.events[0].workflow_execution_started_event_attributes
    [inp] = await client.data_converter.decode(started.input.payloads, [input_type])
    await end_run(handle, described.status, generation, reason)
    inp = inp.model_copy(update={"generation": generation, "snapshot": None, "started_by": None})
    await start(client, run_fn, inp, workflow_id, task_queue, acting)
    return generation, len(rows)


async def end_run(handle, status, generation: int, reason: str) -> None:
    """The broken run ended before its next generation starts: terminated if it runs; one
    that finished has nothing to carry on (and its id could not be started again)."""
    from temporalio.client import WorkflowExecutionStatus

    if status == WorkflowExecutionStatus.COMPLETED:
        raise CommandError(f"{handle.id} has finished: there is nothing to carry on")
    if status == WorkflowExecutionStatus.RUNNING:
        await handle.terminate(reason=f"rebuilt from the event log as generation {generation}: {reason}")
