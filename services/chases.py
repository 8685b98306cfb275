"""Contribution chases: starting one, and reading a year's as rows."""

from __future__ import annotations

import asyncio

from domain.ids import chase_state
from services.commands import BrokenRun, read_status, start
from services.errors import CommandError


class ChaseCommands:
    """The chases as the bank's steps reach them (`activities.bank.Chases`): through this
    client, signing as the person a command runs for, or not (`sign=False`: the worker,
    which never signs as a person with a key of its machine)."""

    def __init__(self, client, sign: bool = True):
        self.client, self.sign = client, sign

    async def status(self, workflow_id: str):
        from domain.chase import ChaseStatus

        return await read_status(self.client, workflow_id, ChaseStatus)

    async def send(self, workflow_id: str, name: str, cmd, update_id: str):
        from temporalio.client import WorkflowUpdateFailedError
        from temporalio.exceptions import ApplicationError

        from services.commands import update

        try:
            await update(self.client, workflow_id, name, cmd, check_worker=False, update_id_=update_id, sign=self.sign)
        except WorkflowUpdateFailedError as e:
            if isinstance(e.cause, ApplicationError):
                return e.cause
            raise
        return None


STATUS_CONCURRENCY = 16  # chases read at once by `chase status --year` (measured: 1.4x one at a time)


async def start_chase(client, task_queue: str, inp, acting, wait: bool = True):
    """Start one chase as `acting` (`services.commands.start`); its stage shows as
    `starting` until the call has gone out."""
    from temporalio.common import SearchAttributePair, TypedSearchAttributes

    from domain.chase import chase_summary, workflow_id
    from domain.states import registry
    from workflows.common import CCM_STAGE, CCM_STATE, CCM_YEAR
    from workflows.contribution_chase import ContributionChase

    inp = inp.model_copy(update={"state_name": inp.state_name or registry().get(inp.state).name})
    summary, details = chase_summary(inp)
    return await start(
        client,
        ContributionChase.run,
        inp,
        workflow_id(inp.year, inp.state),
        task_queue,
        acting,
        wait=wait,
        static_summary=summary,
        static_details=details,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(CCM_STATE, inp.state),
                SearchAttributePair(CCM_YEAR, inp.year),
                SearchAttributePair(CCM_STAGE, "starting"),
            ]
        ),
    )


async def chase_rows(client, state, year):
    """One row per chase of the year (one State's, or all). All of a year are read in one
    visibility list, each from the row its run keeps in its memo (`workflows.process`);
    a run with none yet (started before the memo was kept) is asked by a query."""
    from temporalio.client import WorkflowExecutionStatus

    from domain.ids import chase_id  # not domain.chase: its models are imported only to ask a run

    if state:
        return [await _queried(client, chase_id(year, state), year, one=True)]
    query = f"WorkflowType = 'ContributionChase' AND CcmYear = {year} AND ExecutionStatus != 'ContinuedAsNew'"
    ended = {
        WorkflowExecutionStatus.CANCELED: "cancelled",
        WorkflowExecutionStatus.TERMINATED: "terminated",
        WorkflowExecutionStatus.FAILED: "failed",
        WorkflowExecutionStatus.TIMED_OUT: "timed out",
    }
    rows, asked = {}, []
    async for wf in client.list_workflows(query):
        row = (await wf.memo()).get("row")
        if wf.status in ended:
            rows[wf.id] = {"state": chase_state(wf.id), "year": year, "stage": ended[wf.status]}
        elif row is None:
            asked.append(wf.id)
        else:
            rows[wf.id] = row
    gate = asyncio.Semaphore(STATUS_CONCURRENCY)

    async def ask(wid: str) -> None:
        async with gate:
            rows[wid] = await _queried(client, wid, year)

    await asyncio.gather(*(ask(wid) for wid in asked))
    return [rows[wid] for wid in sorted(rows)]


async def _queried(client, wid: str, year: int, one: bool = False) -> dict:
    """A chase's row from its status query; a broken or ended run said as its stage (one
    chase asked for: a broken run is said in one line)."""
    from domain.chase import ChaseStatus

    try:
        return (await read_status(client, wid, ChaseStatus)).row()
    except BrokenRun:
        if one:
            raise
        return {"state": chase_state(wid), "year": year, "stage": "broken (see ccm doctor)"}
    except CommandError as e:  # cancelled or terminated: no status to read
        return {"state": chase_state(wid), "year": year, "stage": str(e).rsplit(" is ", 1)[-1]}
