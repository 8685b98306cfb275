"""A trivial round trip through a worker and the event log: `ccm ping`."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.events import Event

from workflows.common import new_event, record


@workflow.defn
class Ping:
    @workflow.run
    async def run(self, note: str) -> Event:
        return await record(new_event("ping", "system.ping", subject="ccm", payload={"note": note}))
