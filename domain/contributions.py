"""The status of contributions, folded from event-log rows alone.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

This is what an auditor can recompute without Temporal: per State, what was due, what
arrived, what is outstanding; the Trust Fund's receipts per budget line against the
year's budget; and the cumulative receipts over the year for the published chart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.csvfile import Problems, rows
from domain.event_types import LetterSent, typed
from domain.events import Event, NewEvent
from domain.ids import chase_id, parse_chase_id
from domain.money import BUDGET_LINES, CHF, format_chf, parse_amount, to_chf
from domain.schedule import geneva_date, geneva_today
from domain.text import clean_text

if TYPE_CHECKING:
    from domain.states import Registry

ZERO = Decimal("0.00")


class StateContribution(BaseModel):
    state: str
    name: str = ""
    amount_due: CHF = ZERO
    arrears: CHF = ZERO
    credit_carried: CHF = ZERO
    received: CHF = ZERO
    outstanding: CHF = ZERO
    credit: CHF = ZERO
    voluntary: CHF = Field(ZERO, description="given above what was indicated, as voluntary contributions")
    letters: int = 0
    pledged: str = Field("", description="a pledge standing: its amount (or 'yes') and expected date")
    reported: str = Field("", description="a payment the State reported that has not arrived: its date")
    outcome: str = ""  # paid, waived, cancelled or in_arrears once the chase has ended
    last_action: str = ""
    last_action_on: date | None = None

    @property
    def paid_in_full(self) -> bool:
        return self.outstanding == 0 and self.outcome not in {"waived", "cancelled"}

    @property
    def arrears_only(self) -> bool:
        """Billed nothing for the year, chased for earlier years (a State that withdrew)."""
        return self.amount_due == 0 and self.arrears > 0


class BudgetLine(BaseModel):
    line: str
    amount: CHF
    kind: Literal["mandatory", "voluntary"]
    received: CHF = ZERO
    above: CHF = Field(ZERO, description="of what was received, given above what the calls indicated")


class BudgetShare(BaseModel):
    """A State's amount due on one line of the budget, and whether that line is voluntary."""

    model_config = ConfigDict(extra="forbid")

    line: str
    kind: Literal["mandatory", "voluntary"]
    amount: CHF


def split_by_line(amount: Decimal, lines: list[BudgetLine]) -> list[BudgetShare]:
    """`amount` shared over the budget's lines in proportion to them, to the centime; the
    last line takes what rounding leaves, so the shares sum to the amount."""
    total = sum((b.amount for b in lines), ZERO)
    if not lines or total <= 0 or amount <= 0:
        return []
    shares = [
        BudgetShare(line=b.line, kind=b.kind, amount=(amount * b.amount / total).quantize(Decimal("0.01")))
        for b in lines
    ]
    shares[-1].amount = amount - sum((s.amount for s in shares[:-1]), ZERO)
    return shares


# What a receipt pays besides the year's budget lines: earlier years' arrears, and what is
# left above everything due (a credit carried to the next year).
ARREARS, CREDIT = "arrears", "credit"
CENT = Decimal("0.01")
# What is left above everything due may instead be a voluntary contribution to a voluntary
# line: its part is keyed `7c+` ("on 7c, above what was indicated"), never carried as credit.
ABOVE = "+"


def above(line: str) -> str:
    """The key of a voluntary contribution to `line` above what the call indicated."""
    return f"{line}{ABOVE}"


def voluntary_above(parts: dict[str, Decimal]) -> Decimal:
    """What of a receipt's parts was given above what was indicated (not due, not credit)."""
    return sum((part for key, part in parts.items() if key.endswith(ABOVE)), ZERO)


def allocate(
    amount: Decimal,
    split: list[BudgetShare],
    arrears: Decimal,
    taken: dict[str, Decimal],
    excess_to: str = "",
) -> dict[str, Decimal]:
    """The default rule for a receipt whose payer names no line: earlier years' arrears
    first (as the United Nations' Financial Regulations credit a Member State's payments
    to the contributions due "in the order in which the Member State was assessed"), then
    what is still due on the non-voluntary lines, then the voluntary lines in proportion to
    what is still indicated on each; what is left above everything goes to the credit, or,
    where `excess_to` names a voluntary line, to that line above what it indicated.
    `taken` is what earlier receipts (and the credit carried in) already paid, by the same
    keys. The parts sum to `amount`, to the centime."""
    parts: dict[str, Decimal] = {}
    left = amount

    def pay(key: str, most: Decimal) -> None:
        nonlocal left
        part = min(left, max(ZERO, most))
        if part > 0:
            parts[key] = parts.get(key, ZERO) + part
            left -= part

    pay(ARREARS, arrears - taken.get(ARREARS, ZERO))
    for share in split:
        if share.kind == "mandatory":
            pay(share.line, share.amount - taken.get(share.line, ZERO))
    voluntary = [
        (s.line, rest) for s in split if s.kind == "voluntary" and (rest := s.amount - taken.get(s.line, ZERO)) > 0
    ]
    indicated = sum((rest for _, rest in voluntary), ZERO)
    if 0 < left < indicated:  # not enough for every line: in proportion, the last takes the rounding
        parts_of = [(line, (left * rest / indicated).quantize(CENT)) for line, rest in voluntary]
        parts_of[-1] = (parts_of[-1][0], left - sum((part for _, part in parts_of[:-1]), ZERO))
        for line, part in parts_of:
            pay(line, part)
    else:
        for line, rest in voluntary:
            pay(line, rest)
    pay(above(excess_to) if excess_to else CREDIT, left)
    return parts


def allocated(amount: Decimal, lines: dict[str, Decimal], budget_line: str) -> dict[str, Decimal]:
    """A receipt's parts by line as its row says them: its allocation, or, for a row from
    before allocations were logged, the one line it named (or none: "")."""
    return dict(lines) if lines else {budget_line: amount}


class Receipt(BaseModel):
    on: date
    amount: CHF
    budget_line: str = ""
    lines: dict[str, CHF] = Field(default_factory=dict, description="its parts by line (`allocate`)")
    state: str = ""
    number: int = Field(0, description="the receipt's number on its chase (1 = first)")

    def part(self, line: str) -> Decimal:
        """What the receipt paid on `line` (with what it gave there above the indication)."""
        parts = allocated(self.amount, self.lines, self.budget_line)
        return parts.get(line, ZERO) + parts.get(above(line), ZERO)

    @property
    def voluntary(self) -> Decimal:
        return voluntary_above(self.lines)


class ContributionsReport(BaseModel):
    year: int
    as_of: date | None = None
    states: list[StateContribution]
    budget_lines: list[BudgetLine] = Field(default_factory=list)
    receipts: list[Receipt] = Field(default_factory=list)

    @property
    def parties(self) -> list[StateContribution]:
        """The States Parties billed for the year: every row but a former party's arrears."""
        return [s for s in self.states if not s.arrears_only]

    @property
    def former(self) -> list[StateContribution]:
        """States chased only for their arrears (one that withdrew): apart from the parties."""
        return [s for s in self.states if s.arrears_only]

    @property
    def paid_in_full(self) -> int:
        return sum(1 for s in self.parties if s.paid_in_full)

    @property
    def paid_in_full_text(self) -> str:
        return f"{self.paid_in_full} of {len(self.parties)}"

    @property
    def contributed(self) -> int:
        """States Parties that paid anything, as the minutes count them ("24 out of 100
        States Parties had contributed")."""
        return sum(1 for s in self.parties if s.received > 0)

    def standing(self, field: str) -> list[StateContribution]:
        """The States with a pledge (`pledged`) or a reported payment (`reported`) standing."""
        return [s for s in self.states if getattr(s, field)]

    @property
    def contributed_text(self) -> str:
        """`24 of 100 States Parties have contributed (9 in full)`."""
        return (
            f"{self.contributed} of {len(self.parties)} States Parties have contributed ({self.paid_in_full} in full)"
        )

    def total(self, field: str) -> Decimal:
        return sum((getattr(s, field) for s in self.states), ZERO)

    @property
    def budget(self) -> Decimal:
        return sum((b.amount for b in self.budget_lines), ZERO)

    @property
    def deficit(self) -> Decimal:
        """What the budget still lacks: the budget less everything received for the year."""
        return max(ZERO, self.budget - self.total("received"))

    def received_on(self, key: str) -> Decimal:
        """What the receipts paid on `key`: a line, `arrears` (of earlier years) or `credit`."""
        return sum((r.part(key) for r in self.receipts), ZERO)

    @property
    def unassigned_receipts(self) -> Decimal:
        """What no line of the year's budget took, nor the arrears nor a credit: receipts
        that named no line, or a line the year's budget file does not have."""
        placed = {b.line for b in self.budget_lines} | {above(b.line) for b in self.budget_lines} | {ARREARS, CREDIT}
        return sum(
            (
                part
                for r in self.receipts
                for key, part in allocated(r.amount, r.lines, r.budget_line).items()
                if key not in placed
            ),
            ZERO,
        )

    def cumulative(self) -> list[tuple[date, Decimal]]:
        """(day, total received up to and including that day), one point per receipt day."""
        points: dict[date, Decimal] = {}
        running = ZERO
        for r in sorted(self.receipts, key=lambda r: r.on):
            running += r.amount
            points[r.on] = running
        return list(points.items())


_OUTCOMES = {
    "chase.paid": "paid",
    "chase.waived": "waived",
    "chase.cancelled": "cancelled",
    "chase.closed_in_arrears": "in_arrears",
    "chase.reopened": "",
}


def years_owed(events: Iterable[Event], state: str, before: int) -> list[int]:
    """The years before `before` whose contribution `state` still owes: its chases' rows
    (started or imported, each year's amount due) against everything it paid, the oldest
    year paid first; a year waived or cancelled is owed no longer."""
    rows = list(events)
    years = sorted(
        {y for ev in rows if (p := parse_chase_id(ev.workflow_id)) and p[1] == state and (y := p[0]) < before}
    )
    dues: list[tuple[int, Decimal]] = []
    paid = ZERO
    for year in years:
        row = next((s for s in fold_contributions(rows, year).states if s.state == state), None)
        if row is None:
            continue
        paid += row.received
        if row.outcome not in ("waived", "cancelled"):
            dues.append((year, row.amount_due))
    owed = []
    for year, due in dues:
        covered = min(paid, due)
        paid -= covered
        if due > covered:
            owed.append(year)
    return owed


def withdrawal_facts(
    rows_of_state: Callable[[], Iterable[Event]], recorded: Iterable[Event], state: str, year: int, day: date
) -> dict[str, Any]:
    """What a letter to a State that has withdrawn says of it (`withdrawn`, the day its
    withdrawal took effect, and `arrears_years`, the years it still owes): the registry with
    the log's `state.recorded` rows, and its chase rows (read only for such a State); empty
    for a State Party."""
    from domain.states import registry_with

    known = {s.alpha3: s for s in registry_with(recorded)}
    found = known.get(state)
    if found is None or found.withdrawn is None or found.withdrawn > day:
        return {}
    return {"withdrawn": found.withdrawn.isoformat(), "arrears_years": years_owed(rows_of_state(), state, year)}


def fold_contributions(
    events: Iterable[Event],
    year: int,
    names: dict[str, str] | None = None,
    budget_lines: list[BudgetLine] | None = None,
    as_of: date | None = None,
) -> ContributionsReport:
    """Build the year's report from the chase events of the log (in sequence order)."""
    states: dict[str, StateContribution] = {}
    receipts: list[Receipt] = []
    reversed_count: dict[str, int] = {}
    for ev in events:
        parsed = parse_chase_id(ev.workflow_id)
        if parsed is None or parsed[0] != year:
            continue
        state = parsed[1]
        row = states.setdefault(state, StateContribution(state=state, name=(names or {}).get(state, state)))
        p = typed(ev)  # its current model, whatever schema it was written in
        if ev.event_type in ("chase.started", "chase.imported"):
            row.amount_due, row.arrears = to_chf(p.amount_due), to_chf(p.arrears)
            row.credit_carried = to_chf(getattr(p, "credit_carried", ZERO))
        elif ev.event_type in ("chase.receipt_recorded", "chase.receipt_imported"):
            number = 1 + sum(1 for r in receipts if r.state == state) + reversed_count.get(state, 0)
            lines = getattr(p, "lines", {})  # an imported receipt names one line
            receipts.append(
                Receipt(on=p.date, amount=p.amount, budget_line=p.budget_line, lines=lines, state=state, number=number)
            )
        elif ev.event_type == "chase.receipt_reversed":  # a compensating event: the receipt no longer counts
            receipts = [r for r in receipts if (r.state, r.number) != (state, p.receipt)]
            reversed_count[state] = reversed_count.get(state, 0) + 1
        elif ev.event_type == "chase.due_corrected":
            row.amount_due = to_chf(p.to)
        elif ev.event_type in ("chase.pledged", "chase.pledge_imported"):
            amount = format_chf(to_chf(p.amount)) if p.amount else "an amount not said"
            expected = p.expected_date if ev.event_type == "chase.pledged" else None  # a ledger says no day
            row.pledged = f"{amount}, expected {expected.isoformat() if expected else 'soon'}"
        elif ev.event_type in ("chase.payment_reported", "chase.payment_report_imported"):
            row.reported = f"reported paid on {p.date.isoformat()}"
        if ev.event_type in ("chase.receipt_recorded", "chase.receipt_imported"):
            row.pledged = row.reported = ""  # the money came: neither stands any longer
        row.outcome = _OUTCOMES.get(ev.event_type, row.outcome)
        if isinstance(p, LetterSent) and p.letter:  # a letter drawn (or held, with why): its activity names it
            row.letters += 1
        elif ev.event_type == "chase.letter_imported":  # one sent before ccm
            row.letters += 1
        row.last_action, row.last_action_on = ev.event_type.removeprefix("chase."), geneva_date(ev.occurred_at)
    for row in states.values():  # from the same receipts as the budget lines and the deficit
        row.received = sum((r.amount for r in receipts if r.state == row.state), ZERO)
        row.voluntary = sum((r.voluntary for r in receipts if r.state == row.state), ZERO)
        total, paid = row.amount_due + row.arrears, row.received - row.voluntary + row.credit_carried
        row.outstanding, row.credit = max(ZERO, total - paid), max(ZERO, paid - total)
    lines = [b.model_copy() for b in budget_lines or []]
    for b in lines:
        b.received = sum((r.part(b.line) for r in receipts), ZERO)
        b.above = sum((r.lines.get(above(b.line), ZERO) for r in receipts), ZERO)
    return ContributionsReport(
        year=year,
        as_of=as_of,
        states=sorted(states.values(), key=lambda s: s.state),
        budget_lines=lines,
        receipts=receipts,
    )


class AgedArrear(BaseModel):
    """What a State still owes from one year's call."""

    state: str
    name: str
    origin: int = Field(description="the year it was billed; 0: before the first year the log holds")
    amount: CHF
    age: int = Field(description="years since: the year of the report less the origin")


def age_arrears(reports: dict[int, ContributionsReport], year: int) -> list[AgedArrear]:
    """What each State owes at the end of its latest chase up to `year`, by the year it was
    billed. Payments go to the oldest amounts first (as a receipt is allocated:
    `allocate`), so what is still owed is the newest: the outstanding is laid on the years
    from the latest back, each up to what it billed; a year waived or cancelled billed
    nothing. What is left beyond the first year the log holds is said as from before it."""
    rows: dict[str, dict[int, StateContribution]] = {}
    for y in sorted(reports):
        if y <= year:
            for s in reports[y].states:
                rows.setdefault(s.state, {})[y] = s
    aged: list[AgedArrear] = []
    for state, by_year in sorted(rows.items()):
        latest = by_year[max(by_year)]
        owed = ZERO if latest.outcome in {"waived", "cancelled"} else latest.outstanding
        for y in sorted(by_year, reverse=True):
            if owed <= 0:
                break
            billed = ZERO if by_year[y].outcome in {"waived", "cancelled"} else by_year[y].amount_due
            part = min(owed, billed)
            if part > 0:
                aged.append(AgedArrear(state=state, name=latest.name, origin=y, amount=part, age=year - y))
                owed -= part
        if owed > 0:
            aged.append(AgedArrear(state=state, name=latest.name, origin=0, amount=owed, age=year - min(by_year) + 1))
    return aged


def read_budget(text: str) -> list[BudgetLine]:
    """A budget file: `line,amount,kind` with kind `mandatory` or `voluntary`."""
    reader = rows(text, ["line", "amount", "kind"])
    lines: list[BudgetLine] = []
    problems = Problems()
    for n, row in reader:
        name = (row["line"] or "").strip()
        if name not in BUDGET_LINES:
            problems.add(n, "line", f"unknown budget line {name!r}: one of {', '.join(BUDGET_LINES)}")
            continue
        if name in {b.line for b in lines}:
            problems.add(n, "line", f"budget line {name} appears twice")
            continue
        kind = (row["kind"] or "").strip()
        try:
            amount = parse_amount(row["amount"] or "")
        except ValueError as e:
            problems.add(n, "amount", f"{e}")
            continue
        if amount < 0:
            problems.add(n, "amount", f"the amount of {name} must not be negative")
        elif kind not in ("mandatory", "voluntary"):
            problems.add(n, "kind", f"{kind!r} is neither mandatory nor voluntary")
        else:
            lines.append(BudgetLine(line=name, amount=amount, kind=kind))
    if problems:
        raise ValueError(str(problems))
    return lines


# What a year's ledger writes (`ccm import contributions`), and with its letters
# (`ccm import letters`), everything a year kept before ccm holds.
LEDGER = ("chase.imported", "chase.receipt_imported", "chase.pledge_imported", "chase.payment_report_imported")
IMPORTED = (*LEDGER, "chase.letter_imported")


def day_near(text: str, year: int, today: date) -> date:
    """A day a past year's record may name: in the year or either side of it, not to come."""
    try:
        day = date.fromisoformat(text)
        if date(year - 1, 1, 1) <= day <= min(date(year + 1, 12, 31), today):
            return day
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not a date of {year - 1}–{year + 1} up to today (YYYY-MM-DD)")


def ledger_events(
    data: bytes, year: int, registry: Registry, actor: str, office: str, today: date | None = None
) -> list[NewEvent]:
    """A past year's ledger (CSV `state,amount_due,date,amount,reference,budget_line`, one
    row per receipt; a State that paid nothing has one row with no date and no amount) as
    `chase.imported` and `chase.receipt_imported` events, each dated by its row and
    carrying the file's SHA-256 and line. Every problem with its line, or the events.

    An optional `kind` column says what a row with a date records: `receipt` (the
    default), `pledge` (the State said it would pay: `amount` if it said how much,
    `reference` its words) or `reported` (the State reported paying, and nothing has
    arrived): `chase.pledge_imported` and `chase.payment_report_imported`, which count
    no money.

    A row is named by what it is, never by its line: a State's amount due by the State
    and year, a receipt by its reference, or, without one, by its content (State, date,
    amount, budget line) and its place among identical rows. A ledger re-sorted, or with
    rows added, names its old rows as before, and only the new are written."""
    from domain.events import NewEvent, read_import
    from domain.schedule import utc_midnight
    from domain.states import UnknownState

    columns = ["state", "amount_due", "date", "amount", "reference", "budget_line"]
    sha, reader = read_import(data, columns)
    today = today or geneva_today()
    due: dict[str, tuple[Decimal, int]] = {}
    receipts: list[tuple[int, str, date, Decimal | None, str, str]] = []
    said: list[tuple[int, str, str, date, Decimal | None, str]] = []  # pledges and reported payments
    references: dict[tuple[str, str], int] = {}
    problems = Problems()
    for n, row in reader:
        cell = {k: (row.get(k) or "").strip() for k in columns}
        try:
            state = registry.get(cell["state"])
        except UnknownState as e:
            problems.add(n, "state", f"{e}")
            continue
        if not state.party_during(year):
            problems.add(n, "state", f"{state.name} ({state.alpha3}) was not a State Party in {year}")
            continue
        try:
            amount_due = parse_amount(cell["amount_due"])
            if amount_due < 0:
                raise ValueError(f"{amount_due} is negative: an amount due is nothing or more")
        except ValueError as e:
            problems.add(n, "amount_due", f"{e}")
            continue
        if state.alpha3 in due and due[state.alpha3][0] != amount_due:
            problems.add(
                n,
                "amount_due",
                f"{amount_due} differs from line {due[state.alpha3][1]} ({due[state.alpha3][0]}) for {state.name}",
            )
            continue
        due.setdefault(state.alpha3, (amount_due, n))
        kind = (row.get("kind") or "").strip() or "receipt"
        if kind not in ("receipt", "pledge", "reported"):
            problems.add(n, "kind", f"{kind!r} is not receipt, pledge or reported")
            continue
        if not cell["date"] and not cell["amount"] and kind == "receipt":
            continue  # nothing received
        try:
            day = day_near(cell["date"], year, today)
        except ValueError as e:
            problems.add(n, "date", str(e))
            continue
        try:
            amount = parse_amount(cell["amount"]) if cell["amount"] or kind == "receipt" else None
            if amount is not None and amount <= 0:
                raise ValueError("must be positive")
        except ValueError as e:
            problems.add(n, "amount", f"{e}")
            continue
        if kind != "receipt":
            if len(cell["reference"]) > 300:
                problems.add(n, "reference", "longer than 300 characters")
            else:
                said.append((n, state.alpha3, kind, day, amount, cell["reference"]))
            continue
        if len(cell["reference"]) > 300:
            problems.add(n, "reference", "longer than 300 characters")
            continue
        try:
            clean_text(cell["reference"])
        except ValueError as e:
            problems.add(n, "reference", str(e))
            continue
        if cell["budget_line"] and cell["budget_line"] not in BUDGET_LINES:
            problems.add(n, "budget_line", f"{cell['budget_line']!r} is not one of {', '.join(BUDGET_LINES)}")
            continue
        if cell["reference"] and (state.alpha3, cell["reference"]) in references:
            first = references[(state.alpha3, cell["reference"])]
            problems.add(n, "reference", f"{cell['reference']} is already on line {first}")
            continue
        references[(state.alpha3, cell["reference"])] = n
        receipts.append((n, state.alpha3, day, amount, cell["reference"], cell["budget_line"]))
    if problems:
        raise ValueError(str(problems))

    def event(key: str, state: str, event_type: str, when: date, payload: dict[str, Any]) -> NewEvent:
        wid = chase_id(year, state)
        return NewEvent(
            idempotency_key=f"{wid}/{key}",
            workflow_id=wid,
            workflow_type="import",
            subject=state,
            event_type=event_type,
            occurred_at=utc_midnight(when),
            actor=actor,
            office=office,
            payload=payload | {"file_sha256": sha},
        )

    events = [
        event(
            "imported", s, "chase.imported", date(year, 1, 1), {"amount_due": str(a), "arrears": "0.00", "line": line}
        )
        for s, (a, line) in sorted(due.items())
    ]
    seen: dict[tuple[Any, ...], int] = {}

    def receipt_key(state: str, day: date, amount: Decimal | None, ref: str, budget_line: str) -> str:
        if ref:
            return f"receipt-imported-ref-{hashlib.sha256(ref.encode()).hexdigest()[:16]}"
        content = (state, day.isoformat(), str(amount), budget_line)
        seen[content] = seen.get(content, 0) + 1
        digest = hashlib.sha256("|".join(content).encode()).hexdigest()[:16]
        return f"receipt-imported-{digest}-{seen[content]}"

    events += [
        event(
            receipt_key(s, day, amount, ref, bl),
            s,
            "chase.receipt_imported",
            day,
            {"amount": str(amount), "date": day.isoformat(), "reference": ref, "budget_line": bl, "line": line},
        )
        for line, s, day, amount, ref, bl in sorted(receipts, key=_in_order)
    ]
    for line, s, kind, day, amount, words in said:
        body = {"date": day.isoformat(), "amount": None if amount is None else str(amount), "line": line}
        content = "|".join((s, kind, day.isoformat(), str(amount)))
        key = f"{kind}-imported-{hashlib.sha256(content.encode()).hexdigest()[:16]}"
        if kind == "pledge":
            events.append(event(key, s, "chase.pledge_imported", day, body | {"note": words}))
        else:
            events.append(event(key, s, "chase.payment_report_imported", day, body | {"reference": words}))
    return events


def _in_order(receipt: tuple[Any, ...]) -> tuple[Any, ...]:
    """Receipts in an order that does not depend on the file's: identical rows then count
    the same way however the ledger is sorted."""
    line, state, day, amount, ref, budget_line = receipt
    return state, day, amount, budget_line, ref, line


LETTER_KINDS = ("call_for_contributions", "second_reminder", "pre_msp_reminder", "president_letter", "thank_you")


def letter_events(
    data: bytes,
    year: int,
    registry: Registry,
    billed: set[str],
    actor: str,
    office: str,
    today: date | None = None,
) -> list[NewEvent]:
    """Letters sent before ccm (CSV `state,date,kind,reference`) as `chase.letter_imported`
    events of the year's chases, each dated by its row. `billed` are the States the log
    has a chase of for the year (its ledger imported): a letter to any other is refused.

    A letter is named by its State, kind and day, never by its line: the file again, or
    re-sorted, writes nothing new; a row changed under the same name is refused by the log
    with both rows named. Every problem with its line, or the events."""
    from domain.events import NewEvent, read_import
    from domain.schedule import utc_midnight
    from domain.states import UnknownState

    sha, reader = read_import(data, ["state", "date", "kind", "reference"])
    today = today or geneva_today()
    problems = Problems()
    seen: dict[tuple[str, str, date], int] = {}
    events: list[NewEvent] = []
    for n, row in reader:
        cell = {k: (row.get(k) or "").strip() for k in ("state", "date", "kind", "reference")}
        try:
            state = registry.get(cell["state"]).alpha3
        except UnknownState as e:
            problems.add(n, "state", f"{e}")
            continue
        if state not in billed:
            problems.add(n, "state", f"no chase of {state} for {year} in the log: import the year's ledger first")
            continue
        if cell["kind"] not in LETTER_KINDS:
            problems.add(n, "kind", f"{cell['kind']!r} is not one of {', '.join(LETTER_KINDS)}")
            continue
        try:
            day = day_near(cell["date"], year, today)
        except ValueError as e:
            problems.add(n, "date", str(e))
            continue
        try:
            if len(cell["reference"]) > 300:
                raise ValueError("longer than 300 characters")
            clean_text(cell["reference"])
        except ValueError as e:
            problems.add(n, "reference", str(e))
            continue
        name = (state, cell["kind"], day)
        if name in seen:
            problems.add(n, "kind", f"the same letter ({state}, {cell['kind']}, {day}) is on line {seen[name]}")
            continue
        seen[name] = n
        wid = chase_id(year, state)
        events.append(
            NewEvent(
                idempotency_key=f"{wid}/letter-imported-{cell['kind']}-{day.isoformat()}",
                workflow_id=wid,
                workflow_type="import",
                subject=state,
                event_type="chase.letter_imported",
                occurred_at=utc_midnight(day),
                actor=actor,
                office=office,
                payload={
                    "letter": cell["kind"],
                    "date": day.isoformat(),
                    "reference_number": cell["reference"],
                    "delivery": "sent",
                    "line": n,
                    "file_sha256": sha,
                },
            )
        )
    if problems:
        raise ValueError(str(problems))
    return sorted(events, key=lambda e: (e.occurred_at, e.subject, e.idempotency_key))
