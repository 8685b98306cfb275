"""ContributionChase: one State, one financial year (id `chase-{year}-{ISO3}`).

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

The rules live in `domain.chase`; the skeleton in `workflows.process` waits for their
times and for commands and carries the effects out."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # A chase's creditor reference is made with python-stdnum, which domain.bank imports
    # where it is used (the CLI need not load it): passed through here, in each run's
    # sandbox, rather than imported again inside it.
    import stdnum.iso7064.mod_97_10  # noqa: F401
    import stdnum.iso11649  # noqa: F401

    from domain.chase import (
        Chase,
        ChaseInput,
        ChaseStatus,
        Close,
        CorrectDue,
        Escalate,
        LetterKind,
        Pledge,
        RecordReceipt,
        ReportPayment,
        ReverseReceipt,
        SetMspDate,
    )
    from domain.process import CommandResult
    from domain.schedule import geneva_date

    # The skeleton holds no state of its own: imported once, not again for each run
    # (re-importing it was the largest cost of starting a workflow, measured).
    from workflows.process import ProcessWorkflow


@workflow.defn
class ContributionChase(ProcessWorkflow[Chase]):
    process: Chase

    @workflow.init
    def __init__(self, input: ChaseInput) -> None:
        self._begin(input, Chase, lambda: Chase(input=input, started_at=workflow.now()))

    @workflow.run
    async def run(self, input: ChaseInput) -> ChaseStatus:
        await self._run()
        return self.process.status()

    @workflow.query(description="The chase as it stands: stage, amounts, letters, receipts, next action.")
    def status(self) -> ChaseStatus:
        return self.process.status()

    @workflow.query(description="The context of the letter of a kind as it would go now (`ccm letters preview`).")
    def letter_context(self, kind: LetterKind) -> dict[str, Any]:
        return self.process.letter_context(kind)

    @workflow.update(description="Money received (amount, date, bank reference): counted once by its reference.")
    async def record_receipt(self, cmd: RecordReceipt) -> CommandResult:
        return await self._command(lambda: self.process.record_receipt(cmd, workflow.now()))

    @record_receipt.validator
    def _check_receipt(self, cmd: RecordReceipt) -> None:
        self._validate("record_receipt", cmd, lambda: self.process.check_receipt(cmd, geneva_date(workflow.now())))

    @workflow.update(description="A State says it paid: reminders wait; if nothing comes, a letter says so.")
    async def report_payment(self, cmd: ReportPayment) -> CommandResult:
        return await self._command(lambda: self.process.report_payment(cmd, workflow.now()))

    @report_payment.validator
    def _check_report(self, cmd: ReportPayment) -> None:
        self._validate("report_payment", cmd, lambda: self.process.check_report(cmd, geneva_date(workflow.now())))

    @workflow.update(description="A State pledges to pay: reminders wait until the expected date.")
    async def pledge(self, cmd: Pledge) -> CommandResult:
        return await self._command(lambda: self.process.pledge_payment(cmd, workflow.now()))

    @pledge.validator
    def _check_pledge(self, cmd: Pledge) -> None:
        self._validate("pledge", cmd, lambda: self.process.check_pledge(cmd, geneva_date(workflow.now())))

    @workflow.update(description="Move the Meeting of States Parties: the pre-MSP reminder and the due date follow.")
    async def set_msp_date(self, cmd: SetMspDate) -> CommandResult:
        return await self._command(lambda: self.process.set_msp_date(cmd))

    @set_msp_date.validator
    def _check_msp_date(self, cmd: SetMspDate) -> None:
        self._validate("set_msp_date", cmd, lambda: self.process.check_msp_date(cmd))

    @workflow.update(description="Send the President's individual letter now (the Presidency).")
    async def escalate(self, cmd: Escalate) -> CommandResult:
        return await self._command(lambda: self.process.escalate(cmd, workflow.now()))

    @escalate.validator
    def _check_escalate(self, cmd: Escalate) -> None:
        self._validate("escalate", cmd, lambda: self.process.check_escalate(cmd))

    @workflow.update(description="Waive the year's contribution (the Presidency, with a reason); the chase ends.")
    async def waive(self, cmd: Close) -> CommandResult:
        return await self._command(lambda: self.process.close("waived", cmd))

    @waive.validator
    def _check_waive(self, cmd: Close) -> None:
        self._validate("waive", cmd, lambda: self.process.check_close(cmd))

    @workflow.update(description="Cancel the chase (the Presidency, with a reason); it ends.")
    async def cancel(self, cmd: Close) -> CommandResult:
        return await self._command(lambda: self.process.close("cancelled", cmd))

    @cancel.validator
    def _check_cancel(self, cmd: Close) -> None:
        self._validate("cancel", cmd, lambda: self.process.check_close(cmd))

    @workflow.update(description="Reverse a receipt by its bank reference, with a compensating event.")
    async def reverse_receipt(self, cmd: ReverseReceipt) -> CommandResult:
        return await self._command(lambda: self.process.reverse_receipt(cmd, workflow.now()))

    @reverse_receipt.validator
    def _check_reversal(self, cmd: ReverseReceipt) -> None:
        self._validate("reverse_receipt", cmd, lambda: self.process.check_reversal(cmd))

    @workflow.update(description="Correct the amount due, with a compensating event; the letters follow.")
    async def correct_due(self, cmd: CorrectDue) -> CommandResult:
        return await self._command(lambda: self.process.correct_due(cmd, workflow.now()))

    @correct_due.validator
    def _check_correction(self, cmd: CorrectDue) -> None:
        self._validate("correct_due", cmd, lambda: self.process.check_correction(cmd))
