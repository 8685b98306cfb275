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
    """One row per chase of the year (one State's, or all: a visibility query)."""
    from domain.chase import ChaseStatus, workflow_id

    if state:
        ids = [workflow_id(year, state)]
    else:
        query = f"WorkflowType = 'ContributionChase' AND CcmYear = {year}"
        ids = sorted({wf.id async for wf in client.list_workflows(query)})
    gate = asyncio.Semaphore(STATUS_CONCURRENCY)

    async def row(wid: str) -> dict:
        async with gate:
            try:
                return status_row(await read_status(client, wid, ChaseStatus))
            except BrokenRun:
                if state:  # one chase asked for: said in one line
                    raise
                return {"state": chase_state(wid), "year": year, "stage": "broken (see ccm doctor)"}
            except CommandError as e:  # cancelled or terminated: no status to read
                return {"state": chase_state(wid), "year": year, "stage": str(e).rsplit(" is ", 1)[-1]}

    return list(await asyncio.gather(*(row(wid) for wid in ids)))  # in the order of `ids`


def status_row(status) -> dict:
    from domain.bank import creditor_reference, format_reference
    from domain.schedule import geneva_time

    return {
        "state": status.state,
        "year": status.year,
        "stage": status.stage,
        "amount_due": status.amount_due,
        "arrears": status.arrears,
        "credit_carried": status.credit_carried,
        "received": status.received,
        "outstanding": status.outstanding,
        "credit": status.credit,
        "voluntary": status.voluntary,
        "letters": len(status.letters),
        "next_action": status.next_action,
        "next_action_at": geneva_time(status.next_action_at) if status.next_action_at else None,
        "creditor_reference": format_reference(creditor_reference(status.year, status.state)),
    }
