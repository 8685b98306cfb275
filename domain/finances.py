"""The Unit's own finances, folded from the event log: the budget the Meeting of States
Parties approved (and its revisions), what the Unit spent and what the host or the UN
took, the cash on any day, and whether it lasts through the first trimester of the next
year (the minutes' item 6: "funds carried over from the previous year … would not be
adequate to take the Secretariat through the first trimester of 2017").

Pure: the rows come in, the figures go out; an auditor recomputes them without Temporal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from domain.contributions import ZERO, BudgetLine, ContributionsReport, read_budget
from domain.csvfile import Problems
from domain.events import Event, NewEvent
from domain.money import BUDGET_LINES, CHF, parse_amount, to_chf

# What the UN takes when it bills on another body's behalf ("the 13% administrative fee
# applied by the UN for such transactions", minutes of 4 November 2016, item 6).
UN_FEE = Decimal("0.13")


CENT = Decimal("0.01")
# A budget spent evenly: each month's share of the year, in per cent.
EVEN = [Decimal(100) / 12] * 12


def read_phasing(text: str) -> list[Decimal]:
    """A budget's monthly phasing (CSV `month,percent`, the twelve months once each, the
    shares of the year's budget summing to 100) as twelve percentages, January first."""
    from domain.csvfile import rows

    shares: dict[int, Decimal] = {}
    problems = Problems()
    for n, row in rows(text, ["month", "percent"]):
        try:
            month = int((row["month"] or "").strip())
            if not 1 <= month <= 12 or month in shares:
                raise ValueError
        except ValueError:
            problems.add(n, "month", f"{row['month']!r} is not a month (1 to 12) named once")
            continue
        try:
            share = Decimal((row["percent"] or "").strip())
            if not share.is_finite() or share < 0:
                raise ValueError
        except (ValueError, ArithmeticError):
            problems.add(n, "percent", f"{row['percent']!r} is not a share of the budget in per cent")
            continue
        shares[month] = share
    if not problems and (len(shares) != 12 or sum(shares.values()) != 100):
        problems.add(1, "percent", f"the twelve months' shares sum to {sum(shares.values())}, not to 100")
    if problems:
        raise ValueError(str(problems))
    return [shares[m] for m in range(1, 13)]


def budget_id(year: int) -> str:
    return f"budget-{year}"


def budget_event(
    data: bytes,
    year: int,
    decision: str,
    approved_on: date,
    carry_over: Decimal,
    actor: str,
    office: str,
    phasing: list[Decimal] | None = None,
) -> NewEvent:
    """The year's budget by line as the Meeting of States Parties approved it (CSV
    `line,amount,kind`, as a budget file), with the decision's reference and day, and the
    funds carried over from the year before, and its monthly phasing (`read_phasing`; none:
    spent evenly); dated by the day it was approved. Named by its
    file: the same file again writes nothing; another file for the year is a revision, and
    the latest counts from its day."""
    from domain.events import read_import
    from domain.schedule import utc_midnight

    sha, _ = read_import(data, ["line", "amount", "kind"])
    lines = read_budget(data.decode("utf-8"))  # every problem with its line
    return NewEvent(
        # named by what it says: the file, and the phasing with it
        idempotency_key=f"{budget_id(year)}/{hashlib.sha256((sha + repr(phasing or [])).encode()).hexdigest()[:16]}",
        workflow_id=budget_id(year),
        workflow_type="",
        subject=str(year),
        event_type="budget.set",
        occurred_at=utc_midnight(approved_on),
        actor=actor,
        office=office,
        payload={
            "year": year,
            "approved_on": approved_on.isoformat(),
            "lines": [b.model_dump(mode="json", include={"line", "amount", "kind"}) for b in lines],
            "decision": decision,
            "carry_over": str(carry_over),
            "phasing": [str(p) for p in phasing or []],
            "file_sha256": sha,
        },
    )


def expenditure_events(data: bytes, actor: str, office: str, today: date) -> list[NewEvent]:
    """Expenditure exported from the host's accounting (CSV `date,budget_line,amount,
    description,document[,kind]`; kind `expenditure`, the default, or `fee`, what the host
    or the UN took) as `expenditure.recorded` events dated by each row. A row is named by
    its document reference, as a bank entry by its reference: the file again writes
    nothing new, and a row changed under the same document is refused with both named.
    Every problem with its line, or the events."""
    from domain.events import read_import
    from domain.schedule import utc_midnight

    columns = ["date", "budget_line", "amount", "description", "document"]
    sha, reader = read_import(data, columns)
    problems = Problems()
    seen: dict[str, int] = {}
    events: list[NewEvent] = []
    for n, row in reader:
        cell = {k: (row.get(k) or "").strip() for k in [*columns, "kind"]}
        try:
            day = date.fromisoformat(cell["date"])
            if not date(2010, 1, 1) <= day <= today:
                raise ValueError
        except ValueError:
            problems.add(n, "date", f"{cell['date']!r} is not a date from 2010 up to today (YYYY-MM-DD)")
            continue
        if cell["budget_line"] not in ("", *BUDGET_LINES):
            problems.add(n, "budget_line", f"{cell['budget_line']!r} is not one of {', '.join(BUDGET_LINES)}")
            continue
        try:
            amount = parse_amount(cell["amount"])
            if amount <= 0:
                raise ValueError("must be positive (a refund is a receipt, not an expenditure)")
        except ValueError as e:
            problems.add(n, "amount", f"{e}")
            continue
        kind = cell["kind"] or "expenditure"
        if kind not in ("expenditure", "fee"):
            problems.add(n, "kind", f"{kind!r} is neither expenditure nor fee")
            continue
        document = cell["document"]
        if not document or len(document) > 300:
            problems.add(n, "document", "every row names its document (the accounting's reference), in 300 characters")
            continue
        if document in seen:
            problems.add(n, "document", f"{document} is already on line {seen[document]}")
            continue
        bad = next((k for k in ("description", "document") if not _one_line(cell[k])), None)
        if bad is not None or len(cell["description"]) > 300:
            problems.add(n, bad or "description", "one line of at most 300 characters, no control character")
            continue
        seen[document] = n
        digest = hashlib.sha256(document.encode()).hexdigest()[:16]
        events.append(
            NewEvent(
                idempotency_key=f"expenditure/{digest}",
                workflow_id=f"expenditure-{day.year}",
                workflow_type="import",
                subject=cell["budget_line"] or "unassigned",
                event_type="expenditure.recorded",
                occurred_at=utc_midnight(day),
                actor=actor,
                office=office,
                payload={
                    "date": day.isoformat(),
                    "budget_line": cell["budget_line"],
                    "amount": str(amount),
                    "description": cell["description"],
                    "document": document,
                    "kind": kind,
                    "line": n,
                    "file_sha256": sha,
                },
            )
        )
    if problems:
        raise ValueError(str(problems))
    return events


def _one_line(text: str) -> bool:
    from domain.text import clean_text

    try:
        clean_text(text)
    except ValueError:
        return False
    return True


class Spent(BaseModel):
    on: date
    budget_line: str
    amount: CHF
    kind: Literal["expenditure", "fee"]
    description: str = ""


class Expected(BaseModel):
    """Money the projection counts on: a pledge with its day, or a State that paid in this
    month last year and owes now."""

    state: str
    month: date = Field(description="the month's first day")
    amount: CHF
    why: Literal["pledge", "paid this month last year"]


class MonthEnd(BaseModel):
    month: date = Field(description="the month's first day")
    receipts: CHF
    spending: CHF
    balance: CHF


class Finances(BaseModel):
    year: int
    as_of: date
    budget: list[BudgetLine] = Field(default_factory=list)
    decision: str = ""
    revisions: int = Field(0, description="budgets set for the year after the first")
    carry_over: CHF = ZERO
    phasing: list[Decimal] = Field(default_factory=list, description="each month's share in per cent; none: even")
    received_by_line: dict[str, CHF] = Field(default_factory=dict)
    received: CHF = ZERO
    spent: list[Spent] = Field(default_factory=list)
    expected: list[Expected] = Field(default_factory=list)
    projection: list[MonthEnd] = Field(default_factory=list)

    @property
    def budget_total(self) -> Decimal:
        return sum((b.amount for b in self.budget), ZERO)

    def spent_on(self, line: str | None = None, kind: str | None = None) -> Decimal:
        return sum((s.amount for s in self.spent if line in (None, s.budget_line) and kind in (None, s.kind)), ZERO)

    @property
    def cash(self) -> Decimal:
        """The balance at the end of `as_of`: the carry-over, plus receipts, less spending."""
        return self.carry_over + self.received - self.spent_on()

    def cash_by_line(self) -> dict[str, Decimal]:
        """Receipts less spending, line by line (the carry-over is not by line)."""
        lines = [b.line for b in self.budget] or list(BUDGET_LINES)
        return {line: self.received_by_line.get(line, ZERO) - self.spent_on(line) for line in lines}

    @property
    def runs_out(self) -> MonthEnd | None:
        """The first month whose end the cash does not reach, or None if it lasts."""
        return next((m for m in self.projection if m.balance < 0), None)

    @property
    def lasts_until(self) -> date:
        """The end of the projection: the first trimester of the next year."""
        return date(self.year + 1, 3, 31)

    @property
    def un_fee(self) -> Decimal:
        """What the UN's 13 % would have taken had it billed the year's receipts."""
        return (self.received * UN_FEE).quantize(Decimal("0.01"))


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def fold_finances(
    rows: Iterable[Event],
    year: int,
    report: ContributionsReport,
    last_year: ContributionsReport | None,
    as_of: date,
    pledges: dict[str, tuple[date, Decimal | None]] | None = None,
) -> Finances:
    """The year's finances as known at the end of `as_of`: the latest budget set for it,
    the spending of the year up to then, the receipts of `report` (the year's
    contributions as of that day), and the projection to the end of March of the next
    year. The projection spends what is left of the budget over the months left of the
    year as the budget phases them (evenly where it has no phasing), and this budget's
    share of each month of the next year's first trimester (the next budget is not known
    yet); it counts on each pledge in its month (`pledges`: State ->
    expected day and amount, the amount outstanding where none was said) and on each State
    that owes and paid last year, in the month it paid then, if that month is still to come."""
    budgets = [ev for ev in rows if ev.event_type == "budget.set" and ev.payload["year"] == year]
    spent_rows = [ev for ev in rows if ev.event_type == "expenditure.recorded"]
    fin = Finances(year=year, as_of=as_of)
    if budgets:
        latest = budgets[-1].payload
        fin.budget = [BudgetLine.model_validate(b) for b in latest["lines"]]
        fin.decision, fin.carry_over, fin.revisions = latest["decision"], to_chf(latest["carry_over"]), len(budgets) - 1
        fin.phasing = [Decimal(p) for p in latest.get("phasing", [])]
    else:
        fin.budget = [b.model_copy() for b in report.budget_lines]
    fin.spent = [
        Spent(
            on=date.fromisoformat(p["date"]),
            budget_line=p["budget_line"],
            amount=p["amount"],
            kind=p["kind"],
            description=p["description"],
        )
        for ev in spent_rows
        if (p := ev.payload) and date.fromisoformat(p["date"]).year == year and date.fromisoformat(p["date"]) <= as_of
    ]
    fin.received = sum((r.amount for r in report.receipts if r.on <= as_of), ZERO)
    fin.received_by_line = {
        line: sum((r.part(line) for r in report.receipts if r.on <= as_of), ZERO) for line in BUDGET_LINES
    }
    fin.expected = _expected(report, last_year, as_of, pledges or {})
    fin.projection = _project(fin)
    return fin


def _expected(
    report: ContributionsReport,
    last_year: ContributionsReport | None,
    as_of: date,
    pledges: dict[str, tuple[date, Decimal | None]],
) -> list[Expected]:
    expected = []
    paid_in = {}  # the month each State paid last year (its first receipt)
    for r in sorted(last_year.receipts if last_year else [], key=lambda r: r.on, reverse=True):
        paid_in[r.state] = _month(r.on)
    for s in report.parties:
        if s.outstanding <= 0 or s.outcome in ("waived", "cancelled"):
            continue
        if s.state in pledges:
            day, amount = pledges[s.state]
            if day > as_of:
                expected.append(
                    Expected(state=s.state, month=_month(day), amount=amount or s.outstanding, why="pledge")
                )
            continue
        month = paid_in.get(s.state)
        if month is not None:
            this_year = month.replace(year=report.year)
            if this_year > _month(as_of):
                expected.append(
                    Expected(state=s.state, month=this_year, amount=s.outstanding, why="paid this month last year")
                )
    return sorted(expected, key=lambda e: (e.month, e.state))


def _project(fin: Finances) -> list[MonthEnd]:
    months = []
    month = _next_month(_month(fin.as_of))
    while month <= date(fin.year + 1, 3, 1):
        months.append(month)
        month = _next_month(month)
    weight = fin.phasing or EVEN
    left_this_year = [m for m in months if m.year == fin.year]
    to_spend = max(ZERO, fin.budget_total - fin.spent_on(kind="expenditure"))
    left_weight = sum((weight[m.month - 1] for m in left_this_year), ZERO)
    balance = fin.cash
    out = []
    for m in months:
        receipts = sum((e.amount for e in fin.expected if e.month == m), ZERO)
        if m.year == fin.year:  # what is left of the budget, over the months left, as phased
            spending = (to_spend * weight[m.month - 1] / left_weight).quantize(CENT) if left_weight else ZERO
        else:  # the next budget is not known: this one's phasing for the same months
            spending = (fin.budget_total * weight[m.month - 1] / 100).quantize(CENT)
        balance = balance + receipts - spending
        out.append(MonthEnd(month=m, receipts=receipts, spending=spending, balance=balance))
    return out


def pledges_of(rows: Iterable[Event], year: int) -> dict[str, tuple[date, Decimal | None]]:
    """Each State's latest pledge standing for `year` (a receipt after it ends it):
    State -> (expected day, amount or None)."""
    from domain.ids import parse_chase_id

    standing: dict[str, tuple[date, Decimal | None]] = {}
    for ev in rows:
        parsed = parse_chase_id(ev.workflow_id)
        if parsed is None or parsed[0] != year:
            continue
        if ev.event_type == "chase.pledged":
            amount = ev.payload.get("amount")
            standing[parsed[1]] = (
                date.fromisoformat(ev.payload["expected_date"]),
                Decimal(amount) if amount else None,
            )
        elif ev.event_type in ("chase.receipt_recorded", "chase.receipt_imported", "chase.pledge_lapsed"):
            standing.pop(parsed[1], None)
    return standing
