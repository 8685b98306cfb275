"""UniversalizationTarget: a target watched to its day (id `target-{id}`). The rules live
in `domain.target_watch`; the skeleton is `workflows.process`.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.target_watch import TargetWatch as Process
    from domain.target_watch import TargetWatchInput, TargetWatchStatus

    # The skeleton holds no state of its own: imported once, not again for each run.
    from workflows.process import ProcessWorkflow


@workflow.defn
class UniversalizationTarget(ProcessWorkflow[Process]):
    process: Process

    @workflow.init
    def __init__(self, input: TargetWatchInput) -> None:
        self._begin(input, Process, lambda: Process.new(input, workflow.info().workflow_id, workflow.now()))

    @workflow.run
    async def run(self, input: TargetWatchInput) -> TargetWatchStatus:
        await self._run()
        return self.process.status()

    @workflow.query(description="The target as it stands: watching until its day, then met or missed.")
    def status(self) -> TargetWatchStatus:
        return self.process.status()
