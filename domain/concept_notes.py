"""Concept notes and operational plans: themes, offices, who may do what, plan steps.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

From the minutes of 4 November 2016 (items 4 and 5): each theme's coordinators circulate
a concept note before a Committee meeting, members comment, the final version is
approved and published with an executive summary, and the coordinators turn it into an
operational plan by the next meeting, which the President approves or sends back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from domain.action_items import ActionItemInput, action_id
from domain.contract import DocumentRef
from domain.money import Amount
from domain.office_holders import Alpha3, coordinators
from domain.offices import is_presidency, permit
from domain.process import (
    Acting,
    Action,
    CommandResult,
    Counters,
    Document,
    Effect,
    Lines,
    Log,
    Message,
    ProcessInput,
    Publish,
    Reason,
    Refusal,
    Show,
    StartActionItem,
    one_text,
    reminder_timeline,
    result_of,
)
from domain.schedule import geneva_date
from domain.schedule import utc_midnight as _midnight
from domain.themes import THEMES, THEMES_BY_SLUG, Theme, theme  # noqa: F401  (re-exported)

NoteCommand = Literal[
    "start",
    "submit_version",
    "comment",
    "approve_final",
    "submit_plan",
    "approve_plan",
    "request_changes",
    "set_plan_due",
    "withdraw",
]


def role_of(office: str, t: Theme) -> str:
    """`president`, `coordinator:<theme>`, `isu` or `member`, for an office acting on a theme.
    A coordinating State acts as its theme's coordinator; the Presidency coordinates its own
    paper."""
    if is_presidency(office):
        return "president"
    if office == "isu":
        return "isu"
    if office in t.coordinators or office == f"coordinator:{t.slug}":
        return f"coordinator:{t.slug}"
    return "member"


def authorize(action: NoteCommand, office: str, t: Theme) -> str:
    """The role the office acts in, or a Refusal naming who may do it (`domain.offices.RULES`)."""
    permit("concept_note", action, office, theme=t.slug, coordinators=t.coordinators)
    return role_of(office, t)


# --- operational plans ---------------------------------------------------------------------
class PlanStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Lines = Field(min_length=1, max_length=2_000)
    responsible: str = Field(min_length=1, max_length=100, description="a State (alpha-3) or an office")
    due: date
    budget: Amount | None = None
    targets: list[str] = Field(default_factory=list, max_length=250, description="target States, alpha-3")

    @field_validator("budget")
    @classmethod
    def _not_negative(cls, v: Decimal | None) -> Decimal | None:
        if v is not None and v < 0:
            raise ValueError("must not be negative")
        return v


MAX_STEPS = 200


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    steps: list[PlanStep] = Field(min_length=1, max_length=MAX_STEPS)


class PlanError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def parse_plan(text: str, resolve_state: Callable[[str], str], resolve_owner: Callable[[str], str]) -> Plan:
    """A plan file (YAML: `steps:` a list of action, responsible, due, budget, targets).
    Every problem is listed with its line; `resolve_*` turn names into codes or raise."""
    import yaml  # only where plans are read: keeps `ccm --help` light

    class Loader(yaml.SafeLoader):
        """Dates stay text, so that a wrong one is reported with its line, not raised."""

    Loader.yaml_implicit_resolvers = {
        first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    try:
        root = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = mark.line + 1 if mark else "?"
        raise PlanError([f"line {where}: not valid YAML ({getattr(e, 'problem', e)})"]) from None
    if root is None or not isinstance(root, yaml.MappingNode):
        raise PlanError(["line 1: the plan must be a mapping with `steps:`"])
    fields = {k.value: v for k, v in root.value}
    steps_node = fields.get("steps")
    if not isinstance(steps_node, yaml.SequenceNode) or not steps_node.value:
        raise PlanError([f"line {(steps_node or root).start_mark.line + 1}: `steps:` must be a non-empty list[Any]"])
    if len(steps_node.value) > MAX_STEPS:
        raise PlanError(
            [
                f"line {steps_node.start_mark.line + 1}: {len(steps_node.value)} steps: a plan has at most "
                f"{MAX_STEPS} (split it, or keep the concrete ones)"
            ]
        )
    problems, steps = [], []
    for node in steps_node.value:
        line = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            problems.append(f"line {line}: a step must be a mapping (action, responsible, due, …)")
            continue
        raw = yaml.load(yaml.serialize(node), Loader=Loader)
        lines = {k.value: k.start_mark.line + 1 for k, _ in node.value}
        unknown = set(raw) - set(PlanStep.model_fields)
        for key in sorted(unknown):
            problems.append(f"line {lines[key]}: unknown field {key!r}")
        if "responsible" in raw:
            try:
                raw["responsible"] = resolve_owner(str(raw["responsible"]))
            except ValueError as e:
                problems.append(f"line {lines['responsible']}: {e}")
                raw["responsible"] = "?"  # reported; the other fields are still checked
        if not isinstance(raw.get("targets") or [], list):
            problems.append(f"line {lines['targets']}: targets must be a list of States")
        else:
            for name in raw.get("targets") or []:
                try:
                    raw.setdefault("_targets", []).append(resolve_state(str(name)))
                except ValueError as e:
                    problems.append(f"line {lines['targets']}: {e}")
        raw["targets"] = raw.pop("_targets", [])
        try:
            steps.append(PlanStep(**{k: v for k, v in raw.items() if k in PlanStep.model_fields}))
        except ValidationError as e:
            for err in e.errors():
                key = str(err["loc"][0]) if err["loc"] else "step"
                message = err["msg"].removeprefix("Value error, ")
                problems.append(f"line {lines.get(key, line)}: {key}: {message}")
    if problems:
        raise PlanError(sorted(problems, key=lambda p: int(p.split(":")[0].removeprefix("line "))))
    return Plan(steps=steps)


# --- the workflow's models -----------------------------------------------------------------
Stage = Literal[
    "drafting",
    "circulated",
    "in_comment",
    "final_approved",
    "published",
    "plan_due",
    "overdue",
    "plan_submitted",
    "changes_requested",
    "plan_approved",
    "withdrawn",
]


class ConceptNoteInput(ProcessInput):
    theme: str
    msp: str = Field(pattern=r"^\d+MSP$|^\d+RC$", description="e.g. 7MSP")
    meeting: date = Field(description="the Committee meeting where the note is presented")
    circulate_by: datetime = Field(description="versions after this are marked late")
    plan_due: date = Field(description="default: the next meeting")
    reminder_days: list[int] = Field(default_factory=lambda: [14, 3])
    coordinators: list[Alpha3] | None = Field(
        None,
        max_length=4,
        description="the theme's coordinators in the term (alpha-3); default: the shipped data's "
        "(`domain.office_holders`), as `ccm plan start` gives them with the operator's records",
    )

    @model_validator(mode="after")
    def _plan_after_meeting(self) -> ConceptNoteInput:
        if self.plan_due <= self.meeting:
            raise ValueError(
                f"the plan is due after the meeting that presents the note ({self.meeting}), not on {self.plan_due}"
            )
        return self


def term_theme(inp: ConceptNoteInput) -> Theme:
    """The note's theme with the coordinators of its term (`inp.msp`)."""
    t = theme(inp.theme)
    held = inp.coordinators if inp.coordinators is not None else coordinators(inp.msp, t.slug)
    return t.model_copy(update={"coordinators": held})


def concept_note_summary(inp: ConceptNoteInput) -> tuple[str, str]:
    t = term_theme(inp)
    return (
        f"Concept note: {t.title}, {inp.msp}",
        f"Coordinators {', '.join(t.coordinators) or 'the Presidency'}; presented at the meeting of "
        f"{inp.meeting.isoformat()}; operational plan due {inp.plan_due.isoformat()}.",
    )


def concept_note_id(msp: str, theme_slug: str) -> str:
    return f"concept-note-{msp}-{theme_slug}"


class SubmitVersion(Acting, Document):
    summary: Lines = Field(min_length=1, max_length=5_000, description="the executive summary published with it")
    circulated_on: date | None = Field(
        None, description="the day it was circulated, when it is entered afterwards (default: now)"
    )

    _one_text = model_validator(mode="after")(one_text)


class Comment(Acting):
    text: Lines = Field(min_length=1, max_length=10_000)


class SubmitPlan(Acting):
    plan: Plan


class RequestChanges(Acting):
    comments: Lines = Field(min_length=1, max_length=10_000)


class SetPlanDue(Acting):
    date: date


class Withdraw(Acting):
    reason: Reason = Field(min_length=1)


class Version(BaseModel):
    number: int
    submitted_at: datetime
    circulated_on: date | None = None
    late: bool
    summary: str
    text: str
    actor: str
    office: str
    document: DocumentRef | None = None


class CommentMade(BaseModel):
    at: datetime
    office: str
    actor: str
    text: str


class Approval(BaseModel):
    what: str
    at: datetime
    actor: str
    office: str
    role: str


class ConceptNoteStatus(BaseModel):
    workflow_id: str
    theme: str
    title: str
    coordinators: list[str]
    msp: str
    stage: Stage
    versions: list[Version]
    comments: list[CommentMade]
    plan: Plan | None
    plan_versions: int
    plan_due: date
    approvals: list[Approval]
    action_items: list[str]
    pages: list[str]
    plan_overdue: bool = False
    plan_days_late: int = 0

    @property
    def late(self) -> bool:
        return any(v.late for v in self.versions)


# --- the process ---------------------------------------------------------------------------


def _words(stage: str) -> str:
    return stage.replace("_", " ")


class ConceptNote(Counters):
    """drafting → circulated → in_comment → final_approved → published → plan_due
    → plan_submitted → (changes_requested → plan_submitted)* → plan_approved; or withdrawn.
    On plan approval each step becomes an ActionItem that outlives the note."""

    input: ConceptNoteInput
    workflow_id: str
    stage: Stage = "drafting"
    versions: list[Version] = Field(default_factory=list)
    comments: list[CommentMade] = Field(default_factory=list)
    plan: Plan | None = None
    plan_versions: int = 0
    plan_due: date
    plan_since: datetime = Field(description="plan reminders due before this are not sent late")
    plan_overdue: bool = Field(False, description="the plan's due date passed with no plan, the note not yet final")
    plan_late_days: int = Field(0, description="days after its due date the last plan came")
    reminded: list[str] = Field(default_factory=list)
    approvals: list[Approval] = Field(default_factory=list)
    action_items: list[str] = Field(default_factory=list)
    pages: list[str] = Field(default_factory=list)

    @classmethod
    def new(cls, input: ConceptNoteInput, workflow_id: str, now: datetime) -> ConceptNote:
        theme(input.theme)  # refused at once if unknown
        return cls(input=input, workflow_id=workflow_id, plan_due=input.plan_due, plan_since=now)

    @property
    def theme(self) -> Theme:
        return term_theme(self.input)

    @property
    def subject(self) -> str:
        return self.input.theme

    @property
    def finished(self) -> bool:
        return self.stage in ("plan_approved", "withdrawn")

    def _stage(self, stage: Stage) -> Show:
        self.stage = stage
        return Show(stage=stage)

    def _log(self, key: str, event_type: str, cmd: Acting | None = None, **payload: Any) -> Log:
        return Log(
            key=key,
            event_type=event_type,
            actor=cmd.actor if cmd else "",
            office=cmd.office if cmd else "",
            payload=payload,
        )

    def _coordinators(self) -> str:
        return ", ".join(self.theme.coordinators) or "the Presidency"

    def _page_context(self, approved_on: date, cmd: Acting) -> dict[str, Any]:
        return {
            "title": self.theme.title,
            "msp": self.input.msp,
            "coordinators": self._coordinators(),
            "approved_on": approved_on.isoformat(),
            "approved_by": cmd.actor or cmd.office,
        }

    def _check_stage(self, what: str, *stages: str) -> None:
        if self.stage not in stages:
            raise Refusal(f"cannot {what} while the note is {_words(self.stage)}")

    # --- the timeline ---------------------------------------------------------------------
    def start(self) -> list[Effect]:
        i = self.input
        return [
            Show(theme=i.theme, due=_midnight(self.plan_due)),
            self._stage("drafting"),
            self._log(
                "started",
                "concept.started",
                theme=i.theme,
                msp=i.msp,
                meeting=i.meeting.isoformat(),
                circulate_by=i.circulate_by.isoformat(),
                plan_due=i.plan_due.isoformat(),
                coordinators=self.theme.coordinators,
            ),
        ]

    def _waiting_for_plan(self) -> bool:
        """The plan is due from the meeting that asked for it, whether or not the final note
        is approved yet (the Committee adapts notes as it goes): until one is submitted."""
        return self.plan is None and (
            self.stage == "plan_due"
            or (self.stage in ("drafting", "circulated", "in_comment") and not self.plan_overdue)
        )

    def next_action(self) -> Action | None:
        """Reminders before the plan is due, then `overdue` (the Presidency is told)."""
        if not self._waiting_for_plan():
            return None
        return reminder_timeline(
            self.plan_due,
            self.input.reminder_days,
            self.plan_since,
            lambda key, _: key in self.reminded,
            "the coordinators",
            key_prefix="plan-reminder-",
            overdue="plan overdue",
        )

    def fire(self, action: Action, now: datetime, facts: object = None) -> list[Effect]:
        title, due = self.theme.title, self.plan_due.isoformat()
        if action.key == "overdue":
            # Before the final note, the note keeps its stage and the plan is marked overdue.
            if self.stage == "plan_due":
                stage = [self._stage("overdue")]
            else:
                self.plan_overdue, stage = True, []
            return [
                *stage,
                Message(
                    key=self.change_key("overdue"),
                    event_type="concept.plan_overdue",
                    payload={"due": due, "told": "president"},
                    subject_line=f"Operational plan overdue: {title}",
                    body=f"To the Presidency: the operational plan on {title} was due on {due} "
                    "and has not been submitted.\n",
                ),
            ]
        self.reminded.append(action.key)
        return [
            Message(
                key=action.key,
                event_type="concept.plan_reminder_sent",
                payload={"due": due},
                subject_line=f"Reminder: operational plan on {title} due {due}",
                body=f"To the coordinators ({', '.join(self.theme.coordinators) or 'Presidency'}): "
                f"the operational plan is due on {due}.\n",
            )
        ]

    # --- the concept note -------------------------------------------------------------------
    def authorize(self, command: NoteCommand, cmd: Acting) -> None:
        authorize(command, cmd.office, self.theme)

    def check_version(self, cmd: SubmitVersion, now: datetime) -> None:
        self._check_stage("submit a version", "drafting", "circulated", "in_comment")
        if cmd.circulated_on is not None:
            if cmd.circulated_on > geneva_date(now):
                raise Refusal(f"circulated on {cmd.circulated_on.isoformat()}: that day has not come yet")
            earliest = self.input.meeting - timedelta(days=366)
            if cmd.circulated_on < earliest:
                raise Refusal(
                    f"circulated on {cmd.circulated_on.isoformat()}: more than a year before the meeting "
                    f"of {self.input.meeting.isoformat()} it is presented at"
                )
            earlier = self.versions[-1].circulated_on if self.versions else None
            if earlier and cmd.circulated_on < earlier:
                raise Refusal(
                    f"circulated on {cmd.circulated_on.isoformat()}: before version "
                    f"{len(self.versions)} ({earlier.isoformat()})"
                )

    def _late(self, cmd: SubmitVersion, now: datetime) -> bool:
        """After the circulation deadline; a version entered afterwards counts from the day
        it was circulated (by the end of that day in Geneva)."""
        if cmd.circulated_on is None:
            return now > self.input.circulate_by
        return cmd.circulated_on > geneva_date(self.input.circulate_by)

    def submit_version(self, cmd: SubmitVersion, now: datetime) -> list[Effect]:
        self.check_version(cmd, now)
        late = self._late(cmd, now)
        version = Version(
            number=len(self.versions) + 1,
            submitted_at=now,
            circulated_on=cmd.circulated_on,
            late=late,
            summary=cmd.summary,
            text=cmd.text,
            document=cmd.document,
            actor=cmd.actor,
            office=cmd.office,
        )
        self.versions.append(version)
        effects: list[Effect] = [self._stage("circulated")] if self.stage == "drafting" else []
        return effects + [
            self._log(
                f"version-{version.number}",
                "concept.version_submitted",
                cmd,
                version=version.number,
                late=late,
                summary=cmd.summary,
                characters=cmd.size,
                **({"circulated_on": cmd.circulated_on.isoformat()} if cmd.circulated_on else {}),
                document=cmd.document.sha256 if cmd.document else None,
                # what was circulated, for a run rebuilt from the log (`domain.rebuild`)
                **({"document_name": cmd.document.name} if cmd.document else {"text": cmd.text}),
            )
        ]

    def check_comment(self, cmd: Comment) -> None:
        self._check_stage("comment", "circulated", "in_comment")

    def comment(self, cmd: Comment, now: datetime) -> list[Effect]:
        self.check_comment(cmd)
        self.comments.append(CommentMade(at=now, office=cmd.office, actor=cmd.actor, text=cmd.text))
        effects: list[Effect] = [self._stage("in_comment")] if self.stage == "circulated" else []
        return effects + [self._log(f"comment-{len(self.comments)}", "concept.commented", cmd, text=cmd.text)]

    def check_final(self, cmd: Acting) -> None:
        self._check_stage("approve the final version", "circulated", "in_comment")

    def approve_final(self, cmd: Acting, now: datetime) -> list[Effect]:
        """Approved, published with its executive summary; the plan is due from now."""
        self.check_final(cmd)
        final = self.versions[-1]
        self.approvals.append(
            Approval(
                what=f"concept note v{final.number}",
                at=now,
                actor=cmd.actor,
                office=cmd.office,
                role=role_of(cmd.office, self.theme),
            )
        )
        path = f"concept-notes/{self.input.msp}-{self.input.theme}.html"
        self.pages.append(path)
        effects: list[Effect] = [
            self._stage("final_approved"),
            self._log("final-approved", "concept.final_approved", cmd, version=final.number),
            Publish(
                key="published",
                event_type="concept.published",
                payload={"version": final.number},
                template="concept_note",
                path=path,
                context=self._page_context(geneva_date(now), cmd)
                | {
                    "version": final.number,
                    "summary": final.summary,
                    "text": final.text,
                    "text_document": final.document.sha256 if final.document else None,
                },
            ),
            self._stage("published"),
        ]
        # The plan's timeline ran from the start: a plan already in waits for approval, one
        # already overdue stays so.
        after: Stage = "plan_submitted" if self.plan is not None else "overdue" if self.plan_overdue else "plan_due"
        return effects + [self._stage(after)]

    # --- the operational plan ---------------------------------------------------------------
    def check_plan(self, cmd: SubmitPlan) -> None:
        # Asked of every coordinator by the meeting's date, final note or not.
        self._check_stage(
            "submit a plan", "drafting", "circulated", "in_comment", "plan_due", "overdue", "changes_requested"
        )

    def submit_plan(self, cmd: SubmitPlan, now: datetime) -> list[Effect]:
        self.check_plan(cmd)
        self.plan = cmd.plan
        self.plan_versions += 1
        self.plan_late_days = max(0, (geneva_date(now) - self.plan_due).days)
        # Before the final note is approved the note keeps its stage; the plan waits for it.
        stage = [self._stage("plan_submitted")] if self.stage in ("plan_due", "overdue", "changes_requested") else []
        return [
            *stage,
            self._log(
                f"plan-{self.plan_versions}",
                "concept.plan_submitted",
                cmd,
                version=self.plan_versions,
                steps=len(cmd.plan.steps),
                late=self.plan_late_days > 0,
                days_late=self.plan_late_days,
                due=self.plan_due.isoformat(),
                plan=cmd.plan.model_dump(mode="json")["steps"],
            ),
        ]

    def check_changes(self, cmd: RequestChanges) -> None:
        self._check_stage("request changes", "plan_submitted")

    def request_changes(self, cmd: RequestChanges) -> list[Effect]:
        self.check_changes(cmd)
        return [
            self._stage("changes_requested"),
            self._log(
                f"changes-{self.plan_versions}",
                "concept.changes_requested",
                cmd,
                comments=cmd.comments,
                plan_version=self.plan_versions,
            ),
        ]

    def check_plan_approval(self, cmd: Acting) -> None:
        self._check_stage("approve the plan", "plan_submitted")

    def approve_plan(self, cmd: Acting, now: datetime) -> list[Effect]:
        """Approved and published; each step becomes an action item of its own."""
        self.check_plan_approval(cmd)
        self.approvals.append(
            Approval(
                what=f"operational plan v{self.plan_versions}",
                at=now,
                actor=cmd.actor,
                office=cmd.office,
                role=role_of(cmd.office, self.theme),
            )
        )
        path = f"plans/{self.input.msp}-{self.input.theme}.html"
        self.pages.append(path)
        assert self.plan is not None  # checked: a plan was submitted
        effects: list[Effect] = [
            self._log("plan-approved", "concept.plan_approved", cmd, version=self.plan_versions),
            Publish(
                key="plan-published",
                event_type="concept.plan_published",
                payload={"version": self.plan_versions},
                template="plan",
                path=path,
                context=self._page_context(geneva_date(now), cmd)
                | {"version": self.plan_versions, "steps": self.plan.model_dump(mode="json")["steps"]},
            ),
        ]
        source = f"plan-{self.input.msp}-{self.input.theme}"
        for number, step in enumerate(self.plan.steps, start=1):
            own = step.responsible == f"coordinator:{self.input.theme}"  # the note's own coordinators
            item = ActionItemInput(
                owner=step.responsible,
                text=step.action,
                due=step.due,
                source=self.workflow_id,
                number=number,
                coordinators=self.theme.coordinators if own else None,
            )
            self.action_items.append(action_id(source, number))
            effects.append(StartActionItem(id=action_id(source, number), input=item))
        return effects + [self._stage("plan_approved")]

    def check_due(self, cmd: SetPlanDue, today: date) -> None:
        if self.finished:
            raise Refusal(f"the note is {_words(self.stage)}")
        if cmd.date < today:
            raise Refusal(f"the plan due date {cmd.date.isoformat()} is in the past")

    def set_plan_due(self, cmd: SetPlanDue, now: datetime) -> list[Effect]:
        self.check_due(cmd, geneva_date(now))
        previous, self.plan_due, self.plan_since = self.plan_due, cmd.date, now
        self.plan_overdue = False
        effects: list[Effect] = [self._stage("plan_due")] if self.stage == "overdue" else []
        return effects + [
            Show(due=_midnight(cmd.date)),
            self._log(
                self.change_key("plan-due"),
                "concept.plan_due_set",
                cmd,
                previous=previous.isoformat(),
                due=cmd.date.isoformat(),
            ),
        ]

    def check_withdraw(self, cmd: Withdraw) -> None:
        if self.finished:
            raise Refusal(f"the note is already {_words(self.stage)}")

    def withdraw(self, cmd: Withdraw) -> list[Effect]:
        self.check_withdraw(cmd)
        return [self._stage("withdrawn"), self._log("withdrawn", "concept.withdrawn", cmd, reason=cmd.reason)]

    # --- reading ---------------------------------------------------------------------------
    def status(self) -> ConceptNoteStatus:
        t = self.theme
        return ConceptNoteStatus(
            workflow_id=self.workflow_id,
            theme=t.slug,
            title=t.title,
            coordinators=t.coordinators,
            msp=self.input.msp,
            stage=self.stage,
            versions=self.versions,
            comments=self.comments,
            plan=self.plan,
            plan_versions=self.plan_versions,
            plan_due=self.plan_due,
            approvals=self.approvals,
            action_items=self.action_items,
            pages=self.pages,
            plan_overdue=self.plan_overdue or self.stage == "overdue",
            plan_days_late=self.plan_late_days,
        )

    def result(self, effects: list[Any]) -> CommandResult:
        last = self.versions[-1] if self.versions else None
        summary = {
            "version": last.number if last else "",
            "late": bool(last and last.late),
            "plan_version": self.plan_versions,
            "action_items": len(self.action_items),
            "plan_days_late": self.plan_late_days,
        }
        return result_of(self.workflow_id, self.stage, effects, summary)
