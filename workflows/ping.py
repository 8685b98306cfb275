"""A trivial round trip through a worker and the event log: `ccm ping`.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.events import Event

    # What every workflow shares holds no state: imported once, not again for each run
    # (re-importing the workflow modules was the largest cost of starting one, measured).
    from workflows.common import new_event, record


@workflow.defn
class Ping:
    @workflow.run
    async def run(self, note: str) -> Event:
        return await record(new_event("ping", "system.ping", subject="ccm", payload={"note": note}))
