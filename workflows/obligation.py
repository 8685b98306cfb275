"""Obligation: one State's treaty obligation of one kind and period
(id `obligation-{ISO3}-{kind}-{period}`). The rules live in `domain.obligations`; the
skeleton is `workflows.process`.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.obligations import (
        ConfirmOverdue,
        DecideExtension,
        Exempt,
        Fulfil,
        ObligationInput,
        ObligationStatus,
        OverrideDue,
        RequestExtension,
    )
    from domain.obligations import Obligation as Process
    from domain.process import CommandResult
    from domain.schedule import geneva_date

    # The skeleton holds no state of its own: imported once, not again for each run
    # (re-importing it was the largest cost of starting a workflow, measured).
    from workflows.process import ProcessWorkflow


@workflow.defn
class Obligation(ProcessWorkflow[Process]):
    process: Process

    @workflow.init
    def __init__(self, input: ObligationInput) -> None:
        self._begin(input, Process, lambda: Process.new(input, workflow.info().workflow_id, workflow.now()))

    @workflow.run
    async def run(self, input: ObligationInput) -> ObligationStatus:
        await self._run()
        return self.process.status()

    @workflow.query(description="The obligation as it stands: due date, stage, reminders, extensions.")
    def status(self) -> ObligationStatus:
        return self.process.status()

    @workflow.update(description="The report or the destruction is done (the State or the ISU), on its date.")
    async def fulfil(self, cmd: Fulfil) -> CommandResult:
        return await self._command(lambda: self.process.fulfil(cmd, geneva_date(workflow.now())))

    @fulfil.validator
    def _check_fulfil(self, cmd: Fulfil) -> None:
        self._validate("fulfil", cmd, lambda: self.process.check_fulfil(cmd, geneva_date(workflow.now())))

    @workflow.update(description="The State requests an extension, before its deadline.")
    async def request_extension(self, cmd: RequestExtension) -> CommandResult:
        return await self._command(lambda: self.process.request_extension(cmd, geneva_date(workflow.now())))

    @request_extension.validator
    def _check_extension(self, cmd: RequestExtension) -> None:
        self._validate("request_extension", cmd, lambda: self.process.check_extension(cmd, geneva_date(workflow.now())))

    @workflow.update(description="Record a Meeting of States Parties' decision on the extension.")
    async def decide_extension(self, cmd: DecideExtension) -> CommandResult:
        return await self._command(lambda: self.process.decide_extension(cmd, workflow.now()))

    @decide_extension.validator
    def _check_decision(self, cmd: DecideExtension) -> None:
        self._validate("decide_extension", cmd, lambda: self.process.check_decision(cmd, geneva_date(workflow.now())))

    @workflow.update(description="Exempt the State from this obligation, with a reason.")
    async def exempt(self, cmd: Exempt) -> CommandResult:
        return await self._command(lambda: self.process.exempt(cmd))

    @exempt.validator
    def _check_exempt(self, cmd: Exempt) -> None:
        self._validate("exempt", cmd, lambda: self.process.check_exempt(cmd))

    @workflow.update(description="An obligation with no report recorded was not met: the ISU's record is complete.")
    async def confirm_overdue(self, cmd: ConfirmOverdue) -> CommandResult:
        return await self._command(lambda: self.process.confirm_overdue(cmd, workflow.now()))

    @confirm_overdue.validator
    def _check_confirm_overdue(self, cmd: ConfirmOverdue) -> None:
        self._validate("confirm_overdue", cmd, lambda: self.process.check_confirm_overdue(cmd))

    @workflow.update(description="Set another due date, with a reason.")
    async def override_due(self, cmd: OverrideDue) -> CommandResult:
        return await self._command(lambda: self.process.override_due(cmd, workflow.now()))

    @override_due.validator
    def _check_override(self, cmd: OverrideDue) -> None:
        self._validate("override_due", cmd, lambda: self.process.check_override(cmd))
