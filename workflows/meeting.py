"""Meeting: one Coordination Committee meeting (id `meeting-cc-{date}`).

Invitations with an iCalendar file when scheduled (an update of the same event when
rescheduled, a cancellation when cancelled); proposals until the cut-off, when the agenda
is composed and circulated; after the meeting, attendance, action items (each its own
ActionItem workflow, which outlives this one) and the minutes, which are approved at a
later meeting. The workflow ends when its minutes are approved, or when cancelled."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.records import AgendaFactsRequest, CalendarInvite, LetterOutcome, MessageRequest
    from domain.meetings import (
        ActionItemInput,
        AddActionItem,
        AgendaFacts,
        AgendaItem,
        ApproveMinutes,
        CancelMeeting,
        CirculateMinutes,
        MeetingInput,
        MeetingStatus,
        ProposeItem,
        RecordAttendance,
        Refusal,
        Reschedule,
        SetNextMeeting,
        action_id,
        agenda_text,
        check_presidency,
        compose_agenda,
    )

from workflows.action_item import ActionItem
from workflows.common import ACTIVITY_OPTIONS, CCM_DUE, CCM_STAGE, new_event, record

SUMMARY = "CCM Coordination Committee meeting"


def _refuse(message: str):
    raise ApplicationError(message, type="Refusal", non_retryable=True)


@workflow.defn
class Meeting:
    @workflow.init
    def __init__(self, input: MeetingInput) -> None:
        self.input = input
        self.schedule = input.schedule
        self.close_at = input.proposals_close_at
        self.sequence = 0
        self.stage = "scheduled"
        self.proposals: list[ProposeItem] = []
        self.agenda: list[AgendaItem] = []
        self.attendance: list[str] = []
        self.minutes: str | None = None
        self.minutes_versions = 0
        self.attendance_records = 0
        self.next_meeting = None
        self.action_items: list[str] = []
        self.changed = False
        self.started = False  # an update that arrives with the start waits for the invitations
        self.lock = asyncio.Lock()

    @property
    def meeting_id(self) -> str:
        return workflow.info().workflow_id

    def _emails(self) -> list[str]:
        return [p.email for p in self.input.participants if p.email]

    async def _set_stage(self, stage: str) -> None:
        self.stage = stage
        workflow.upsert_search_attributes([CCM_STAGE.value_set(stage)])

    async def _log(self, key: str, event_type: str, actor: str = "", office: str = "", **payload) -> None:
        await record(new_event(key, event_type, self.meeting_id, actor=actor, office=office, payload=payload))

    async def _mail(self, key: str, event_type: str, subject: str, body: str, method: str | None = None,
                    actor: str = "", office: str = "", **payload) -> None:
        """A message to every participant, with the meeting's calendar file if `method`."""
        invite = None
        if method:
            invite = CalendarInvite(meeting_id=self.meeting_id, schedule=self.schedule, summary=SUMMARY,
                                    organizer=self.input.organizer_email, participants=self.input.participants,
                                    sequence=self.sequence, method=method)
        event = new_event(key, event_type, self.meeting_id, actor=actor, office=office,
                          payload=payload | {"sequence": self.sequence})
        request = MessageRequest(event=event, to=self._emails(), subject=subject, body=body, calendar=invite)
        await workflow.execute_activity("send_message", request, result_type=LetterOutcome, **ACTIVITY_OPTIONS)

    def _when(self) -> str:
        s = self.schedule
        return f"{s.date:%A %-d %B %Y}, {s.start:%H:%M}–{s.end:%H:%M} (Geneva time), {s.venue}"

    @workflow.run
    async def run(self, input: MeetingInput) -> MeetingStatus:
        async with self.lock:
            workflow.upsert_search_attributes([CCM_DUE.value_set(self.schedule.starts_at)])
            if self.schedule.ends_at <= workflow.now():
                # A meeting already past is recorded as held; no invitations go out.
                await self._set_stage("held")
                await self._log("recorded", "meeting.recorded", date=self.schedule.date.isoformat(),
                                venue=self.schedule.venue)
            else:
                await self._set_stage("scheduled")
                await self._mail("invitation-0", "meeting.scheduled", f"Invitation: {SUMMARY}, {self.schedule.date}",
                                 f"You are invited to the {SUMMARY}:\n{self._when()}.\n", method="REQUEST",
                                 date=self.schedule.date.isoformat(), venue=self.schedule.venue)
            self.started = True
        while self.stage not in ("minutes_approved", "cancelled"):
            wake = {"scheduled": self.close_at, "agenda_circulated": self.schedule.ends_at}.get(self.stage)
            self.changed = False
            if wake is None:  # after the meeting: wait for minutes and their approval
                await workflow.wait_condition(lambda: self.changed)
                continue
            if wake > workflow.now():
                try:
                    await workflow.wait_condition(lambda: self.changed, timeout=wake - workflow.now())
                    continue
                except TimeoutError:
                    pass
            async with self.lock:
                if self.stage == "scheduled" and self.close_at <= workflow.now():
                    await self._circulate_agenda()
                elif self.stage == "agenda_circulated" and self.schedule.ends_at <= workflow.now():
                    await self._set_stage("held")
                    await self._log("held", "meeting.held", date=self.schedule.date.isoformat())
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    async def _circulate_agenda(self) -> None:
        facts = await workflow.execute_activity(
            "agenda_facts", AgendaFactsRequest(previous_meeting=self.input.previous_meeting),
            result_type=AgendaFacts, **ACTIVITY_OPTIONS)
        self.agenda = compose_agenda(self.schedule.date, self.input.standing_items,
                                     [p.title for p in self.proposals], facts.minutes_pending, facts.open_actions)
        await self._set_stage("agenda_circulated")
        await self._mail(f"agenda-{self.sequence}", "meeting.agenda_circulated",
                         f"Draft agenda: {SUMMARY}, {self.schedule.date}",
                         agenda_text(self.schedule.date, self.schedule.venue, self.agenda),
                         items=[a.title for a in self.agenda])

    @asynccontextmanager
    async def _turn(self):
        """Handlers act one at a time, and only after the start's own effects."""
        await workflow.wait_condition(lambda: self.started)
        async with self.lock:
            yield

    @workflow.query
    def status(self) -> MeetingStatus:
        return MeetingStatus(
            workflow_id=self.meeting_id, stage=self.stage, schedule=self.schedule, sequence=self.sequence,
            proposals_close_at=self.close_at, proposals=self.proposals, agenda=self.agenda,
            attendance=self.attendance, minutes=self.minutes, next_meeting=self.next_meeting,
            action_items=self.action_items, participants=self.input.participants,
            previous_meeting=self.input.previous_meeting, standing_items=self.input.standing_items)

    def _before_meeting(self, what: str) -> None:
        if self.stage not in ("scheduled", "agenda_circulated"):
            _refuse(f"cannot {what}: the meeting is {self.stage.replace('_', ' ')}")

    def _after_start(self, what: str) -> None:
        if self.stage == "cancelled" or workflow.now() < self.schedule.starts_at:
            _refuse(f"cannot {what} before the meeting has started")

    # --- before the meeting ---------------------------------------------------------------
    @workflow.update
    async def reschedule(self, cmd: Reschedule) -> MeetingStatus:
        async with self._turn():
            self._before_meeting("reschedule")
            self.schedule, self.close_at = cmd.schedule, cmd.proposals_close_at
            self.sequence += 1
            if self.stage == "agenda_circulated" and self.close_at > workflow.now():
                await self._set_stage("scheduled")  # proposals reopen until the new cut-off
            self.changed = True
            workflow.upsert_search_attributes([CCM_DUE.value_set(self.schedule.starts_at)])
            await self._mail(f"invitation-{self.sequence}", "meeting.rescheduled",
                             f"Updated: {SUMMARY}, now {self.schedule.date}",
                             f"The {SUMMARY} has moved to:\n{self._when()}.\n", method="REQUEST",
                             actor=cmd.actor, office=cmd.office, date=self.schedule.date.isoformat(),
                             start=self.schedule.start.isoformat(), venue=self.schedule.venue)
        return self.status()

    @reschedule.validator
    def _check_reschedule(self, cmd: Reschedule) -> None:
        self._before_meeting("reschedule")
        if cmd.schedule.starts_at <= workflow.now():
            _refuse("the new date and time must be in the future")

    @workflow.update
    async def cancel(self, cmd: CancelMeeting) -> MeetingStatus:
        async with self._turn():
            self._before_meeting("cancel")
            self.sequence += 1
            await self._set_stage("cancelled")
            self.changed = True
            await self._mail("cancelled", "meeting.cancelled", f"Cancelled: {SUMMARY}, {self.schedule.date}",
                             f"The {SUMMARY} of {self._when()} is cancelled: {cmd.reason}\n", method="CANCEL",
                             actor=cmd.actor, office=cmd.office, reason=cmd.reason)
        return self.status()

    @cancel.validator
    def _check_cancel(self, cmd: CancelMeeting) -> None:
        self._before_meeting("cancel")

    @workflow.update
    async def propose_item(self, cmd: ProposeItem) -> MeetingStatus:
        async with self._turn():
            self._check_proposal(cmd)
            self.proposals.append(cmd)
            await self._log(f"proposal-{len(self.proposals)}", "meeting.item_proposed", actor=cmd.proposer,
                            office="member", title=cmd.title)
        return self.status()

    @propose_item.validator
    def _check_proposal(self, cmd: ProposeItem) -> None:
        if self.stage != "scheduled" or workflow.now() >= self.close_at:
            _refuse(f"proposals closed at {self.close_at.isoformat(timespec='minutes')}: the agenda has gone out")

    # --- at and after the meeting ---------------------------------------------------------
    @workflow.update
    async def record_attendance(self, cmd: RecordAttendance) -> MeetingStatus:
        async with self._turn():
            self._after_start("record attendance")
            self.attendance = sorted(set(self.attendance) | set(cmd.present))
            self.attendance_records += 1
            await self._log(f"attendance-{self.attendance_records}", "meeting.attendance_recorded",
                            actor=cmd.actor, office=cmd.office, present=cmd.present)
        return self.status()

    @record_attendance.validator
    def _check_attendance(self, cmd: RecordAttendance) -> None:
        self._after_start("record attendance")

    @workflow.update
    async def set_next_meeting(self, cmd: SetNextMeeting) -> MeetingStatus:
        async with self._turn():
            self.next_meeting = cmd.date
            await self._log(f"next-meeting-{cmd.date.isoformat()}", "meeting.next_meeting_set",
                            date=cmd.date.isoformat())
        return self.status()

    @set_next_meeting.validator
    def _check_next_meeting(self, cmd: SetNextMeeting) -> None:
        if cmd.date <= self.schedule.date:
            _refuse("the next meeting must come after this one")

    @workflow.update
    async def add_action_item(self, cmd: AddActionItem) -> str:
        async with self._turn():
            self._check_action(cmd)
            number = len(self.action_items) + 1
            child_id = action_id(self.meeting_id, number)
            item = ActionItemInput(owner=cmd.owner, text=cmd.text, due=cmd.due or self.next_meeting,
                                   source=self.meeting_id, number=number)
            # The item outlives this workflow: it stays open after the minutes are approved.
            await workflow.start_child_workflow(ActionItem.run, item, id=child_id,
                                                parent_close_policy=ParentClosePolicy.ABANDON)
            self.action_items.append(child_id)
            await self._log(f"action-{number}", "meeting.action_item_added", actor=cmd.actor, office=cmd.office,
                            action_item=child_id, owner=cmd.owner, text=cmd.text, due=item.due.isoformat())
        return child_id

    @add_action_item.validator
    def _check_action(self, cmd: AddActionItem) -> None:
        self._after_start("add action items")
        if cmd.due is None and self.next_meeting is None:
            _refuse("no next meeting is set: give a due date, or set the next meeting first")
        due = cmd.due or self.next_meeting
        if due <= self.schedule.date:
            _refuse(f"the due date {due.isoformat()} must be after the meeting")

    @workflow.update
    async def circulate_minutes(self, cmd: CirculateMinutes) -> MeetingStatus:
        async with self._turn():
            self._check_minutes(cmd)
            self.minutes = cmd.text
            self.minutes_versions += 1
            await self._set_stage("minutes_circulated")
            self.changed = True
            await self._mail(f"minutes-{self.minutes_versions}", "meeting.minutes_circulated",
                             f"Draft minutes: {SUMMARY}, {self.schedule.date}", cmd.text,
                             actor=cmd.actor, office=cmd.office)
        return self.status()

    @circulate_minutes.validator
    def _check_minutes(self, cmd: CirculateMinutes) -> None:
        if self.stage not in ("held", "minutes_circulated"):
            _refuse(f"minutes are circulated after the meeting is held (it is {self.stage.replace('_', ' ')})")

    @workflow.update
    async def approve_minutes(self, cmd: ApproveMinutes) -> MeetingStatus:
        async with self._turn():
            self._check_approval(cmd)
            await self._set_stage("minutes_approved")
            self.changed = True
            await self._log("minutes-approved", "meeting.minutes_approved", actor=cmd.actor, office=cmd.office,
                            at_meeting=cmd.at_meeting.isoformat() if cmd.at_meeting else None)
        return self.status()

    @approve_minutes.validator
    def _check_approval(self, cmd: ApproveMinutes) -> None:
        try:
            check_presidency(cmd.office, "approve minutes")
        except Refusal as e:
            _refuse(str(e))
        if self.stage != "minutes_circulated":
            _refuse(f"there are no circulated minutes to approve (the meeting is {self.stage.replace('_', ' ')})")

