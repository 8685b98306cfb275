"""Universalization campaigns told what happened elsewhere: a Committee meeting scheduled,
a State's accession recorded (`domain.campaigns`)."""

from __future__ import annotations


async def tell_campaigns(client, update_name: str, cmd, only: str | None = None) -> list[str]:
    """Send `update_name` to every running campaign (or to the one of `only`): a meeting
    scheduled, an accession recorded. The ids that took it."""
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.service import RPCError

    from domain.campaigns import campaign_id
    from services.commands import update as send
    from services.errors import CommandError

    query = "WorkflowType = 'Campaign' AND ExecutionStatus = 'Running'"
    if only:
        query += f" AND WorkflowId = '{campaign_id(only)}'"
    told = []
    async for wf in client.list_workflows(query):
        try:
            await send(client, wf.id, update_name, cmd)
            told.append(wf.id)
        except (WorkflowUpdateFailedError, RPCError, CommandError):  # refused (noted, ended): nothing to tell
            continue
    return told
