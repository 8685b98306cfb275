"""ConceptNote: one theme's concept note and operational plan for an MSP
(id `concept-note-{msp}-{theme}`). The rules, who may do what included, live in
`domain.concept_notes`; the skeleton is `workflows.process`.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.concept_notes import (
        Comment,
        ConceptNoteInput,
        ConceptNoteStatus,
        RequestChanges,
        SetPlanDue,
        SubmitPlan,
        SubmitVersion,
        Withdraw,
    )
    from domain.concept_notes import ConceptNote as Note
    from domain.process import Acting, CommandResult
    from domain.schedule import geneva_date

    # The skeleton holds no state of its own: imported once, not again for each run
    # (re-importing it was the largest cost of starting a workflow, measured).
    from workflows.process import ProcessWorkflow


@workflow.defn
class ConceptNote(ProcessWorkflow[Note]):
    process: Note

    @workflow.init
    def __init__(self, input: ConceptNoteInput) -> None:
        self._begin(input, Note, lambda: Note.new(input, workflow.info().workflow_id, workflow.now()))

    @workflow.run
    async def run(self, input: ConceptNoteInput) -> ConceptNoteStatus:
        await self._run()
        return self.process.status()

    @workflow.query(description="The note as it stands: versions, comments, plan, approvals, action items.")
    def status(self) -> ConceptNoteStatus:
        return self.process.status()

    # --- the concept note -------------------------------------------------------------------
    @workflow.update(description="A coordinator's new version of the note, with its executive summary.")
    async def submit_version(self, cmd: SubmitVersion) -> CommandResult:
        return await self._command(lambda: self.process.submit_version(cmd, workflow.now()))

    @submit_version.validator
    def _check_version(self, cmd: SubmitVersion) -> None:
        self._validate("submit_version", cmd, lambda: self.process.check_version(cmd, workflow.now()))

    @workflow.update(description="A comment on the circulated note, by anyone on the Committee.")
    async def comment(self, cmd: Comment) -> CommandResult:
        return await self._command(lambda: self.process.comment(cmd, workflow.now()))

    @comment.validator
    def _check_comment(self, cmd: Comment) -> None:
        self._validate("comment", cmd, lambda: self.process.check_comment(cmd))

    @workflow.update(description="The Presidency approves the final version: it is published.")
    async def approve_final(self, cmd: Acting) -> CommandResult:
        return await self._command(lambda: self.process.approve_final(cmd, workflow.now()))

    @approve_final.validator
    def _check_final(self, cmd: Acting) -> None:
        self._validate("approve_final", cmd, lambda: self.process.check_final(cmd))

    # --- the operational plan ---------------------------------------------------------------
    @workflow.update(description="A coordinator submits the plan, due from the meeting, final note or not.")
    async def submit_plan(self, cmd: SubmitPlan) -> CommandResult:
        return await self._command(lambda: self.process.submit_plan(cmd, workflow.now()))

    @submit_plan.validator
    def _check_plan(self, cmd: SubmitPlan) -> None:
        self._validate("submit_plan", cmd, lambda: self.process.check_plan(cmd))

    @workflow.update(description="The Presidency asks for changes to the submitted plan.")
    async def request_changes(self, cmd: RequestChanges) -> CommandResult:
        return await self._command(lambda: self.process.request_changes(cmd))

    @request_changes.validator
    def _check_changes(self, cmd: RequestChanges) -> None:
        self._validate("request_changes", cmd, lambda: self.process.check_changes(cmd))

    @workflow.update(description="The Presidency approves the plan: published, each step an action item.")
    async def approve_plan(self, cmd: Acting) -> CommandResult:
        return await self._command(lambda: self.process.approve_plan(cmd, workflow.now()))

    @approve_plan.validator
    def _check_plan_approval(self, cmd: Acting) -> None:
        self._validate("approve_plan", cmd, lambda: self.process.check_plan_approval(cmd))

    @workflow.update(description="Move the plan's due date (the Presidency or the ISU).")
    async def set_plan_due(self, cmd: SetPlanDue) -> CommandResult:
        return await self._command(lambda: self.process.set_plan_due(cmd, workflow.now()))

    @set_plan_due.validator
    def _check_due(self, cmd: SetPlanDue) -> None:
        self._validate("set_plan_due", cmd, lambda: self.process.check_due(cmd, geneva_date(workflow.now())))

    @workflow.update(description="Withdraw the note (its coordinators or the Presidency), with a reason.")
    async def withdraw(self, cmd: Withdraw) -> CommandResult:
        return await self._command(lambda: self.process.withdraw(cmd))

    @withdraw.validator
    def _check_withdraw(self, cmd: Withdraw) -> None:
        self._validate("withdraw", cmd, lambda: self.process.check_withdraw(cmd))
