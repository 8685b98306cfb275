"""What every process shares: refusals, who acts, effects, timed actions, command results.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

Each process is an aggregate (`Chase`, `Meeting`, `ActionItem`, `ConceptNote`) with the
same shape: `check_x()` refuses a command before anything changes, `x()` applies it and
returns the `Effect`s the workflow must carry out in order, `next_action()` says what the
timer waits for and `fire()` carries that action out when its time has come. Pure: the
workflow skeleton (`workflows/process.py`) turns effects into activities.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.contract import MAX_INLINE_TEXT, AgendaFactsRequest, CalendarInvite, DocumentRef
from domain.event_types import check_payload
from domain.refusal import Refusal as Refusal  # where every aggregate has always found it
from domain.schedule import utc_midnight
from domain.signatures import CommandSignature as CommandSignature  # where every command model has found it
from domain.text import Lines as Lines
from domain.text import OneLine as OneLine
from domain.text import Reason as Reason
from domain.text import Short as Short
from domain.text import clean_text as clean_text
from domain.text import one_line as one_line
from domain.text import some_lines as some_lines

SYSTEM = "system"  # who acts where no person's command did: a timer, a Schedule
UNNAMED = "unnamed"  # a start sent straight to Temporal that named no one (never under required signatures)


class Acting(BaseModel):
    """Who sent a command: a person (may be unnamed) and the office they act for, and
    the signature of the key they hold for it, where they signed. Every command model
    derives from it and refuses a field it does not know (a misspelt one from the plain
    `temporal` CLI would otherwise be dropped in silence)."""

    model_config = ConfigDict(extra="forbid")

    actor: OneLine = Field("", max_length=200)
    office: str = Field("", max_length=100)
    signature: CommandSignature | None = None


class Document(BaseModel):
    """A text: inline when short, else a document stored in the event log."""

    text: str = Field("", max_length=MAX_INLINE_TEXT)
    document: DocumentRef | None = None

    @property
    def size(self) -> int:
        return self.document.size if self.document else len(self.text)


def one_text(model: Document) -> Document:
    if bool(model.text.strip()) == bool(model.document):
        raise ValueError("give the text, or a document stored in the log, not both and not neither")
    return model


# --- effects: what a command or a timer asks the workflow to carry out, in order ---------
class _Recorded(BaseModel):
    """An effect written to the event log under `<workflow id>/<key>`. It carries a payload
    its event type's model takes (`domain.event_types`): one that does not is a bug, caught
    where the aggregate builds it, not when the log is written."""

    key: str
    event_type: str
    payload: dict[str, Any] = Field(default_factory=dict)
    actor: str = ""
    office: str = ""

    @model_validator(mode="after")
    def _payload_its_model_takes(self) -> _Recorded:
        check_payload(self.event_type, self.payload)
        return self


class Log(_Recorded):
    kind: Literal["log"] = "log"


class Letter(_Recorded):
    """A letter to the State from its template (`activities/templates/letters`)."""

    kind: Literal["letter"] = "letter"
    letter: str
    language: str = "en"
    context: dict[str, Any] = Field(default_factory=dict)


class Message(_Recorded):
    """A message already written, to the given addresses (none: the outbox only)."""

    kind: Literal["message"] = "message"
    subject_line: str
    body: str
    body_document: DocumentRef | None = None
    to: list[str] = Field(default_factory=list)
    calendar: CalendarInvite | None = None


class Publish(_Recorded):
    """A page in the public site folder, from `templates/pages/<template>.html`."""

    kind: Literal["publish"] = "publish"
    template: str
    path: str
    context: dict[str, Any] = Field(default_factory=dict)


class Show(BaseModel):
    """Search attributes to show in Temporal's lists (None: left as they are)."""

    kind: Literal["show"] = "show"
    stage: str | None = None
    state: str | None = None
    year: int | None = None
    theme: str | None = None
    owner: str | None = None
    due: datetime | None = None


class StartActionItem(BaseModel):
    """An ActionItem workflow of its own, which outlives the process that starts it."""

    kind: Literal["action_item"] = "action_item"
    id: str
    input: Any  # domain.action_items.ActionItemInput (kept loose: that module imports this one)


Effect = Annotated[Log | Letter | Message | Publish | Show | StartActionItem, Field(discriminator="kind")]


class Counters(BaseModel):
    """Idempotency keys that name a change, never its value: a value can come back
    (a date moved A → B → A), a change does not."""

    counters: dict[str, int] = Field(default_factory=dict)

    def change_key(self, name: str) -> str:
        self.counters[name] = self.counters.get(name, 0) + 1
        return f"{name}-{self.counters[name]}"


class Action(BaseModel):
    """What the timer waits for: `key` at `at`. `needs`: facts from outside the process
    that an activity reads and `fire` is given."""

    key: str
    at: datetime
    description: str = ""
    needs: AgendaFactsRequest | None = None


REMINDER_TIME = time(8, 0, tzinfo=timezone.utc)  # reminders go at 08:00 UTC, the morning in Geneva


def reminder_timeline(
    due: date,
    days_before: list[int],
    since: datetime,
    sent: Callable[[str, date], bool],
    whom: str,
    key_prefix: str = "reminder-",
    overdue: str = "overdue",
) -> Action:
    """The next of the reminders `days_before` a due date (each named by its days and the
    due date, so a date moved starts a new series), leaving out one sent (`sent(key,
    day)`) or already past at `since`; once none is left, the moment the thing is
    overdue: the start of the day after. The one timeline of the action item, the
    obligation and the concept note's plan."""
    for days in sorted(days_before, reverse=True):
        day = due - timedelta(days=days)
        key, at = f"{key_prefix}{days}d-{due.isoformat()}", datetime.combine(day, REMINDER_TIME)
        if at > since and not sent(key, day):
            return Action(key=key, at=at, description=f"remind {whom} ({days} days before)")
    return Action(key="overdue", at=utc_midnight(due + timedelta(days=1)), description=overdue)


class Started(BaseModel):
    """Who started a workflow, with their signature over its input; the worker checks them
    before anything happens (`workflows.process.check_started`). Every workflow input
    derives from it and refuses a field it does not know."""

    model_config = ConfigDict(extra="forbid")

    started_by: Acting | None = Field(None, description="who started it, and their signature")
    # A run another started (a chase of the annual cycle): the signed start of that run, which
    # its own events carry as theirs (`workflows.process.start_proof`); the worker checked it
    # when that run started.
    parent_proof: dict[str, Any] | None = Field(None, description="the signed start of the run that started this one")

    def signed_arguments(self) -> dict[str, Any]:
        """What the starter's signature covers: the input but who started it."""
        return self.model_dump(mode="json", exclude={"started_by", "snapshot", "parent_proof"})


class ProcessInput(Started):
    """What every workflow input carries besides its own fields: the bound after which a
    long-lived run continues as new, the process it hands on when it does, who started it."""

    continue_after: int = Field(10_000, ge=50, le=50_000, description="history events before continuing as new")
    generation: int = Field(
        1,
        ge=1,
        le=1_000,
        description="a run rebuilt from the event log is the next "
        "generation: its rows are keyed `<id>/g<N>/…`, never taken for an earlier run's",
    )
    snapshot: str | None = Field(None, description="the process as the previous run left it (JSON)")


class Aggregate(Protocol):
    """What the workflow skeleton (`workflows.process.ProcessWorkflow`) asks of a process:
    `Chase`, `Meeting`, `ActionItem`, `ConceptNote`, `Obligation`."""

    @property
    def input(self) -> ProcessInput: ...
    @property
    def stage(self) -> str: ...
    @property
    def finished(self) -> bool: ...
    @property
    def subject(self) -> str: ...

    def start(self) -> list[Effect]: ...
    def next_action(self) -> Action | None: ...
    def fire(self, action: Action, now: datetime, facts: Any = None) -> list[Effect]: ...
    def authorize(self, command: Any, cmd: Acting) -> None: ...
    def result(self, effects: list[Any]) -> CommandResult: ...
    def status(self) -> BaseModel: ...
    def model_dump_json(self) -> str: ...


class CommandResult(BaseModel):
    """What an update answers: small, so a history does not grow with the process's size.
    The full picture is the `status` query."""

    workflow_id: str
    stage: str
    events: list[str] = Field(default_factory=list, description="event types the command wrote")
    summary: dict[str, str] = Field(default_factory=dict, description="the figures a person reads next")


def result_of(workflow_id: str, stage: str, effects: list[Any], summary: dict[str, Any]) -> CommandResult:
    return CommandResult(
        workflow_id=workflow_id,
        stage=stage,
        events=[e.event_type for e in effects if isinstance(e, _Recorded)],
        summary={k: "" if v is None else str(v) for k, v in summary.items()},
    )
