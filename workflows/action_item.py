"""ActionItem: one piece of work with an owner and a due date (id `action-{source}-{n}`).
The rules live in `domain.action_items`; the skeleton is `workflows.process`.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.action_items import ActionItem as Item
    from domain.action_items import (
        ActionItemInput,
        ActionItemStatus,
        CancelAction,
        Complete,
        Extend,
        Fulfil,
        Reassign,
    )
    from domain.process import CommandResult
    from domain.schedule import geneva_date

    # The skeleton holds no state of its own: imported once, not again for each run
    # (re-importing it was the largest cost of starting a workflow, measured).
    from workflows.process import ProcessWorkflow


@workflow.defn
class ActionItem(ProcessWorkflow[Item]):
    process: Item

    @workflow.init
    def __init__(self, input: ActionItemInput) -> None:
        self._begin(input, Item, lambda: Item.new(input, workflow.info().workflow_id, workflow.now()))

    @workflow.run
    async def run(self, input: ActionItemInput) -> ActionItemStatus:
        await self._run()
        return self.process.status()

    @workflow.query(description="The action item as it stands: owner, due date, stage, reminders, history.")
    def status(self) -> ActionItemStatus:
        return self.process.status()

    @workflow.update(description="Mark the item done (its owner, the ISU or the Presidency), with a note.")
    async def complete(self, cmd: Complete) -> CommandResult:
        return await self._command(lambda: self.process.complete(cmd, workflow.now()))

    @complete.validator
    def _check_complete(self, cmd: Complete) -> None:
        self._validate("complete", cmd, lambda: self.process.check_complete(cmd))

    @workflow.update(description="The command the item names has run: done, with a reference to it.")
    async def fulfil(self, cmd: Fulfil) -> CommandResult:
        return await self._command(lambda: self.process.fulfil(cmd, workflow.now()))

    @fulfil.validator
    def _check_fulfil(self, cmd: Fulfil) -> None:
        self._validate("fulfil", cmd, lambda: self.process.check_fulfil(cmd))

    @workflow.update(description="Move the due date (the ISU or the Presidency), with a reason.")
    async def extend(self, cmd: Extend) -> CommandResult:
        return await self._command(lambda: self.process.extend(cmd, workflow.now()))

    @extend.validator
    def _check_extend(self, cmd: Extend) -> None:
        self._validate("extend", cmd, lambda: self.process.check_extend(cmd, geneva_date(workflow.now())))

    @workflow.update(description="Give the item to another owner (the ISU or the Presidency).")
    async def reassign(self, cmd: Reassign) -> CommandResult:
        return await self._command(lambda: self.process.reassign(cmd, workflow.now()))

    @reassign.validator
    def _check_reassign(self, cmd: Reassign) -> None:
        self._validate("reassign", cmd, lambda: self.process.check_reassign(cmd))

    @workflow.update(description="Cancel the item (the ISU or the Presidency), with a reason.")
    async def cancel(self, cmd: CancelAction) -> CommandResult:
        return await self._command(lambda: self.process.cancel(cmd, workflow.now()))

    @cancel.validator
    def _check_cancel(self, cmd: CancelAction) -> None:
        self._validate("cancel", cmd, lambda: self.process.check_cancel(cmd))
