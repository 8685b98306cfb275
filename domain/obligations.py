"""Treaty obligations per State: Article 7 transparency reports, Article 3 and 4
deadlines and their extensions, the Dubrovnik Action Plan's victim-assistance dates.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

Pure rules, each citing its article, and the `Obligation` aggregate (on the chase's
pattern): reminders before the due date, `overdue` after it with a monthly reminder
until fulfilled, the responsible coordinators told when it becomes overdue.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from domain.csvfile import Problems
from domain.event_types import typed
from domain.events import Event, NewEvent
from domain.offices import permit
from domain.process import (
    REMINDER_TIME,
    Acting,
    Action,
    CommandResult,
    Counters,
    Effect,
    Log,
    Message,
    ProcessInput,
    Reason,
    Refusal,
    Short,
    Show,
    reminder_timeline,
    result_of,
)
from domain.schedule import geneva_date, geneva_today, utc_midnight
from domain.states import Registry, entry_into_force  # noqa: F401  (Art. 17, with the registry)
from domain.text import clean_text

Kind = Literal[
    "art7-initial", "art7-annual", "art3-stockpiles", "art4-clearance", "dap-va-focal-point", "dap-va-action-plan"
]
KINDS: dict[str, str] = {
    "art7-initial": "initial transparency report (Article 7.1)",
    "art7-annual": "annual transparency report (Article 7.2)",
    "art3-stockpiles": "destruction of stockpiled cluster munitions (Article 3.2)",
    "art4-clearance": "clearance and destruction of cluster munition remnants (Article 4.1)",
    "dap-va-focal-point": "victim-assistance focal point (Dubrovnik Action Plan)",
    "dap-va-action-plan": "national victim-assistance action plan (Dubrovnik Action Plan)",
}
# The coordinators told when an obligation of each kind becomes overdue.
COORDINATORS = {
    "art7-initial": "coordinator:transparency-measures",
    "art7-annual": "coordinator:transparency-measures",
    "art3-stockpiles": "coordinator:stockpile-destruction",
    "art4-clearance": "coordinator:clearance-and-rre",
    "dap-va-focal-point": "coordinator:victim-assistance",
    "dap-va-action-plan": "coordinator:victim-assistance",
}
EXTENSION_NOTICE_MONTHS = 9
OPENED_FOR_SIGNATURE = date(2008, 12, 3)  # Oslo: no instrument is deposited before it
IN_FORCE = date(2010, 8, 1)  # the Convention's entry into force: no obligation is met before it


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), kept within the month it lands in."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def initial_report_due(in_force: date) -> date:
    """Art. 7.1: within 180 days of entry into force (1 October 2016: 30 March 2017)."""
    return in_force + timedelta(days=180)


def annual_report_due(year: int) -> date:
    """Art. 7.2: updated annually by 30 April, for the previous calendar year."""
    return date(year + 1, 4, 30)


def stockpiles_destroyed_by(in_force: date) -> date:
    """Art. 3.2: as soon as possible, at the latest 8 years after entry into force."""
    return add_months(in_force, 8 * 12)


def clearance_by(in_force: date) -> date:
    """Art. 4.1: as soon as possible, at the latest 10 years after entry into force."""
    return add_months(in_force, 10 * 12)


# Articles 3.5 and 4.5: a request asks for at most this many years beyond the deadline in
# force (Articles 3.6 and 4.8 allow further requests, each bounded alike).
EXTENSION_LIMITS = {"art3-stockpiles": (4, "Article 3.5"), "art4-clearance": (5, "Article 4.5")}


def latest_extension_request(meeting: date) -> date:
    """Art. 3.5 and 4.6: a request reaches the meeting that considers it at least nine
    months before it opens."""
    return add_months(meeting, -EXTENSION_NOTICE_MONTHS)


DAP_DUE = {"dap-va-focal-point": date(2016, 12, 31), "dap-va-action-plan": date(2018, 12, 31)}


def due_date(kind: str, in_force: date | None, period: int | None = None) -> date:
    """When an obligation of `kind` falls due for a State in force from `in_force`."""
    if kind == "art7-annual":
        if period is None:
            raise Refusal("an annual report needs its year")
        return annual_report_due(period)
    if kind in DAP_DUE:
        return DAP_DUE[kind]
    if in_force is None:
        raise Refusal("the State has no entry into force: it is not a State Party")
    return {
        "art7-initial": initial_report_due,
        "art3-stockpiles": stockpiles_destroyed_by,
        "art4-clearance": clearance_by,
    }[kind](in_force)


def earliest_fulfilment(kind: str, period: str, in_force: date | None) -> date:
    """The first day an obligation can be met: a report once its period has ended and the
    Convention binds the State (Art. 7); anything else once the Convention is in force."""
    bound = max(IN_FORCE, in_force) if in_force else IN_FORCE
    if kind == "art7-annual":
        return max(bound, date(int(period) + 1, 1, 1))
    return bound if kind == "art7-initial" else IN_FORCE


def check_period(kind: str, period: str, today: date) -> None:
    """An annual report's period is a year the Convention was in force, up to this one."""
    if kind == "art7-annual" and not (period.isdigit() and IN_FORCE.year <= int(period) <= today.year):
        raise Refusal(f"an annual report's period is a year from {IN_FORCE.year} to {today.year}, not {period!r}")


def period_of(kind: str, year: int | None) -> str:
    return (
        str(year)
        if kind == "art7-annual"
        else ("2016" if kind == "dap-va-focal-point" else "2018" if kind == "dap-va-action-plan" else "eif")
    )


# Which States Parties carry Article 3, Article 4 and victim-assistance obligations: data,
# from the Cluster Munition Monitor 2016 and the States' Article 7 reports as recalled when
# this file was written (not re-checked here: no access from this machine). Edit the CSV,
# or give `--obligations FILE` with the same columns (state,article,note; article 3, 4, va).
ARTICLE_OF = {"art3-stockpiles": "3", "art4-clearance": "4", "dap-va-focal-point": "va", "dap-va-action-plan": "va"}


def concerned(kind: str, parties: dict[str, Any], year: int | None = None, data: str | None = None) -> list[str]:
    """The States Parties (alpha-3 -> entry into force) an obligation of `kind` concerns:
    every State Party for Article 7 (for an annual report, those in force during the
    year), the States listed in the data for the others."""
    import csv
    from importlib import resources

    if kind == "art7-initial":
        return sorted(parties)
    if kind == "art7-annual":
        assert year is not None, "an annual report is of a year"
        return sorted(a for a, eif in parties.items() if eif is not None and eif <= date(year, 12, 31))
    text = (
        data if data is not None else resources.files("domain").joinpath("data/obligations_2016.csv").read_text("utf-8")
    )
    rows = csv.DictReader(text.lstrip("\ufeff").splitlines())
    return sorted(
        {
            r["state"].strip().upper()
            for r in rows
            if r["article"].strip().lower() == ARTICLE_OF[kind] and r["state"].strip().upper() in parties
        }
    )


def obligation_id(state: str, kind: str, period: str) -> str:
    return f"obligation-{state}-{kind}-{period}"


class ObligationInput(ProcessInput):
    state: str = Field(pattern=r"^[A-Z]{3}$")
    state_name: str = Field("", max_length=100)
    kind: Kind
    period: str = Field(pattern=r"^(\d{4}|eif)$")
    due: date
    due_source: str = Field("", max_length=300, description="why this date: the rule, or an override's reason")
    in_force: date | None = Field(None, description="the Convention's entry into force for the State")
    reminder_days: list[int] = Field(default_factory=lambda: [60, 14])

    @model_validator(mode="after")
    def _dates(self) -> ObligationInput:
        if self.due < IN_FORCE:
            raise ValueError(f"no obligation falls due before the Convention's entry into force, {IN_FORCE}")
        if self.kind == "art7-annual" and not (self.period.isdigit() and int(self.period) >= IN_FORCE.year):
            raise ValueError(f"an annual report's period is a year from {IN_FORCE.year}, not {self.period!r}")
        return self


class Fulfil(Acting):
    date: date
    reference: Short = ""


class RequestExtension(Acting):
    new_due: date
    meeting: date = Field(description="the Meeting of States Parties (or Review Conference) that considers it")
    reason: Reason
    submitted: date


class DecideExtension(Acting):
    """The decision of a Meeting of States Parties (or Review Conference) on a request,
    recorded by the Presidency or the ISU: they record it, the meeting makes it."""

    granted: bool
    meeting: date
    msp: str = Field(pattern=r"^(\d{1,2}MSP|\dRC)$", description="the meeting that decided: 13MSP, 2RC")
    text: Reason = Field(min_length=1, description="the decision as the meeting's report records it")
    new_due: date | None = Field(None, description="as granted, when it differs from the request")


class Exempt(Acting):
    reason: Reason


class OverrideDue(Acting):
    due: date
    reason: Reason


class ConfirmOverdue(Acting):
    """The ISU's word that an obligation with no report recorded was not met: its record of
    the period is complete (the reports submitted are recorded)."""

    reason: Reason


class Extension(BaseModel):
    new_due: date
    meeting: date
    reason: str
    submitted: date
    decision: Literal["pending", "granted", "refused"] = "pending"


# `unrecorded`: started after its due date with nothing recorded for it. ccm did not follow
# it when it fell due, so it cannot say the State missed it: it says "no report recorded",
# sends nothing, and waits for a report (`fulfil`, an import) or the ISU's word that none
# came (`confirm_overdue`).
Stage = Literal["open", "unrecorded", "overdue", "extension_requested", "fulfilled", "exempted"]


class ObligationStatus(BaseModel):
    workflow_id: str
    state: str
    kind: str
    period: str
    stage: Stage
    due: date
    fulfilled_on: date | None
    on_time: bool | None
    reference: str
    extension: Extension | None
    reminders: int
    next_action: str | None
    next_action_at: datetime | None


class Obligation(Counters):
    input: ObligationInput
    workflow_id: str
    since: datetime = Field(description="reminders due before this are not sent late")
    due: date
    stage: Stage = "open"
    fulfilled_on: date | None = None
    reference: str = ""
    extension: Extension | None = None
    reminders: int = 0
    overdue_since: date | None = Field(None, description="monthly reminders count from here, not from the due date")

    @classmethod
    def new(cls, input: ObligationInput, workflow_id: str, now: datetime) -> Obligation:
        return cls(input=input, workflow_id=workflow_id, since=now, due=input.due)

    @property
    def finished(self) -> bool:
        return self.stage in ("fulfilled", "exempted")

    @property
    def subject(self) -> str:
        return self.input.state

    @property
    def what(self) -> str:
        name = self.input.state_name or self.input.state
        period = f" for {self.input.period}" if self.input.kind == "art7-annual" else ""
        return f"{KINDS[self.input.kind]}{period} of {name}"

    def _show(self) -> Show:
        return Show(state=self.input.state, stage=self.stage, due=utc_midnight(self.due))

    # --- the timeline ---------------------------------------------------------------------
    def start(self) -> list[Effect]:
        i = self.input
        unrecorded = self.due < geneva_date(self.since)
        if unrecorded:
            self.stage = "unrecorded"
        return [
            self._show(),
            Log(
                key="started",
                event_type="obligation.started",
                payload={
                    "kind": i.kind,
                    "period": i.period,
                    "due": i.due.isoformat(),
                    "due_source": i.due_source,
                    "unrecorded": unrecorded,
                },
            ),
        ]

    def next_action(self) -> Action | None:
        """Reminders before the due date (not sent late), then overdue the day after,
        then a reminder each month until fulfilled. Started, imported or moved past its
        reminders, it sends one overdue notice, then a reminder a month from then: never
        the ones it missed."""
        if self.finished or self.stage in ("extension_requested", "unrecorded"):
            return None
        if self.stage == "overdue":
            n = self.counters.get("overdue-reminder", 0) + 1
            since = self.overdue_since or self.due
            return Action(
                key="overdue-reminder",
                at=datetime.combine(add_months(since, n), REMINDER_TIME),
                description="monthly reminder: overdue",
            )
        return reminder_timeline(
            self.due, self.input.reminder_days, self.since, lambda key, _: key in self.counters, "the State"
        )

    def _overdue(
        self, now: datetime, key: str, event_type: str, cmd: Acting | None = None, **more: Any
    ) -> list[Effect]:
        """Overdue from now: on time, monthly reminders from the due date; found late or
        confirmed late, monthly from now. The coordinators are told once."""
        self.stage, self.overdue_since = "overdue", max(self.due, geneva_date(now) - timedelta(days=1))
        due, told = self.due.isoformat(), COORDINATORS[self.input.kind]
        by = {"actor": cmd.actor, "office": cmd.office} if cmd else {}
        return [
            self._show(),
            Log(key=key, event_type=event_type, payload={"due": due, "told": told} | more, **by),
            Message(
                key=self.change_key("coordinators-told"),
                event_type="obligation.coordinators_told",
                subject_line=f"Overdue: {self.what}",
                body=f"To the coordinators ({told}): the {self.what} was due on {due}.\n",
                payload={"due": due, "told": told},
            ),
        ]

    def _to_state(self, key: str, event_type: str, subject: str, body: str, **payload: Any) -> Message:
        self.reminders += 1
        return Message(key=key, event_type=event_type, subject_line=subject, body=body, payload=payload)

    def fire(self, action: Action, now: datetime, facts: object = None) -> list[Effect]:
        due = self.due.isoformat()
        if action.key == "overdue":
            return self._overdue(now, self.change_key("overdue"), "obligation.overdue")
        if action.key == "overdue-reminder":
            key = self.change_key("overdue-reminder")
            return [
                self._to_state(
                    key,
                    "obligation.reminder_sent",
                    f"Overdue since {due}: {self.what}",
                    f"The {self.what} was due on {due} and has not been received.\n",
                    due=due,
                    overdue=True,
                )
            ]
        self.counters[action.key] = 1
        return [
            self._to_state(
                action.key,
                "obligation.reminder_sent",
                f"Due on {due}: {self.what}",
                f"The {self.what} is due on {due}.\n",
                due=due,
                overdue=False,
            )
        ]

    # --- commands ---------------------------------------------------------------------------
    def authorize(self, command: str, cmd: Acting) -> None:
        permit("obligation", command, cmd.office, state=self.input.state)

    def _check_open(self) -> None:
        if self.finished:
            raise Refusal(f"the obligation is {self.stage}")

    def check_fulfil(self, cmd: Fulfil, today: date) -> None:
        self._check_open()
        if not IN_FORCE <= cmd.date <= today:
            raise Refusal(
                f"the date {cmd.date.isoformat()} is not between {IN_FORCE.isoformat()} (the Convention's "
                "entry into force) and today"
            )
        earliest = earliest_fulfilment(self.input.kind, self.input.period, self.input.in_force)
        if cmd.date < earliest:
            raise Refusal(
                f"the date {cmd.date.isoformat()} is before {earliest.isoformat()}: "
                + (
                    "a report is submitted once its period has ended and the Convention binds the State"
                    if self.input.kind.startswith("art7")
                    else "the Convention was not yet in force"
                )
            )

    def fulfil(self, cmd: Fulfil, today: date) -> list[Effect]:
        self.check_fulfil(cmd, today)
        self.stage, self.fulfilled_on, self.reference = "fulfilled", cmd.date, cmd.reference
        return [
            self._show(),
            Log(
                key="fulfilled",
                event_type="obligation.fulfilled",
                actor=cmd.actor,
                office=cmd.office,
                payload={
                    "date": cmd.date.isoformat(),
                    "reference": cmd.reference,
                    "due": self.due.isoformat(),
                    "on_time": cmd.date <= self.due,
                },
            ),
        ]

    def check_extension(self, cmd: RequestExtension, today: date) -> None:
        self._check_open()
        if cmd.submitted > today:
            raise Refusal(f"the request's date {cmd.submitted.isoformat()} is in the future")
        if self.input.kind not in ("art3-stockpiles", "art4-clearance"):
            raise Refusal("only Article 3 and Article 4 deadlines can be extended")
        if self.stage == "extension_requested":
            raise Refusal("an extension request is already pending")
        if cmd.new_due <= self.due:
            raise Refusal(f"the new deadline {cmd.new_due.isoformat()} must be after {self.due.isoformat()}")
        self._check_extension_length(cmd.new_due)
        years, article = EXTENSION_LIMITS[self.input.kind]
        if cmd.submitted > self.due:
            raise Refusal(
                f"the deadline of {self.due.isoformat()} expired before the request of "
                f"{cmd.submitted.isoformat()}: a request is made before it ({article})"
            )
        if cmd.meeting <= cmd.submitted:
            raise Refusal(f"the meeting of {cmd.meeting.isoformat()} is not after the request's date")
        latest = latest_extension_request(cmd.meeting)
        if cmd.submitted > latest:
            raise Refusal(
                f"a request for the meeting of {cmd.meeting.isoformat()} had to be submitted by "
                f"{latest.isoformat()} (nine months before it; Articles 3.5 and 4.6)"
            )

    def request_extension(self, cmd: RequestExtension, today: date) -> list[Effect]:
        self.check_extension(cmd, today)
        self.extension = Extension(new_due=cmd.new_due, meeting=cmd.meeting, reason=cmd.reason, submitted=cmd.submitted)
        self.stage = "extension_requested"
        return [
            self._show(),
            Log(
                key=self.change_key("extension-requested"),
                event_type="obligation.extension_requested",
                actor=cmd.actor,
                office=cmd.office,
                payload={
                    "new_due": cmd.new_due.isoformat(),
                    "meeting": cmd.meeting.isoformat(),
                    "submitted": cmd.submitted.isoformat(),
                    "reason": cmd.reason,
                },
            ),
        ]

    def _check_extension_length(self, new_due: date) -> None:
        years, article = EXTENSION_LIMITS[self.input.kind]
        if new_due > add_months(self.due, 12 * years):
            raise Refusal(
                f"{new_due.isoformat()} is more than {years} years beyond the deadline in force, "
                f"{self.due.isoformat()}: {article} allows an extension of up to {years} years"
            )

    def check_decision(self, cmd: DecideExtension, today: date) -> None:
        if self.stage != "extension_requested" or self.extension is None:
            raise Refusal("there is no pending extension request")
        if cmd.meeting != self.extension.meeting:
            raise Refusal(f"the request is for the meeting of {self.extension.meeting.isoformat()}")
        if cmd.meeting > today:
            raise Refusal(
                f"the meeting of {cmd.meeting.isoformat()} has not opened: only the Meeting of States "
                "Parties decides an extension (Articles 3.5 and 4.5), and it is recorded once made"
            )
        if cmd.granted and cmd.new_due is not None and cmd.new_due <= self.due:
            raise Refusal(f"a deadline granted must be after {self.due.isoformat()}, not {cmd.new_due.isoformat()}")
        if cmd.granted and cmd.new_due is not None:
            self._check_extension_length(cmd.new_due)

    def decide_extension(self, cmd: DecideExtension, now: datetime) -> list[Effect]:
        self.check_decision(cmd, geneva_date(now))
        assert self.extension is not None  # checked: a request is pending
        self.extension.decision = "granted" if cmd.granted else "refused"
        if cmd.granted:
            self.due, self.since = cmd.new_due or self.extension.new_due, now
        self.stage = "open"  # refused and past its date: the timer makes it overdue at once
        return [
            self._show(),
            Log(
                key=self.change_key("extension-decided"),
                event_type="obligation.extension_decided",
                actor=cmd.actor,
                office=cmd.office,
                payload={
                    "granted": cmd.granted,
                    "meeting": cmd.meeting.isoformat(),
                    "decided_by": cmd.msp,
                    "decision": cmd.text,
                    "due": self.due.isoformat(),
                },
            ),
        ]

    def check_exempt(self, cmd: Exempt) -> None:
        self._check_open()
        if not cmd.reason.strip():
            raise Refusal("a reason is required")

    def exempt(self, cmd: Exempt) -> list[Effect]:
        self.check_exempt(cmd)
        self.stage = "exempted"
        return [
            self._show(),
            Log(
                key="exempted",
                event_type="obligation.exempted",
                actor=cmd.actor,
                office=cmd.office,
                payload={"reason": cmd.reason},
            ),
        ]

    def check_confirm_overdue(self, cmd: ConfirmOverdue) -> None:
        if self.stage != "unrecorded":
            raise Refusal(
                f"the obligation is {self.stage}: only one with no report recorded (started after its due "
                "date) is confirmed overdue; ccm makes a followed one overdue by itself"
            )

    def confirm_overdue(self, cmd: ConfirmOverdue, now: datetime) -> list[Effect]:
        self.check_confirm_overdue(cmd)
        return self._overdue(
            now, self.change_key("overdue-confirmed"), "obligation.overdue_confirmed", cmd, reason=cmd.reason
        )

    def check_override(self, cmd: OverrideDue) -> None:
        self._check_open()
        if not cmd.reason.strip():
            raise Refusal("a reason is required")
        if not IN_FORCE <= cmd.due <= date(2100, 12, 31):
            raise Refusal(
                f"a due date falls from the Convention's entry into force, {IN_FORCE.isoformat()}, "
                f"to 2100, not {cmd.due.isoformat()}"
            )
        if cmd.due == self.due:
            raise Refusal(f"the due date is already {cmd.due.isoformat()}")

    def override_due(self, cmd: OverrideDue, now: datetime) -> list[Effect]:
        self.check_override(cmd)
        previous, self.due, self.since = self.due, cmd.due, now
        if self.stage in ("overdue", "unrecorded") and self.due >= geneva_date(now):
            self.stage = "open"
        return [
            self._show(),
            Log(
                key=self.change_key("due-overridden"),
                event_type="obligation.due_overridden",
                actor=cmd.actor,
                office=cmd.office,
                payload={"from": previous.isoformat(), "to": cmd.due.isoformat(), "reason": cmd.reason},
            ),
        ]

    # --- reading ---------------------------------------------------------------------------
    def status(self) -> ObligationStatus:
        action = self.next_action()
        return ObligationStatus(
            workflow_id=self.workflow_id,
            state=self.input.state,
            kind=self.input.kind,
            period=self.input.period,
            stage=self.stage,
            due=self.due,
            fulfilled_on=self.fulfilled_on,
            on_time=None if self.fulfilled_on is None else self.fulfilled_on <= self.due,
            reference=self.reference,
            extension=self.extension,
            reminders=self.reminders,
            next_action=action.description if action else None,
            next_action_at=action.at if action else None,
        )

    def result(self, effects: list[Any]) -> CommandResult:
        return result_of(self.workflow_id, self.stage, effects, {"due": self.due.isoformat()})


# --- past records and the report ----------------------------------------------------------------
def imported_events(
    data: bytes, registry: Registry, actor: str, office: str, today: date | None = None
) -> list[NewEvent]:
    """`obligation.imported` events of a CSV `state,kind,period,submitted_on,reference`,
    each dated by its row and carrying the file's SHA-256; every problem with its line."""
    from domain.events import NewEvent, read_import
    from domain.states import UnknownState

    sha, reader = read_import(data, ["state", "kind", "period", "submitted_on", "reference"])
    today = today or geneva_today()
    events: list[NewEvent] = []
    problems = Problems()
    lines: dict[str, int] = {}  # obligation id -> the line that names it
    for n, row in reader:
        try:
            state = registry.get(row["state"] or "")
        except UnknownState as e:
            problems.add(n, "state", f"{e}")
            continue
        kind, period = (row["kind"] or "").strip(), (row["period"] or "").strip()
        if kind not in KINDS:
            problems.add(n, "kind", f"{kind!r} is not one of {', '.join(KINDS)}")
            continue
        try:
            check_period(kind, period, today)
        except Refusal as e:
            problems.add(n, "period", f"{e}")
            continue
        submitted = (row["submitted_on"] or "").strip()
        try:
            day = date.fromisoformat(submitted) if submitted else None
            if day is not None and not IN_FORCE <= day <= today:
                raise ValueError
        except ValueError:
            problems.add(
                n,
                "submitted_on",
                f"{row['submitted_on']!r} is not a date between {IN_FORCE.isoformat()} and today (YYYY-MM-DD)",
            )
            continue
        if len(row["reference"] or "") > 300:
            problems.add(n, "reference", "longer than 300 characters")
            continue
        try:
            clean_text(row["reference"] or "")
        except ValueError as e:
            problems.add(n, "reference", str(e))
            continue
        try:  # an empty submitted_on: the obligation was known, and not met
            due = due_date(kind, state.entry_into_force, int(period) if period.isdigit() else None)
        except Refusal as e:
            problems.add(n, "state", f"{e}")
            continue
        earliest = earliest_fulfilment(kind, period, state.entry_into_force)
        if day is not None and day < earliest:
            problems.add(
                n,
                "submitted_on",
                f"{day.isoformat()} is before {earliest.isoformat()}, when "
                + (
                    "its period ended and the Convention bound the State"
                    if kind.startswith("art7")
                    else "the Convention came into force"
                ),
            )
            continue
        period = period if kind == "art7-annual" else period_of(kind, None)
        wid = obligation_id(state.alpha3, kind, period)
        if wid in lines:  # one obligation, one row: a second would be dropped, or say otherwise
            problems.add(n, "", f"the same obligation ({state.alpha3} {kind} {period}) as line {lines[wid]}")
            continue
        lines[wid] = n
        # Known from the day it was submitted; one never submitted, from its due date.
        known = day or due
        events.append(
            NewEvent(
                idempotency_key=f"{wid}/imported",
                workflow_id=wid,
                workflow_type="import",
                subject=state.alpha3,
                event_type="obligation.imported",
                occurred_at=utc_midnight(known),
                actor=actor,
                office=office,
                payload={
                    "kind": kind,
                    "period": period,
                    "date": day.isoformat() if day else None,
                    "due": due.isoformat(),
                    "reference": (row["reference"] or "").strip(),
                    "file_sha256": sha,
                    "line": n,
                },
            )
        )
    if problems:
        raise ValueError(str(problems))
    return events


class ObligationRow(BaseModel):
    state: str
    kind: str
    period: str
    due: date | None = None
    fulfilled_on: date | None = None
    exempted: bool = False
    unrecorded: bool = Field(False, description="started after its due date with nothing recorded, not yet confirmed")

    def standing(self, on: date) -> str:
        if self.exempted:
            return "exempted"
        if self.fulfilled_on is not None:
            return "on time" if self.due is None or self.fulfilled_on <= self.due else "late"
        if self.due is not None and self.due < on:
            return "no report recorded" if self.unrecorded else "overdue"
        return "not yet due"


def fold_obligations(events: Iterable[Event], as_of: date | None = None) -> list[ObligationRow]:
    """Each obligation as the log knew it at the end of `as_of` (an imported row counts
    from its own date, when it was known), from `obligation.*` events in log order."""
    rows: dict[str, ObligationRow] = {}
    for ev in events:
        known = ev.occurred_at if ev.event_type == "obligation.imported" else ev.recorded_at
        if as_of is not None and known.date() > as_of:
            continue
        parts = ev.workflow_id.removeprefix("obligation-").split("-")
        state, period, kind = parts[0], parts[-1], "-".join(parts[1:-1])
        row = rows.setdefault(ev.workflow_id, ObligationRow(state=state, kind=kind, period=period))
        p = typed(ev)
        if ev.event_type == "obligation.started":
            row.due, row.unrecorded = p.due, p.unrecorded
        elif ev.event_type == "obligation.overdue_confirmed":
            row.unrecorded = False
        elif ev.event_type == "obligation.due_overridden":
            row.due, row.unrecorded = p.to, row.unrecorded and p.to < ev.occurred_at.date()
        elif ev.event_type == "obligation.extension_decided" and p.granted:
            row.due = p.due
        elif ev.event_type in ("obligation.fulfilled", "obligation.imported"):
            row.fulfilled_on = p.date
            if row.due is None:
                row.due = p.due or (annual_report_due(int(period)) if kind == "art7-annual" else None)
        elif ev.event_type == "obligation.exempted":
            row.exempted = True
    return sorted(rows.values(), key=lambda r: (r.kind, r.period, r.state))


STANDINGS = ["on time", "late", "overdue", "no report recorded", "not yet due", "exempted"]


def obligations_summary(rows: list[ObligationRow], on: date) -> list[dict[str, Any]]:
    """Per kind and period: how many, fulfilled on time, late, overdue, not yet due."""
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        entry = table.setdefault(
            (r.kind, r.period), {"kind": r.kind, "period": r.period, "states": 0} | dict.fromkeys(STANDINGS, 0)
        )
        entry["states"] += 1
        entry[r.standing(on)] += 1
    return list(table.values())
