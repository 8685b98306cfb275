"""The contribution chase: one State, one financial year, reminders until paid.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

Pure rules. `Chase` holds what the workflow knows; its methods either refuse a command
(`Refusal`) or change the chase and return the `Effect`s (letters and log entries) that
the workflow's activities must carry out. `next_action` says what is due next and when.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from domain.bank import creditor_reference, format_reference
from domain.contributions import ARREARS, BudgetLine, BudgetShare, allocate, split_by_line, voluntary_above
from domain.cycle import MembershipRule, billed, why_not_billed
from domain.ids import chase_id
from domain.money import BUDGET_LINES, CHF, Amount, format_chf
from domain.offices import permit
from domain.process import (
    Acting,
    Action,
    CommandResult,
    Counters,
    Effect,
    Letter,
    Log,
    Message,
    ProcessInput,
    Reason,
    Refusal,
    Short,
    Show,
    result_of,
)
from domain.schedule import geneva_date, geneva_time
from domain.signatures import EntryProof
from domain.states import Registry, UnknownState

Language = Literal["en", "fr", "es"]
LetterKind = Literal[
    "call_for_contributions",
    "second_reminder",
    "pre_msp_reminder",
    "president_letter",
    "reported_not_received",
    "thank_you",
]
Outcome = Literal["paid", "waived", "cancelled", "in_arrears"]

# Letters go out at 08:00 UTC (09:00 in Geneva in winter) on their day.
LETTER_TIME = time(8, 0, tzinfo=timezone.utc)
STAGE_AFTER_LETTER = {
    "call_for_contributions": "invoiced",
    "second_reminder": "reminded",
    "pre_msp_reminder": "pre_msp_reminded",
    "president_letter": "escalated",
}


def at_letter_time(day: date) -> datetime:
    return datetime.combine(day, LETTER_TIME)


def year_end(year: int) -> datetime:
    return datetime(year + 1, 1, 1, tzinfo=timezone.utc)


def workflow_id(year: int, alpha3: str) -> str:
    return chase_id(year, alpha3)


class ChaseInput(ProcessInput):
    state: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166 alpha-3 code")
    year: int = Field(ge=2010, le=2100)
    amount_due: Amount
    arrears: Amount = Decimal("0.00")
    credit_carried: Amount = Field(Decimal("0.00"), description="the credit the year before left, counted as paid")
    budget_split: list[BudgetShare] = Field(
        default_factory=list,
        max_length=len(BUDGET_LINES),
        description="the amount due by line of the budget, for the call",
    )
    membership_rule: Literal["any-day", "1-january"] | None = Field(
        None, description="whom the year bills (domain.cycle), as the call letter states it"
    )
    msp_date: date | None = Field(None, description="default: 1 September of the year")
    second_reminder: date | None = Field(None, description="default: 15 June of the year")
    pre_msp_days: int = Field(21, ge=0, le=180)
    auto_escalate_days: int | None = Field(
        None,
        ge=0,
        le=180,
        description="send the President's letter this many "
        "days after the pre-MSP reminder; by default the Presidency decides",
    )
    follow_up_days: int = Field(30, ge=1, le=180)
    language: Language = "en"
    state_name: str = Field("", max_length=100, description="for people reading lists: `Italy`")

    @field_validator("amount_due", "arrears", "credit_carried")
    @classmethod
    def _not_negative(cls, v: Decimal) -> Decimal:
        if v < 0:
            raise ValueError("must not be negative")
        return v

    @model_validator(mode="after")
    def _defaults(self) -> ChaseInput:
        if self.msp_date is None:
            self.msp_date = date(self.year, 9, 1)
        if self.second_reminder is None:
            self.second_reminder = date(self.year, 6, 15)
        if self.amount_due + self.arrears <= 0:
            raise ValueError("nothing to chase: amount due and arrears are both zero")
        if self.msp_date.year != self.year:
            raise ValueError(f"the MSP date {self.msp_date} is not in the chase's year, {self.year}")
        return self

    # The two days as a validated input has them (its defaults filled in).
    @property
    def msp(self) -> date:
        assert self.msp_date is not None
        return self.msp_date

    @property
    def second_reminder_on(self) -> date:
        assert self.second_reminder is not None
        return self.second_reminder


def chase_summary(inp: ChaseInput) -> tuple[str, str]:
    """(summary, details) for Temporal's web UI, so its lists read like `ccm chase status`."""
    name = inp.state_name or inp.state
    summary = f"{name} — {format_chf(inp.amount_due)} due for {inp.year}"
    details = (
        f"Contribution chase of {name} ({inp.state}) for {inp.year}: {format_chf(inp.amount_due)} due"
        + (f", arrears {format_chf(inp.arrears)}" if inp.arrears else "")
        + f". Reminders on {inp.second_reminder_on.isoformat()} and {inp.pre_msp_days} days before the MSP "
        f"({inp.msp.isoformat()}); letters in {inp.language}."
    )
    return summary, details


# One model per handler, so fields can be added without breaking running workflows.
class RecordReceipt(Acting):
    amount: Amount
    date: date
    reference: Short = ""
    budget_line: Short = ""
    lines: dict[str, Amount] = Field(
        default_factory=dict,
        description="the parts by line as the payer says them (7a, 7b, 7c, arrears): they sum to the amount",
    )
    excess: Literal["credit", "voluntary"] = Field(
        "credit",
        description="what is left above everything due, where the default rule allocates: a credit carried to "
        "the next year, or a voluntary contribution to a voluntary line of the call (where it has one)",
    )
    excess_line: Short = Field("", description="the voluntary line that takes it (default: the call's last)")
    office: str = "isu"
    # A receipt the worker records from a bank entry: the entry, signed by whoever imported
    # its statement, proves it in place of a person's signature (`domain.bank.check_proved_command`).
    proof: EntryProof | None = None

    @model_validator(mode="after")
    def _lines_sum_to_the_amount(self) -> RecordReceipt:
        if not self.lines:
            return self
        if self.budget_line:
            raise ValueError("give one budget line or the parts by line, not both")
        unknown = sorted(set(self.lines) - {*BUDGET_LINES, ARREARS})
        if unknown:
            raise ValueError(f"unknown line {unknown[0]!r}: one of {', '.join((*BUDGET_LINES, ARREARS))}")
        if any(part <= 0 for part in self.lines.values()):
            raise ValueError("each part by line must be positive")
        if (total := sum(self.lines.values(), Decimal("0.00"))) != self.amount:
            raise ValueError(f"the parts by line add up to {total}, not to the amount {self.amount}")
        return self


class ReportPayment(Acting):
    amount: Amount | None = None
    date: date
    reference: Short = ""


class Pledge(Acting):
    expected_date: date
    amount: Amount | None = Field(None, description="what the State says it will pay, when it says it")
    note: Reason = ""


class SetMspDate(Acting):
    msp_date: date


class Escalate(Acting):
    office: str = "president"
    reason: Reason = Field(
        "",
        description="why the President writes before the ISU's third letter (the pre-MSP reminder) has gone: "
        "the Presidency's recorded decision",
    )


class Close(Acting):
    """`waive` and `cancel` both take a reason."""

    reason: Reason


class ReverseReceipt(Acting):
    """Undo a receipt recorded by mistake, named by its bank reference or its number."""

    reference: Short = ""
    number: int | None = Field(None, ge=1, description="the receipt's number on the chase (1 = first)")
    reason: Reason
    office: str = "isu"
    amount: Amount | None = Field(
        None,
        gt=0,
        description="the receipt's amount, where the sender knows it: a bank "
        "reversal reverses only a receipt of its own amount",
    )
    proof: EntryProof | None = None  # a bank reversal's entry, as for RecordReceipt


class CorrectDue(Acting):
    """Correct the amount due (the arrears stay as carried)."""

    amount: Amount
    reason: Reason
    office: str = "isu"


class Receipt(RecordReceipt):
    reversed: bool = False
    allocation: dict[str, Decimal] = Field(
        default_factory=dict, description="its parts by line as recorded (domain.contributions.allocate)"
    )


class ReportedPayment(ReportPayment):
    follow_up_at: datetime


class LetterSent(BaseModel):
    kind: LetterKind
    sent_at: datetime
    key: str


class ChaseStatus(BaseModel):
    workflow_id: str
    state: str
    year: int
    stage: str
    amount_due: CHF
    arrears: CHF
    credit_carried: CHF = Decimal("0.00")
    received: CHF
    outstanding: CHF
    credit: CHF
    voluntary: CHF = Field(Decimal("0.00"), description="given above what was indicated, not carried as credit")
    msp_date: date
    letters: list[LetterSent]
    receipts: list[Receipt]
    reported: ReportedPayment | None
    pledge: Pledge | None
    next_action: str | None
    next_action_at: datetime | None
    outcome: Outcome | None
    arrears_carried: CHF

    def row(self) -> dict[str, Any]:
        """The chase as `ccm chase status --year` lists it, one row; kept in the run's memo
        after every step, so that a year lists in one visibility call. (Its imports are the
        module's: an import inside a workflow task holds the import lock, and a run that
        waits on it is taken for deadlocked.)"""
        return {
            "state": self.state,
            "year": self.year,
            "stage": self.stage,
            "amount_due": str(self.amount_due),
            "arrears": str(self.arrears),
            "credit_carried": str(self.credit_carried),
            "received": str(self.received),
            "outstanding": str(self.outstanding),
            "credit": str(self.credit),
            "voluntary": str(self.voluntary),
            "letters": len(self.letters),
            "next_action": self.next_action,
            "next_action_at": geneva_time(self.next_action_at) if self.next_action_at else None,
            "creditor_reference": format_reference(creditor_reference(self.year, self.state)),
        }


# The reminder steps after the call for contributions, in order.
_STEPS: list[tuple[str, LetterKind, str]] = [
    ("reminder-2", "second_reminder", "second reminder"),
    ("reminder-3", "pre_msp_reminder", "pre-MSP reminder"),
    ("president", "president_letter", "President's letter"),
]


def check_chase_start(inp: ChaseInput, started_as: str, registry: Registry, rule: MembershipRule = "any-day") -> None:
    """A chase may start only as `ccm` starts it, whoever sends the start (the plain
    `temporal` CLI too): under its own id, for a State of the registry billed that year
    under the membership rule, or, for one not billed (withdrawn, not yet in force), for its
    arrears alone. `registry` is the shipped one with the log's `state.recorded` rows."""
    expected = workflow_id(inp.year, inp.state)
    if started_as != expected:
        raise Refusal(f"a chase of {inp.state} for {inp.year} runs as {expected}, not {started_as}", code="bad_start")
    try:
        state = registry.get(inp.state)
    except UnknownState:
        raise Refusal(f"{inp.state} is not a State of the registry", code="bad_start") from None
    if billed(state, inp.year, inp.membership_rule or rule):
        return
    why = (
        why_not_billed(state, inp.year, inp.membership_rule or rule)
        or f"it is not a State Party in {inp.year} (status on 1 January: {state.status_on(date(inp.year, 1, 1))})"
    )
    if inp.amount_due > 0 or inp.arrears == 0:
        raise Refusal(
            f"{state.name} ({inp.state}) is not billed for {inp.year}: {why}"
            + ("; a chase for it may carry only arrears" if inp.arrears > 0 or "arrears" in why else ""),
            code="bad_start",
        )


def same_reference(held: str, given: str) -> bool:
    """Whether two receipts' references name the same money. A bank entry's receipt carries
    `<entry reference>@<account>` (the same reference on two accounts is two payments); a
    receipt recorded by hand names the bank reference alone. So one with an account and
    one without are the same when the bank reference is; two with accounts only when
    equal. No reference names nothing."""
    if not held or not given:
        return False
    if held == given:
        return True
    if ("@" in held) == ("@" in given):
        return False
    return held.split("@", 1)[0] == given.split("@", 1)[0]


class Chase(Counters):
    input: ChaseInput
    started_at: datetime
    letters: list[LetterSent] = Field(default_factory=list)
    receipts: list[Receipt] = Field(default_factory=list)
    done: list[str] = Field(default_factory=list, description="steps sent or skipped")
    reported: ReportedPayment | None = None
    reported_not_received: bool = False
    pledge: Pledge | None = None
    outcome: Outcome | None = None
    closed: bool = False

    # --- derived figures -------------------------------------------------------------
    @property
    def total_due(self) -> Decimal:
        return self.input.amount_due + self.input.arrears

    @property
    def received(self) -> Decimal:
        return sum((r.amount for r in self.receipts if not r.reversed), Decimal("0.00"))

    @property
    def voluntary(self) -> Decimal:
        """What receipts gave above what was indicated, as voluntary contributions."""
        return sum((voluntary_above(r.allocation) for r in self.receipts if not r.reversed), Decimal("0.00"))

    @property
    def paid(self) -> Decimal:
        """What counts against the amount due: receipts (less what was given as voluntary
        contributions above it) and the credit carried in."""
        return self.received - self.voluntary + self.input.credit_carried

    @property
    def outstanding(self) -> Decimal:
        return max(Decimal("0.00"), self.total_due - self.paid)

    @property
    def credit(self) -> Decimal:
        return max(Decimal("0.00"), self.paid - self.total_due)

    @property
    def stage(self) -> str:
        if self.outcome:
            return self.outcome
        if self.reported:
            return "payment_reported"
        if self.pledge:
            return "pledged"
        if self.reported_not_received:
            return "reported_not_received"
        if self.escalation_due:
            return "escalation_due"
        if self.receipts:
            return "partially_paid"
        reminders = [letter for letter in self.letters if letter.kind in STAGE_AFTER_LETTER]
        return STAGE_AFTER_LETTER[reminders[-1].kind] if reminders else "starting"

    @property
    def escalation_due(self) -> bool:
        """The pre-MSP reminder's day has passed and nothing was received: the President's
        letter awaits the Presidency's decision ("individual letters to all the States
        Parties that had still not sent their contributions", as the minutes record it)."""
        return (
            self.input.auto_escalate_days is None
            and self.outcome is None
            and self.sent("pre_msp_reminder")
            and not self.sent("president_letter")
            and self.received == 0
        )

    def sent(self, kind: LetterKind) -> bool:
        """Whether a letter of `kind` went out (a step skipped sent none)."""
        return any(letter.kind == kind for letter in self.letters)

    @property
    def finished(self) -> bool:
        if self.outcome == "paid":  # open for reversals until the year ends
            return self.closed
        return self.outcome is not None

    @property
    def subject(self) -> str:
        return self.input.state

    def _letter(self, kind: LetterKind, extra: dict[str, Any] | None = None, **fields: Any) -> Letter:
        """A letter with the figures the templates read, as they stand now."""
        return Letter(letter=kind, language=self.input.language, context=self._context(kind, extra), **fields)

    def _context(self, kind: LetterKind, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The figures the letter of `kind` reads, as they stand now."""
        context = self.status().model_dump(
            mode="json",
            include={
                "year",
                "amount_due",
                "arrears",
                "credit_carried",
                "received",
                "outstanding",
                "credit",
                "msp_date",
            },
        )
        context["membership_rule"] = self.input.membership_rule
        taken = self._taken()  # each line's share, with what the credit carried in and the receipts paid on it
        context["budget_split"] = [
            s.model_dump(mode="json") | {"received": str(taken.get(s.line, Decimal("0.00")))}
            for s in self.input.budget_split
        ]
        context["total_due"] = str(self.total_due)
        context["letters_before"] = [  # each with its number, as its reference names it
            {"kind": letter.kind, "date": geneva_date(letter.sent_at).isoformat(), "number": n}
            for n, letter in enumerate(self.letters, start=1)
            if letter.kind != kind
        ]
        context["letter_number"] = len(self.letters)  # its reference: ISU-CCM/2027/ITA/2
        return context | (extra or {})

    def letter_context(self, kind: LetterKind) -> dict[str, Any]:
        """What the letter of `kind` would say if it went now, and its language, by the path
        a letter sent takes (`ccm letters preview` draws it): its number is its own where it
        went, else the next one."""
        extra = (
            {"reported_on": self.reported.date.isoformat(), "reference": self.reported.reference}
            if kind == "reported_not_received" and self.reported
            else None
        )
        context = self._context(kind, extra)
        went = next((n for n, letter in enumerate(self.letters, start=1) if letter.kind == kind), None)
        context["letter_number"] = went or len(self.letters) + 1
        return {"context": context, "language": self.input.language}

    def step_times(self) -> dict[str, datetime]:
        """When each timed step falls due. The President's letter is the Presidency's
        decision, timed only with `auto_escalate_days`."""
        pre_msp = self.input.msp - timedelta(days=self.input.pre_msp_days)
        times = {"reminder-2": at_letter_time(self.input.second_reminder_on), "reminder-3": at_letter_time(pre_msp)}
        if self.input.auto_escalate_days is not None:
            times["president"] = at_letter_time(pre_msp + timedelta(days=self.input.auto_escalate_days))
        return times

    # --- the timeline ----------------------------------------------------------------
    def start(self) -> list[Effect]:
        """The call for contributions at once; steps already past are not sent late."""
        if self.started_at >= year_end(self.input.year):
            raise Refusal(f"the financial year {self.input.year} has already ended")
        skipped = [k for k, at in self.step_times().items() if at <= self.started_at]
        self.done.extend(skipped)
        started = Log(
            key="started",
            event_type="chase.started",
            payload={
                "amount_due": str(self.input.amount_due),
                "arrears": str(self.input.arrears),
                "credit_carried": str(self.input.credit_carried),
                "msp_date": self.input.msp.isoformat(),
                "language": self.input.language,
                "not_sent_retroactively": skipped,
            },
        )
        if self.outstanding == 0:  # the credit carried covers the year: nothing to ask for
            self.outcome, self.counters["paid"] = "paid", 1
            return [
                Show(state=self.input.state, year=self.input.year),
                started,
                Log(
                    key="paid",
                    event_type="chase.paid",
                    payload={
                        "received": str(self.received),
                        "credit": str(self.credit),
                        "covered_by_credit_carried": str(self.input.credit_carried),
                    },
                ),
            ]
        self.letters.append(LetterSent(kind="call_for_contributions", sent_at=self.started_at, key="reminder-1"))
        return [
            Show(state=self.input.state, year=self.input.year),
            started,
            self._letter(
                "call_for_contributions", key="reminder-1", event_type="chase.reminder_sent", payload={"reminder": 1}
            ),
        ]

    def next_action(self) -> Action | None:
        if self.finished:
            return None
        if self.outcome == "paid":
            return Action(key="year-end", at=year_end(self.input.year), description="year end: the chase closes")
        end = Action(
            key="year-end", at=year_end(self.input.year), description="year end: unpaid balance becomes arrears"
        )
        if self.reported:
            follow = Action(
                key="follow-up", at=self.reported.follow_up_at, description="follow up the reported payment"
            )
            return min(follow, end, key=lambda a: a.at)
        if self.pledge:
            # Reminders wait until the pledged date; one that fell due meanwhile goes then.
            lapse = Action(
                key="pledge-lapsed",
                at=at_letter_time(self.pledge.expected_date),
                description="pledged payment expected",
            )
            return min(lapse, end, key=lambda a: a.at)
        times = self.step_times()
        pending = [(k, kind, what, times[k]) for k, kind, what in _STEPS if k in times and k not in self.done]
        if not pending:
            return end
        # The earliest: an MSP moved before the second reminder's day brings the pre-MSP one first.
        key, _, what, at = min(pending, key=lambda p: p[3])
        return min(Action(key=key, at=at, description=f"send the {what}"), end, key=lambda a: a.at)

    def fire(self, action: Action, now: datetime, facts: object = None) -> list[Effect]:
        """Carry out the action `next_action` gave, now that its time has come."""
        if action.key == "year-end" and self.outcome == "paid":
            self.closed = True
            return [
                Log(
                    key="year-end",
                    event_type="chase.year_closed",
                    payload={"outcome": "paid", "received": str(self.received), "credit": str(self.credit)},
                )
            ]
        if action.key == "year-end":
            self.outcome = "in_arrears" if self.outstanding > 0 else "paid"
            self.closed = True
            return [
                Log(
                    key="year-end",
                    event_type="chase.closed_in_arrears",
                    payload={"arrears_carried": str(self.outstanding), "received": str(self.received)},
                )
            ]
        if action.key == "follow-up":
            reported, self.reported = self.reported, None
            assert reported is not None  # the follow-up is timed only while a report stands
            self.reported_not_received = True
            self._skip_steps_due_by(now)
            self.letters.append(LetterSent(kind="reported_not_received", sent_at=now, key="follow-up"))
            facts = {"reported_on": reported.date.isoformat(), "reference": reported.reference}
            return [
                self._letter(
                    "reported_not_received",
                    key=self.change_key("reported-not-received"),
                    event_type="chase.reported_not_received",
                    payload=facts,
                    extra=facts,
                )
            ]
        if action.key == "pledge-lapsed":
            pledge, self.pledge = self.pledge, None
            assert pledge is not None  # the lapse is timed only while a pledge stands
            return [
                Log(
                    key=self.change_key("pledge-lapsed"),
                    event_type="chase.pledge_lapsed",
                    payload={"expected_date": pledge.expected_date.isoformat()},
                )
            ]
        # A reminder step. The last step due supersedes every step before it.
        times = self.step_times()
        due = [k for k, _, _ in _STEPS if k in times and k not in self.done and times[k] <= now]
        key = due[-1] if due else action.key
        if key == "president" and "reminder-3" in due and not self.sent("pre_msp_reminder"):
            key = "reminder-3"  # the ISU's third letter before the President's (the minutes' order)
        steps = [k for k, _, _ in _STEPS]
        self.done.extend(k for k in steps[: steps.index(key)] if k not in self.done)
        if key == "reminder-3" and geneva_date(now) >= self.input.msp:
            return self._skip_step(key, now, f"the Meeting of States Parties opened on {self.input.msp.isoformat()}")
        if key == "president" and not self.sent("pre_msp_reminder"):
            return self._skip_step(
                key, now, "the pre-MSP reminder has not gone out: the President writes after it, or on a decision"
            )
        return self._send_step(key, now)

    def _skip_step(self, key: str, now: datetime, reason: str) -> list[Effect]:
        """A timed step not taken, and why (recorded: a letter that did not go is a fact too)."""
        self.done.append(key)
        # Keyed as a change: a step brought back (the meeting moved) and skipped again is a new row.
        skipped = self.change_key(f"{key}-skipped")
        return [Log(key=skipped, event_type="chase.step_skipped", payload={"step": key, "reason": reason})]

    def _send_step(self, key: str, now: datetime, actor: str = "", office: str = "", reason: str = "") -> list[Effect]:
        kind = next(k for s, k, _ in _STEPS if s == key)
        if key not in self.done:
            self.done.append(key)
        self.letters.append(LetterSent(kind=kind, sent_at=now, key=key))
        if key == "president":
            return [
                self._letter(
                    kind,
                    key=key,
                    event_type="chase.escalated",
                    actor=actor,
                    office=office,
                    payload={"outstanding": str(self.outstanding)} | ({"decision": reason} if reason else {}),
                )
            ]
        effects: list[Effect] = [
            self._letter(
                kind,
                key=key,
                event_type="chase.reminder_sent",
                payload={"reminder": int(key[-1]), "outstanding": str(self.outstanding)},
            )
        ]
        if self.escalation_due:
            name = self.input.state_name or self.input.state
            effects.append(
                Message(
                    key="escalation-due",
                    event_type="chase.escalation_due",
                    payload={"outstanding": str(self.outstanding)},
                    subject_line=f"President's letter to decide: {name}, contribution {self.input.year}",
                    body=f"To the Presidency: {name} has not paid its contribution for {self.input.year} after the "
                    f"pre-MSP reminder ({format_chf(self.outstanding)} outstanding). The President's individual "
                    f"letter goes out when the Presidency decides: ccm chase escalate --state {self.input.state} "
                    f"--year {self.input.year} --as president (or --all-unpaid).\n",
                )
            )
        return effects

    def _skip_steps_due_by(self, now: datetime) -> None:
        for key, at in self.step_times().items():
            if at <= now and key not in self.done:
                self.done.append(key)

    # --- commands --------------------------------------------------------------------
    def authorize(self, command: str, cmd: Acting) -> None:
        permit("chase", command, cmd.office, state=self.input.state)

    def _check_open(self) -> None:
        if self.outcome:
            raise Refusal(f"the chase is closed ({self.outcome})")

    def _check_not_future(self, day: date, today: date, what: str) -> None:
        if day > today:
            raise Refusal(f"{what} {day.isoformat()} is in the future")

    def _check_payment_date(self, day: date, today: date, what: str) -> None:
        """Money for a year arrives from the start of the year before (paid in advance)
        until today."""
        self._check_not_future(day, today, what)
        earliest = date(self.input.year - 1, 1, 1)
        if day < earliest:
            raise Refusal(
                f"{what} {day.isoformat()} is before {earliest.isoformat()}: a contribution for "
                f"{self.input.year} is paid from {earliest.year} on"
            )

    def _receipt_with(self, reference: str) -> int | None:
        """The number (1 = first) of the standing receipt with this bank reference, by
        whichever path it came (`same_reference`)."""
        return next(
            (
                n
                for n, r in enumerate(self.receipts, start=1)
                if same_reference(r.reference, reference) and not r.reversed
            ),
            None,
        )

    def check_receipt(self, cmd: RecordReceipt, today: date) -> None:
        # Money counts once by its bank reference: said first, on a paid chase too.
        if (number := self._receipt_with(cmd.reference)) is not None:
            held = self.receipts[number - 1]
            raise Refusal(
                f"bank reference {cmd.reference} is already recorded on "
                f"{workflow_id(self.input.year, self.input.state)} as receipt {number} "
                f"({held.reference}, CHF {held.amount}, {held.date.isoformat()})",
                code="already_recorded",
            )
        # A paid chase takes more money until its year closes: the excess is a credit.
        self._check_correctable()
        if cmd.amount <= 0:
            raise Refusal(f"the amount must be positive, not {cmd.amount}")
        self._check_payment_date(cmd.date, today, "the receipt date")
        if cmd.budget_line and cmd.budget_line not in BUDGET_LINES:
            raise Refusal(f"unknown budget line {cmd.budget_line!r}: one of {', '.join(BUDGET_LINES)}")
        voluntary = [s.line for s in self.input.budget_split if s.kind == "voluntary"]
        if cmd.excess_line and (cmd.excess != "voluntary" or cmd.excess_line not in voluntary):
            raise Refusal(
                f"{cmd.excess_line!r} cannot take an excess as a voluntary contribution: the call's voluntary "
                f"lines are {', '.join(voluntary) or 'none'} (and the excess must be given as voluntary)"
            )

    def _taken(self) -> dict[str, Decimal]:
        """What the credit carried in and the receipts standing already paid, by line."""
        taken: dict[str, Decimal] = {}
        carried = allocate(self.input.credit_carried, self.input.budget_split, self.input.arrears, {})
        for parts in [carried] + [r.allocation for r in self.receipts if not r.reversed]:
            for line, part in parts.items():
                taken[line] = taken.get(line, Decimal("0.00")) + part
        return taken

    def allocation_of(self, cmd: RecordReceipt) -> tuple[dict[str, Decimal], str]:
        """A receipt's parts by line, and who said them: the payer's parts, the one line it
        named, or the default rule over the call's lines (`allocate`); none where the year
        has no budget by line."""
        if cmd.lines:
            return dict(cmd.lines), "payer"
        if cmd.budget_line:
            return {cmd.budget_line: cmd.amount}, "line"
        if not self.input.budget_split:
            return {}, ""
        excess_to = self._excess_line(cmd) if cmd.excess == "voluntary" else ""
        return allocate(cmd.amount, self.input.budget_split, self.input.arrears, self._taken(), excess_to), "rule"

    def _excess_line(self, cmd: RecordReceipt) -> str:
        """The voluntary line an excess given as voluntary goes to: the one named, else the
        call's last; "" (a credit) where the call has no voluntary line."""
        voluntary = [s.line for s in self.input.budget_split if s.kind == "voluntary"]
        return cmd.excess_line or (voluntary[-1] if voluntary else "")

    def record_receipt(self, cmd: RecordReceipt, now: datetime) -> list[Effect]:
        self.check_receipt(cmd, geneva_date(now))
        parts, allocated_by = self.allocation_of(cmd)
        self.receipts.append(Receipt(**cmd.model_dump(exclude={"proof"}), allocation=parts))
        self.reported = None
        self.reported_not_received = False
        self.pledge = None
        effects: list[Effect] = [
            Log(
                key=self.change_key("receipt"),
                event_type="chase.receipt_recorded",
                actor=cmd.actor,
                office=cmd.office,
                payload={
                    "amount": str(cmd.amount),
                    "date": cmd.date.isoformat(),
                    "reference": cmd.reference,
                    "budget_line": cmd.budget_line,
                    "lines": {line: str(part) for line, part in parts.items()},
                    "allocated_by": allocated_by,
                    "excess": "voluntary" if voluntary_above(parts) else "credit",
                    "received": str(self.received),
                    "outstanding": str(self.outstanding),
                },
            )
        ]
        if self.outcome is None and self.outstanding == 0:
            effects += self._paid(now)
        return effects

    def check_report(self, cmd: ReportPayment, today: date) -> None:
        self._check_open()
        if cmd.amount is not None and cmd.amount <= 0:
            raise Refusal(f"the amount must be positive, not {cmd.amount}")
        self._check_payment_date(cmd.date, today, "the payment date")

    def report_payment(self, cmd: ReportPayment, now: datetime) -> list[Effect]:
        self.check_report(cmd, geneva_date(now))
        follow_up = at_letter_time(geneva_date(now) + timedelta(days=self.input.follow_up_days))
        self.reported = ReportedPayment(**cmd.model_dump(), follow_up_at=follow_up)
        return [
            Log(
                key=self.change_key("report"),
                event_type="chase.payment_reported",
                actor=cmd.actor,
                office=cmd.office,
                payload={
                    "amount": None if cmd.amount is None else str(cmd.amount),
                    "date": cmd.date.isoformat(),
                    "reference": cmd.reference,
                    "follow_up_at": follow_up.isoformat(),
                },
            )
        ]

    def check_pledge(self, cmd: Pledge, today: date) -> None:
        self._check_open()
        if cmd.expected_date <= today:
            raise Refusal(f"the expected date {cmd.expected_date.isoformat()} must be after today")
        if cmd.amount is not None and cmd.amount <= 0:
            raise Refusal(f"a pledged amount must be positive, not {cmd.amount}")
        latest = date(self.input.year + 1, 12, 31)
        if cmd.expected_date > latest:
            raise Refusal(
                f"the expected date {cmd.expected_date.isoformat()} is after {latest.isoformat()}: "
                "pledge a date within the year or the next"
            )

    def pledge_payment(self, cmd: Pledge, now: datetime) -> list[Effect]:
        self.check_pledge(cmd, geneva_date(now))
        self.pledge = cmd
        return [
            Log(
                key=self.change_key("pledge"),
                event_type="chase.pledged",
                actor=cmd.actor,
                office=cmd.office,
                payload={
                    "expected_date": cmd.expected_date.isoformat(),
                    "amount": None if cmd.amount is None else str(cmd.amount),
                    "note": cmd.note,
                },
            )
        ]

    def check_msp_date(self, cmd: SetMspDate) -> None:
        self._check_open()
        if cmd.msp_date.year != self.input.year:
            raise Refusal(f"the MSP date must fall in {self.input.year}")

    def set_msp_date(self, cmd: SetMspDate) -> list[Effect]:
        self.check_msp_date(cmd)
        old = self.input.msp
        self.input = self.input.model_copy(update={"msp_date": cmd.msp_date})
        if not self.sent("pre_msp_reminder") and "reminder-3" in self.done:
            # Its day had passed (or the chase started after it): it moves with the meeting and
            # goes if the meeting has not opened when it falls due (`fire` skips it otherwise).
            self.done.remove("reminder-3")
        return [
            Log(
                key=self.change_key("msp-date"),
                event_type="chase.msp_date_set",
                actor=cmd.actor,
                office=cmd.office,
                payload={
                    "from": old.isoformat(),
                    "to": cmd.msp_date.isoformat(),
                    "pre_msp_reminder_at": self.step_times()["reminder-3"].isoformat(),
                },
            )
        ]

    def check_escalate(self, cmd: Escalate) -> None:
        """The President writes after the ISU's three letters (call, reminder, pre-MSP
        reminder), as the minutes order them; earlier only on a decision that says why."""
        self._check_open()
        if self.sent("president_letter"):
            raise Refusal("the President's letter has already gone out")
        if not self.sent("pre_msp_reminder") and not cmd.reason.strip():
            raise Refusal(
                "the President writes after the ISU's third letter, the pre-MSP reminder, which has not gone out "
                "to this State: give the Presidency's reason for writing earlier (--reason)"
            )

    def escalate(self, cmd: Escalate, now: datetime) -> list[Effect]:
        self.check_escalate(cmd)
        return self._send_step("president", now, cmd.actor, cmd.office, cmd.reason.strip())

    def check_close(self, cmd: Close) -> None:
        self._check_open()
        if not cmd.reason.strip():
            raise Refusal("a reason is required")

    def close(self, outcome: Literal["waived", "cancelled"], cmd: Close) -> list[Effect]:
        self.check_close(cmd)
        self.outcome = outcome
        return [
            Log(
                key=outcome,
                event_type=f"chase.{outcome}",
                actor=cmd.actor,
                office=cmd.office,
                payload={"reason": cmd.reason, "outstanding": str(self.outstanding)},
            )
        ]

    # --- corrections: compensating events, never edits -----------------------------------
    def _check_correctable(self) -> None:
        """Open, or paid and still running (a paid chase stays open until the year ends)."""
        if self.outcome and not (self.outcome == "paid" and not self.finished):
            raise Refusal(f"the chase is closed ({self.outcome})")

    def _settle(self, now: datetime) -> list[Effect]:
        """After a correction: paid in full closes the chase with thanks; money outstanding
        again reopens a chase closed as paid."""
        if self.outcome is None and self.outstanding == 0:
            return self._paid(now)
        if self.outcome == "paid" and self.outstanding > 0:
            self.outcome = None
            return [
                Log(
                    key=self.change_key("reopened"),
                    event_type="chase.reopened",
                    payload={"outstanding": str(self.outstanding)},
                )
            ]
        return []

    def _paid(self, now: datetime) -> list[Effect]:
        """Paid in full: the thank-you letter. A chase paid again after a reversal reopened
        it thanks again, under a key of its own (`paid`, then `paid-2`, …)."""
        self.outcome = "paid"
        self.counters["paid"] = self.counters.get("paid", 0) + 1
        key = "paid" if self.counters["paid"] == 1 else f"paid-{self.counters['paid']}"
        self.letters.append(LetterSent(kind="thank_you", sent_at=now, key=key))
        return [
            self._letter(
                "thank_you",
                key=key,
                event_type="chase.paid",
                payload={"received": str(self.received), "credit": str(self.credit)},
            )
        ]

    def _receipt_to_reverse(self, cmd: ReverseReceipt) -> int:
        if cmd.number is not None:
            if cmd.number > len(self.receipts) or self.receipts[cmd.number - 1].reversed:
                raise Refusal(f"there is no standing receipt {cmd.number} on this chase")
            return cmd.number
        number = self._receipt_with(cmd.reference)
        if number is None:
            raise Refusal(
                f"no standing receipt with bank reference {cmd.reference!r} on this chase"
                if cmd.reference
                else "name the receipt: its bank reference or its number",
                code="no_such_receipt",
            )
        return number

    def check_reversal(self, cmd: ReverseReceipt) -> None:
        self._check_correctable()
        if not cmd.reason.strip():
            raise Refusal("a reason is required")
        receipt = self.receipts[self._receipt_to_reverse(cmd) - 1]
        if cmd.amount is not None and cmd.amount != receipt.amount:
            raise Refusal(
                f"receipt {receipt.reference or ''} is of {receipt.amount}, not {cmd.amount}: "
                "not the one this reverses",
                code="no_such_receipt",
            )

    def reverse_receipt(self, cmd: ReverseReceipt, now: datetime) -> list[Effect]:
        self.check_reversal(cmd)
        number = self._receipt_to_reverse(cmd)
        receipt = self.receipts[number - 1]
        receipt.reversed = True
        return [
            Log(
                key=self.change_key("reversal"),
                event_type="chase.receipt_reversed",
                actor=cmd.actor,
                office=cmd.office,
                payload={
                    "receipt": number,
                    "reference": receipt.reference,
                    "amount": str(receipt.amount),
                    "date": receipt.date.isoformat(),
                    "budget_line": receipt.budget_line,
                    "lines": {line: str(part) for line, part in receipt.allocation.items()},
                    "reason": cmd.reason,
                    "received": str(self.received),
                    "outstanding": str(self.outstanding),
                },
            ),
            *self._settle(now),
        ]

    def check_correction(self, cmd: CorrectDue) -> None:
        self._check_correctable()
        if cmd.amount < 0:
            raise Refusal(f"the amount due must not be negative, not {cmd.amount}")
        if cmd.amount == self.input.amount_due:
            raise Refusal(f"the amount due is already {cmd.amount}")
        if cmd.amount + self.input.arrears <= 0:
            raise Refusal("nothing would be left to chase: waive the contribution instead")
        if not cmd.reason.strip():
            raise Refusal("a reason is required")

    def correct_due(self, cmd: CorrectDue, now: datetime) -> list[Effect]:
        self.check_correction(cmd)
        previous = self.input.amount_due
        # The call's lines keep their proportions: the shares make the corrected amount.
        split = split_by_line(
            cmd.amount, [BudgetLine(line=s.line, amount=s.amount, kind=s.kind) for s in self.input.budget_split]
        )
        self.input = self.input.model_copy(update={"amount_due": cmd.amount, "budget_split": split})
        return [
            Log(
                key=self.change_key("due-corrected"),
                event_type="chase.due_corrected",
                actor=cmd.actor,
                office=cmd.office,
                payload={
                    "from": str(previous),
                    "to": str(cmd.amount),
                    "reason": cmd.reason,
                    "outstanding": str(self.outstanding),
                    "credit": str(self.credit),
                },
            ),
            *self._settle(now),
        ]

    # --- reading ---------------------------------------------------------------------
    def result(self, effects: list[Any]) -> CommandResult:
        summary = {"received": self.received, "outstanding": self.outstanding}
        if self.credit:
            summary["credit"] = self.credit
        return result_of(workflow_id(self.input.year, self.input.state), self.stage, effects, summary)

    def details(self) -> str:
        """The amounts as the web UI's current details show them."""
        st = self.status()
        return (
            f"Due CHF {st.amount_due}"
            + (f" (arrears CHF {st.arrears})" if st.arrears else "")
            + f", received CHF {st.received}, outstanding CHF {st.outstanding}"
            + (f", credit CHF {st.credit}" if st.credit else "")
        )

    def row(self) -> dict[str, Any]:
        return self.status().row()

    def status(self) -> ChaseStatus:
        action = self.next_action()
        return ChaseStatus(
            workflow_id=workflow_id(self.input.year, self.input.state),
            state=self.input.state,
            year=self.input.year,
            stage=self.stage,
            amount_due=self.input.amount_due,
            arrears=self.input.arrears,
            credit_carried=self.input.credit_carried,
            received=self.received,
            outstanding=self.outstanding,
            credit=self.credit,
            voluntary=self.voluntary,
            msp_date=self.input.msp_date,
            letters=self.letters,
            receipts=self.receipts,
            reported=self.reported,
            pledge=self.pledge,
            next_action=action.description if action else None,
            next_action_at=action.at if action else None,
            outcome=self.outcome,
            arrears_carried=self.outstanding if self.outcome == "in_arrears" else Decimal("0.00"),
        )
