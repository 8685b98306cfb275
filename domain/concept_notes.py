"""Concept notes and operational plans: themes, offices, who may do what, plan steps.

From the minutes of 4 November 2016 (items 4 and 5): each theme's coordinators circulate
a concept note before a Committee meeting, members comment, the final version is
approved and published with an executive summary, and the coordinators turn it into an
operational plan by the next meeting, which the President approves or sends back.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from domain.money import CHF

Action = Literal["submit_version", "comment", "approve_final", "submit_plan", "approve_plan", "request_changes",
                 "set_plan_due", "withdraw"]


class Theme(BaseModel):
    slug: str
    title: str
    coordinators: list[str] = Field(description="alpha-3 codes; the Presidency's own paper has none")


THEMES = [
    Theme(slug="victim-assistance", title="Victim Assistance", coordinators=["ITA", "CHL"]),
    Theme(slug="universalization", title="Universalization", coordinators=["FRA", "ZMB"]),
    Theme(slug="stockpile-destruction", title="Stockpile Destruction", coordinators=["HRV", "MEX"]),
    Theme(slug="clearance-and-rre", title="Clearance and Risk Reduction Education", coordinators=["NOR", "NLD"]),
    Theme(slug="cooperation-and-assistance", title="International Cooperation and Assistance",
          coordinators=["IRQ", "AUS"]),
    Theme(slug="transparency-measures", title="Transparency Measures", coordinators=["CRI"]),
    Theme(slug="national-implementation", title="National Implementation Measures", coordinators=["NZL"]),
    Theme(slug="general-status", title="General Status and Operation of the Convention", coordinators=["BIH", "CHE"]),
    Theme(slug="country-coalitions", title="Country Coalitions (non-paper of the Presidency)", coordinators=[]),
]
THEMES_BY_SLUG = {t.slug: t for t in THEMES}
PRESIDENCY = {"president", "presidency"}


class Refusal(ValueError):
    """An action refused for its office or its stage; the message says why."""


def theme(slug: str) -> Theme:
    try:
        return THEMES_BY_SLUG[slug]
    except KeyError:
        raise Refusal(f"unknown theme {slug!r}: one of {', '.join(THEMES_BY_SLUG)}") from None


def role_of(office: str, t: Theme) -> str:
    """`president`, `coordinator:<theme>`, `isu` or `member`, for an office acting on a theme.
    A coordinating State acts as its theme's coordinator; the Presidency coordinates its own
    paper."""
    if office in PRESIDENCY:
        return "president"
    if office == "isu":
        return "isu"
    if office in t.coordinators or office == f"coordinator:{t.slug}":
        return f"coordinator:{t.slug}"
    return "member"


def is_coordinator(role: str, t: Theme) -> bool:
    return role == f"coordinator:{t.slug}" or (not t.coordinators and role == "president")


def authorize(action: Action, office: str, t: Theme) -> str:
    """The role the office acts in, or a Refusal naming who may do it."""
    role = role_of(office, t)
    coordinators = " or ".join(t.coordinators) if t.coordinators else "the Presidency"
    rules: dict[str, tuple[bool, str]] = {
        "submit_version": (is_coordinator(role, t), f"the theme's coordinators ({coordinators})"),
        "submit_plan": (is_coordinator(role, t), f"the theme's coordinators ({coordinators})"),
        "withdraw": (is_coordinator(role, t) or role == "president", f"the coordinators ({coordinators}) "
                                                                     "or the Presidency"),
        "comment": (True, ""),
        "approve_final": (role == "president", "the Presidency"),
        "approve_plan": (role == "president", "the Presidency"),
        "request_changes": (role == "president", "the Presidency"),
        "set_plan_due": (role in ("president", "isu"), "the Presidency or the ISU"),
    }
    allowed, who = rules[action]
    if not allowed:
        raise Refusal(f"only {who} may {action.replace('_', ' ')}; {office or 'an unnamed office'} acts as {role}")
    return role


# --- operational plans ---------------------------------------------------------------------
class PlanStep(BaseModel):
    action: str = Field(min_length=1)
    responsible: str = Field(min_length=1, description="a State (alpha-3) or an office")
    due: date
    budget: CHF | None = None
    targets: list[str] = Field(default_factory=list, description="target States, alpha-3")

    @field_validator("budget")
    @classmethod
    def _not_negative(cls, v: Decimal | None) -> Decimal | None:
        if v is not None and v < 0:
            raise ValueError("must not be negative")
        return v


class Plan(BaseModel):
    steps: list[PlanStep] = Field(min_length=1)


class PlanError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def parse_plan(text: str, resolve_state, resolve_owner) -> Plan:
    """A plan file (YAML: `steps:` a list of action, responsible, due, budget, targets).
    Every problem is listed with its line; `resolve_*` turn names into codes or raise."""
    import yaml  # only where plans are read: keeps `ccm --help` light

    class Loader(yaml.SafeLoader):
        """Dates stay text, so that a wrong one is reported with its line, not raised."""

    Loader.yaml_implicit_resolvers = {
        first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
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
        raise PlanError([f"line {(steps_node or root).start_mark.line + 1}: `steps:` must be a non-empty list"])
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
Stage = Literal["drafting", "circulated", "in_comment", "final_approved", "published", "plan_due", "overdue",
                "plan_submitted", "changes_requested", "plan_approved", "withdrawn"]


class ConceptNoteInput(BaseModel):
    theme: str
    msp: str = Field(pattern=r"^\d+MSP$|^\d+RC$", description="e.g. 7MSP")
    meeting: date = Field(description="the Committee meeting where the note is presented")
    circulate_by: datetime = Field(description="versions after this are marked late")
    plan_due: date = Field(description="default: the next meeting")
    reminder_days: list[int] = Field(default_factory=lambda: [14, 3])


def concept_note_id(msp: str, theme_slug: str) -> str:
    return f"concept-note-{msp}-{theme_slug}"


class Acting(BaseModel):
    actor: str = ""
    office: str = ""


class SubmitVersion(Acting):
    text: str = Field(min_length=1)
    summary: str = Field(min_length=1, description="the executive summary published with it")


class Comment(Acting):
    text: str = Field(min_length=1)


class SubmitPlan(Acting):
    plan: Plan


class RequestChanges(Acting):
    comments: str = Field(min_length=1)


class SetPlanDue(Acting):
    date: date


class Withdraw(Acting):
    reason: str = Field(min_length=1)


class Version(BaseModel):
    number: int
    submitted_at: datetime
    late: bool
    summary: str
    text: str
    actor: str
    office: str


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

    @property
    def late(self) -> bool:
        return any(v.late for v in self.versions)

