"""Campaign: a universalization campaign for one target State (id `campaign-{state}`).
The rules live in `domain.campaigns`; the skeleton is `workflows.process`.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.campaigns import Campaign as Process
    from domain.campaigns import (
        CampaignInput,
        CampaignStatus,
        CloseCampaign,
        Joined,
        NoteMeeting,
        RecordOutreach,
        SendLetter,
    )
    from domain.process import CommandResult
    from domain.schedule import geneva_date

    # The skeleton holds no state of its own: imported once, not again for each run.
    from workflows.process import ProcessWorkflow


@workflow.defn
class Campaign(ProcessWorkflow[Process]):
    process: Process

    @workflow.init
    def __init__(self, input: CampaignInput) -> None:
        self._begin(input, Process, lambda: Process.new(input, workflow.info().workflow_id, workflow.now()))

    @workflow.run
    async def run(self, input: CampaignInput) -> CampaignStatus:
        await self._run()
        return self.process.status()

    @workflow.query(description="The campaign as it stands: outreach, meetings, reminders, stage.")
    def status(self) -> CampaignStatus:
        return self.process.status()

    @workflow.update(description="Record a letter, visit, meeting, call or workshop with the target State.")
    async def record_outreach(self, cmd: RecordOutreach) -> CommandResult:
        return await self._command(lambda: self.process.record_outreach(cmd, geneva_date(workflow.now())))

    @record_outreach.validator
    def _check_outreach(self, cmd: RecordOutreach) -> None:
        self._validate("record_outreach", cmd, lambda: self.process.check_outreach(cmd, geneva_date(workflow.now())))

    @workflow.update(description="The President's letter to the State's head of mission, drawn and sent.")
    async def send_letter(self, cmd: SendLetter) -> CommandResult:
        return await self._command(lambda: self.process.send_letter(cmd, geneva_date(workflow.now())))

    @send_letter.validator
    def _check_letter(self, cmd: SendLetter) -> None:
        self._validate("send_letter", cmd, lambda: self.process.check_letter(cmd))

    @workflow.update(description="A Committee meeting scheduled: the coordinators are reminded a week before.")
    async def note_meeting(self, cmd: NoteMeeting) -> CommandResult:
        return await self._command(lambda: self.process.note_meeting(cmd))

    @note_meeting.validator
    def _check_meeting(self, cmd: NoteMeeting) -> None:
        self._validate("note_meeting", cmd, lambda: self.process.check_meeting(cmd))

    @workflow.update(description="The State's accession or ratification recorded: the campaign ends.")
    async def join(self, cmd: Joined) -> CommandResult:
        return await self._command(lambda: self.process.join(cmd, workflow.now()))

    @join.validator
    def _check_join(self, cmd: Joined) -> None:
        self._validate("join", cmd, lambda: self.process.check_joined(cmd))

    @workflow.update(description="Close the campaign (its coordinators or the Presidency), with a reason.")
    async def close(self, cmd: CloseCampaign) -> CommandResult:
        return await self._command(lambda: self.process.close(cmd))

    @close.validator
    def _check_close(self, cmd: CloseCampaign) -> None:
        self._validate("close", cmd, lambda: self.process.check_close(cmd))
