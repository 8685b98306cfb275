"""Meeting: one Coordination Committee meeting (id `meeting-cc-{date}`). The rules live
in `domain.meetings`; the skeleton is `workflows.process`. The workflow ends when its
minutes are approved, or when the meeting is cancelled.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.meetings import (
        AddActionItem,
        ApproveMinutes,
        CancelMeeting,
        CirculateMinutes,
        MeetingInput,
        MeetingStatus,
        ProposeItem,
        RecordAgenda,
        RecordAttendance,
        Reschedule,
        SetNextMeeting,
    )
    from domain.meetings import Meeting as Process
    from domain.process import CommandResult

    # The skeleton holds no state of its own: imported once, not again for each run
    # (re-importing it was the largest cost of starting a workflow, measured).
    from workflows.process import ProcessWorkflow


@workflow.defn
class Meeting(ProcessWorkflow[Process]):
    process: Process

    @workflow.init
    def __init__(self, input: MeetingInput) -> None:
        self._begin(input, Process, lambda: Process.new(input, workflow.info().workflow_id, workflow.now()))

    @workflow.run
    async def run(self, input: MeetingInput) -> MeetingStatus:
        await self._run()
        return self.process.status()

    @workflow.query(description="The meeting: schedule, proposals, agenda, attendance, minutes, action items.")
    def status(self) -> MeetingStatus:
        return self.process.status()

    # --- before the meeting ---------------------------------------------------------------
    @workflow.update(description="Move the meeting: the participants get an update of the same calendar event.")
    async def reschedule(self, cmd: Reschedule) -> CommandResult:
        return await self._command(lambda: self.process.reschedule(cmd, workflow.now()))

    @reschedule.validator
    def _check_reschedule(self, cmd: Reschedule) -> None:
        self._validate("reschedule", cmd, lambda: self.process.check_reschedule(cmd, workflow.now()))

    @workflow.update(description="Cancel the meeting: the participants get a cancellation of the event.")
    async def cancel(self, cmd: CancelMeeting) -> CommandResult:
        return await self._command(lambda: self.process.cancel(cmd))

    @cancel.validator
    def _check_cancel(self, cmd: CancelMeeting) -> None:
        self._validate("cancel", cmd, lambda: self.process.check_cancel(cmd))

    @workflow.update(description="A member proposes an agenda item, until the cut-off.")
    async def propose_item(self, cmd: ProposeItem) -> CommandResult:
        return await self._command(lambda: self.process.propose_item(cmd, workflow.now()))

    @propose_item.validator
    def _check_proposal(self, cmd: ProposeItem) -> None:
        self._validate("propose_item", cmd, lambda: self.process.check_proposal(cmd, workflow.now()))

    # --- at and after the meeting ---------------------------------------------------------
    @workflow.update(description="Record the delegations present, once the meeting has started.")
    async def record_attendance(self, cmd: RecordAttendance) -> CommandResult:
        return await self._command(lambda: self.process.record_attendance(cmd, workflow.now()))

    @record_attendance.validator
    def _check_attendance(self, cmd: RecordAttendance) -> None:
        self._validate("record_attendance", cmd, lambda: self.process.check_attendance(cmd, workflow.now()))

    @workflow.update(description="Record the agenda as the meeting adopted it.")
    async def record_agenda(self, cmd: RecordAgenda) -> CommandResult:
        return await self._command(lambda: self.process.record_agenda(cmd, workflow.now()))

    @record_agenda.validator
    def _check_agenda(self, cmd: RecordAgenda) -> None:
        self._validate("record_agenda", cmd, lambda: self.process.check_agenda(cmd, workflow.now()))

    @workflow.update(description="Record the date of the next meeting (the action items' default due date).")
    async def set_next_meeting(self, cmd: SetNextMeeting) -> CommandResult:
        return await self._command(lambda: self.process.set_next_meeting(cmd))

    @set_next_meeting.validator
    def _check_next_meeting(self, cmd: SetNextMeeting) -> None:
        self._validate("set_next_meeting", cmd, lambda: self.process.check_next_meeting(cmd))

    @workflow.update(description="Add an action item decided at the meeting; it is tracked by its own workflow.")
    async def add_action_item(self, cmd: AddActionItem) -> CommandResult:
        return await self._command(lambda: self.process.add_action_item(cmd, workflow.now()))

    @add_action_item.validator
    def _check_action(self, cmd: AddActionItem) -> None:
        self._validate("add_action_item", cmd, lambda: self.process.check_action(cmd, workflow.now()))

    @workflow.update(description="Circulate the draft minutes to the participants.")
    async def circulate_minutes(self, cmd: CirculateMinutes) -> CommandResult:
        return await self._command(lambda: self.process.circulate_minutes(cmd))

    @circulate_minutes.validator
    def _check_minutes(self, cmd: CirculateMinutes) -> None:
        self._validate("circulate_minutes", cmd, lambda: self.process.check_minutes(cmd))

    @workflow.update(description="The minutes approved at a later meeting, as the Presidency records it.")
    async def approve_minutes(self, cmd: ApproveMinutes) -> CommandResult:
        return await self._command(lambda: self.process.approve_minutes(cmd, workflow.now()))

    @approve_minutes.validator
    def _check_approval(self, cmd: ApproveMinutes) -> None:
        self._validate("approve_minutes", cmd, lambda: self.process.check_approval(cmd, workflow.now()))
