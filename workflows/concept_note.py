"""ConceptNote: one theme's concept note and operational plan for an MSP
(id `concept-note-{msp}-{theme}`).

drafting → circulated → in_comment → final_approved → published → plan_due
→ plan_submitted → (changes_requested → plan_submitted)* → plan_approved; or withdrawn.
Who may do what is `domain.concept_notes.authorize`; a refused update changes nothing.
On plan approval each step becomes an ActionItem workflow that outlives this one."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import datetime, time, timedelta, timezone

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.records import LetterOutcome, MessageRequest, PageRequest
    from domain.concept_notes import (
        Acting,
        Approval,
        Comment,
        CommentMade,
        ConceptNoteInput,
        ConceptNoteStatus,
        Plan,
        Refusal,
        RequestChanges,
        SetPlanDue,
        SubmitPlan,
        SubmitVersion,
        Version,
        Withdraw,
        authorize,
        theme,
    )
    from domain.meetings import ActionItemInput, action_id

from workflows.action_item import ActionItem
from workflows.common import ACTIVITY_OPTIONS, CCM_DUE, CCM_STAGE, CCM_THEME, new_event, record

REMINDER_TIME = time(8, 0, tzinfo=timezone.utc)


def _midnight(day) -> datetime:
    return datetime.combine(day, time(0, tzinfo=timezone.utc))


def _refuse(message: str):
    raise ApplicationError(message, type="Refusal", non_retryable=True)


@workflow.defn
class ConceptNote:
    @workflow.init
    def __init__(self, input: ConceptNoteInput) -> None:
        self.input = input
        self.theme = theme(input.theme)
        self.stage = "drafting"
        self.versions: list[Version] = []
        self.comments: list[CommentMade] = []
        self.plan: Plan | None = None
        self.plan_versions = 0
        self.plan_due = input.plan_due
        self.plan_since = workflow.now()  # plan reminders due before this are not sent late
        self.reminded: list[str] = []
        self.approvals: list[Approval] = []
        self.action_items: list[str] = []
        self.pages: list[str] = []
        self.changed = False
        self.started = False
        self.lock = asyncio.Lock()

    # --- helpers -----------------------------------------------------------------------------
    def _authorize(self, action: str, cmd: Acting) -> str:
        try:
            return authorize(action, cmd.office, self.theme)
        except Refusal as e:
            _refuse(str(e))

    def _stage_in(self, what: str, *stages: str) -> None:
        if self.stage not in stages:
            _refuse(f"cannot {what} while the note is {self.stage.replace('_', ' ')}")

    async def _set_stage(self, stage: str) -> None:
        self.stage = stage
        workflow.upsert_search_attributes([CCM_STAGE.value_set(stage)])

    async def _log(self, key: str, event_type: str, cmd: Acting | None = None, **payload) -> None:
        await record(new_event(key, event_type, self.theme.slug, actor=cmd.actor if cmd else "",
                               office=cmd.office if cmd else "", payload=payload))

    async def _tell(self, key: str, event_type: str, subject: str, body: str, **payload) -> None:
        event = new_event(key, event_type, self.theme.slug, payload=payload)
        await workflow.execute_activity("send_message", MessageRequest(event=event, subject=subject, body=body),
                                        result_type=LetterOutcome, **ACTIVITY_OPTIONS)

    def _base_context(self) -> dict:
        return {"title": self.theme.title, "msp": self.input.msp,
                "coordinators": ", ".join(self.theme.coordinators) or "the Presidency"}

    @asynccontextmanager
    async def _turn(self):
        """Handlers act one at a time, and only after the start's own effects."""
        await workflow.wait_condition(lambda: self.started)
        async with self.lock:
            yield
            self.changed = True

    def _next_timer(self) -> tuple[str, datetime] | None:
        if self.stage not in ("plan_due",):
            return None
        for days in sorted(self.input.reminder_days, reverse=True):
            key = f"plan-reminder-{days}d-{self.plan_due.isoformat()}"
            at = datetime.combine(self.plan_due - timedelta(days=days), REMINDER_TIME)
            if key not in self.reminded and at > self.plan_since:
                return key, at
        return "overdue", _midnight(self.plan_due + timedelta(days=1))

    # --- the run -----------------------------------------------------------------------------
    @workflow.run
    async def run(self, input: ConceptNoteInput) -> ConceptNoteStatus:
        async with self.lock:
            workflow.upsert_search_attributes([CCM_THEME.value_set(self.theme.slug),
                                               CCM_DUE.value_set(_midnight(self.plan_due))])
            await self._set_stage("drafting")
            await self._log("started", "concept.started", theme=self.theme.slug, msp=input.msp,
                            meeting=input.meeting.isoformat(), circulate_by=input.circulate_by.isoformat(),
                            plan_due=input.plan_due.isoformat())
            self.started = True
        while self.stage not in ("plan_approved", "withdrawn"):
            self.changed = False
            timer = self._next_timer()
            if timer is None:
                await workflow.wait_condition(lambda: self.changed)
                continue
            key, at = timer
            if at > workflow.now():
                try:
                    await workflow.wait_condition(lambda: self.changed, timeout=at - workflow.now())
                    continue
                except TimeoutError:
                    pass
            async with self.lock:
                if self._next_timer() != timer:
                    continue
                if key == "overdue":
                    await self._set_stage("overdue")
                    await self._tell(f"overdue-{self.plan_due.isoformat()}", "concept.plan_overdue",
                                     f"Operational plan overdue: {self.theme.title}",
                                     f"To the Presidency: the operational plan on {self.theme.title} was due on "
                                     f"{self.plan_due.isoformat()} and has not been submitted.\n",
                                     due=self.plan_due.isoformat(), told="president")
                else:
                    self.reminded.append(key)
                    await self._tell(key, "concept.plan_reminder_sent",
                                     f"Reminder: operational plan on {self.theme.title} due {self.plan_due}",
                                     f"To the coordinators ({', '.join(self.theme.coordinators) or 'Presidency'}): "
                                     f"the operational plan is due on {self.plan_due.isoformat()}.\n",
                                     due=self.plan_due.isoformat())
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    @workflow.query
    def status(self) -> ConceptNoteStatus:
        return ConceptNoteStatus(
            workflow_id=workflow.info().workflow_id, theme=self.theme.slug, title=self.theme.title,
            coordinators=self.theme.coordinators, msp=self.input.msp, stage=self.stage, versions=self.versions,
            comments=self.comments, plan=self.plan, plan_versions=self.plan_versions, plan_due=self.plan_due,
            approvals=self.approvals, action_items=self.action_items, pages=self.pages)

    # --- the concept note ------------------------------------------------------------------------
    @workflow.update
    async def submit_version(self, cmd: SubmitVersion) -> ConceptNoteStatus:
        async with self._turn():
            self._check_version(cmd)
            late = workflow.now() > self.input.circulate_by
            version = Version(number=len(self.versions) + 1, submitted_at=workflow.now(), late=late,
                              summary=cmd.summary, text=cmd.text, actor=cmd.actor, office=cmd.office)
            self.versions.append(version)
            if self.stage == "drafting":
                await self._set_stage("circulated")
            await self._log(f"version-{version.number}", "concept.version_submitted", cmd, version=version.number,
                            late=late, summary=cmd.summary, characters=len(cmd.text))
        return self.status()

    @submit_version.validator
    def _check_version(self, cmd: SubmitVersion) -> None:
        self._authorize("submit_version", cmd)
        self._stage_in("submit a version", "drafting", "circulated", "in_comment")

    @workflow.update
    async def comment(self, cmd: Comment) -> ConceptNoteStatus:
        async with self._turn():
            self._check_comment(cmd)
            self.comments.append(CommentMade(at=workflow.now(), office=cmd.office, actor=cmd.actor, text=cmd.text))
            if self.stage == "circulated":
                await self._set_stage("in_comment")
            await self._log(f"comment-{len(self.comments)}", "concept.commented", cmd, text=cmd.text)
        return self.status()

    @comment.validator
    def _check_comment(self, cmd: Comment) -> None:
        self._authorize("comment", cmd)
        self._stage_in("comment", "circulated", "in_comment")

    @workflow.update
    async def approve_final(self, cmd: Acting) -> ConceptNoteStatus:
        async with self._turn():
            role = self._check_final(cmd)
            final = self.versions[-1]
            self.approvals.append(Approval(what=f"concept note v{final.number}", at=workflow.now(), actor=cmd.actor,
                                           office=cmd.office, role=role))
            await self._set_stage("final_approved")
            await self._log("final-approved", "concept.final_approved", cmd, version=final.number)
            path = f"concept-notes/{self.input.msp}-{self.theme.slug}.html"
            context = self._base_context() | {"version": final.number, "summary": final.summary, "text": final.text,
                                              "approved_on": workflow.now().date().isoformat(),
                                              "approved_by": cmd.actor or cmd.office}
            await workflow.execute_activity("publish_page", PageRequest(
                event=new_event("published", "concept.published", self.theme.slug, payload={"version": final.number}),
                template="concept_note", path=path, context=context), result_type=str, **ACTIVITY_OPTIONS)
            self.pages.append(path)
            await self._set_stage("published")
            self.plan_since = workflow.now()
            await self._set_stage("plan_due")
        return self.status()

    @approve_final.validator
    def _check_final(self, cmd: Acting) -> str:
        role = self._authorize("approve_final", cmd)
        self._stage_in("approve the final version", "circulated", "in_comment")
        return role

    # --- the operational plan --------------------------------------------------------------------
    @workflow.update
    async def submit_plan(self, cmd: SubmitPlan) -> ConceptNoteStatus:
        async with self._turn():
            self._check_plan(cmd)
            self.plan = cmd.plan
            self.plan_versions += 1
            await self._set_stage("plan_submitted")
            await self._log(f"plan-{self.plan_versions}", "concept.plan_submitted", cmd, version=self.plan_versions,
                            steps=len(cmd.plan.steps), late=workflow.now().date() > self.plan_due)
        return self.status()

    @submit_plan.validator
    def _check_plan(self, cmd: SubmitPlan) -> None:
        self._authorize("submit_plan", cmd)
        self._stage_in("submit a plan", "plan_due", "overdue", "changes_requested")

    @workflow.update
    async def request_changes(self, cmd: RequestChanges) -> ConceptNoteStatus:
        async with self._turn():
            self._check_changes(cmd)
            await self._set_stage("changes_requested")
            await self._log(f"changes-{self.plan_versions}", "concept.changes_requested", cmd, comments=cmd.comments,
                            plan_version=self.plan_versions)
        return self.status()

    @request_changes.validator
    def _check_changes(self, cmd: RequestChanges) -> None:
        self._authorize("request_changes", cmd)
        self._stage_in("request changes", "plan_submitted")

    @workflow.update
    async def approve_plan(self, cmd: Acting) -> ConceptNoteStatus:
        async with self._turn():
            role = self._check_plan_approval(cmd)
            self.approvals.append(Approval(what=f"operational plan v{self.plan_versions}", at=workflow.now(),
                                           actor=cmd.actor, office=cmd.office, role=role))
            await self._log("plan-approved", "concept.plan_approved", cmd, version=self.plan_versions)
            path = f"plans/{self.input.msp}-{self.theme.slug}.html"
            context = self._base_context() | {"version": self.plan_versions,
                                              "steps": self.plan.model_dump(mode="json")["steps"],
                                              "approved_on": workflow.now().date().isoformat(),
                                              "approved_by": cmd.actor or cmd.office}
            await workflow.execute_activity("publish_page", PageRequest(
                event=new_event("plan-published", "concept.plan_published", self.theme.slug,
                                payload={"version": self.plan_versions}),
                template="plan", path=path, context=context), result_type=str, **ACTIVITY_OPTIONS)
            self.pages.append(path)
            source = f"plan-{self.input.msp}-{self.theme.slug}"
            for number, step in enumerate(self.plan.steps, start=1):
                item = ActionItemInput(owner=step.responsible, text=step.action, due=step.due,
                                       source=workflow.info().workflow_id, number=number)
                # Each step is tracked on its own; it outlives this workflow.
                await workflow.start_child_workflow(ActionItem.run, item, id=action_id(source, number),
                                                    parent_close_policy=ParentClosePolicy.ABANDON)
                self.action_items.append(action_id(source, number))
            await self._set_stage("plan_approved")
        return self.status()

    @approve_plan.validator
    def _check_plan_approval(self, cmd: Acting) -> str:
        role = self._authorize("approve_plan", cmd)
        self._stage_in("approve the plan", "plan_submitted")
        return role

    @workflow.update
    async def set_plan_due(self, cmd: SetPlanDue) -> ConceptNoteStatus:
        async with self._turn():
            self._check_due(cmd)
            previous, self.plan_due, self.plan_since = self.plan_due, cmd.date, workflow.now()
            if self.stage == "overdue":
                await self._set_stage("plan_due")
            workflow.upsert_search_attributes([CCM_DUE.value_set(_midnight(cmd.date))])
            await self._log(f"plan-due-{cmd.date.isoformat()}", "concept.plan_due_set", cmd,
                            previous=previous.isoformat(), due=cmd.date.isoformat())
        return self.status()

    @set_plan_due.validator
    def _check_due(self, cmd: SetPlanDue) -> None:
        self._authorize("set_plan_due", cmd)
        if self.stage in ("plan_approved", "withdrawn"):
            _refuse(f"the note is {self.stage.replace('_', ' ')}")
        if cmd.date < workflow.now().date():
            _refuse(f"the plan due date {cmd.date.isoformat()} is in the past")

    @workflow.update
    async def withdraw(self, cmd: Withdraw) -> ConceptNoteStatus:
        async with self._turn():
            self._check_withdraw(cmd)
            await self._set_stage("withdrawn")
            await self._log("withdrawn", "concept.withdrawn", cmd, reason=cmd.reason)
        return self.status()

    @withdraw.validator
    def _check_withdraw(self, cmd: Withdraw) -> None:
        self._authorize("withdraw", cmd)
        if self.stage in ("plan_approved", "withdrawn"):
            _refuse(f"the note is already {self.stage.replace('_', ' ')}")
