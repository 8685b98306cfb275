"""The finance update (`ccm report finances`): the Unit's finances from the event log, and
the minutes' item 6 said sentence by sentence."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from domain.money import format_chf


def finances(log, home: Path, year: int, as_of: date | None = None):
    """(Finances, the year's contributions report), as the log knew them at the end of
    `as_of` (default: today, or the year's last day for a year past)."""
    from domain.finances import fold_finances, pledges_of
    from domain.ids import chase_prefix
    from domain.schedule import geneva_today
    from services.reports import contributions_report

    day = as_of or min(geneva_today(), date(year, 12, 31))
    report = contributions_report(log, year, home / f"budget-{year}.csv", day)
    last_year = contributions_report(log, year - 1, home / f"budget-{year - 1}.csv", day)
    rows = [
        *log.query(workflow_id=f"budget-{year}", until=_end_of(day)),
        *log.query(workflow_prefix=f"expenditure-{year}", until=_end_of(day)),
    ]
    pledges = pledges_of(log.query(workflow_prefix=chase_prefix(year), event_type="chase.*", until=_end_of(day)), year)
    return fold_finances(rows, year, report, last_year, day, pledges), report


def _end_of(day: date):
    from datetime import datetime, time, timezone

    return datetime.combine(day + timedelta(days=1), time(), timezone.utc)


def update_sentences(fin, report, arrears, since: date | None) -> list[str]:
    """Item 6 of the minutes, as the Director gave it, from the figures alone."""
    said = []
    on = f"{fin.as_of:%-d %B %Y}"
    if since is not None:
        new = [r for r in report.receipts if since < r.on <= fin.as_of]
        states = sorted({r.state for r in new})
        names = ", ".join(next((s.name for s in report.states if s.state == st), st) for st in states)
        said.append(
            f"since the update of {since:%-d %B %Y}: {len(states)} States Parties contributed "
            f"{format_chf(sum((r.amount for r in new), Decimal('0.00')))}" + (f" ({names})" if names else "")
        )
    reported = report.standing("reported")
    if reported:
        who = "a State Party" if len(reported) == 1 else f"{len(reported)} States Parties"
        said.append(f"{who} reported having paid; the Unit had not received it by {on}")
    by_line = "; ".join(
        f"{format_chf(fin.received_by_line.get(b.line, Decimal('0.00')))} towards {b.line}" for b in fin.budget
    )
    said.append(
        f"on {on}, {report.contributed} of {len(report.parties)} States Parties had contributed"
        + (f": {by_line}" if by_line else "")
    )
    if fin.budget:
        deficit = max(Decimal("0.00"), fin.budget_total - fin.received)
        source = f" ({fin.decision}" + (f", revised {fin.revisions} times" if fin.revisions else "") + ")"
        said.append(
            f"a financing deficit of {format_chf(deficit)} of its {fin.year} budget of "
            f"{format_chf(fin.budget_total)}" + (source if fin.decision else "")
        )
        mandatory = sum((b.amount for b in fin.budget if b.kind == "mandatory"), Decimal("0.00"))
        if fin.budget_total:
            said.append(f"not voluntary: {mandatory * 100 / fin.budget_total:.0f} % of the budget")
    short = fin.runs_out
    lasts = (
        f"the cash lasts through {fin.lasts_until:%-d %B %Y}"
        if short is None
        else f"the cash does not last through the first trimester of {fin.year + 1}: it runs short in "
        f"{short.month:%B %Y}, by {format_chf(-short.balance)}"
    )
    said.append(
        f"funds carried over from {fin.year - 1}: {format_chf(fin.carry_over)}; spent by {on}: "
        f"{format_chf(fin.spent_on())}; cash: {format_chf(fin.cash)}; {lasts}"
    )
    fees = fin.spent_on(kind="fee")
    said.append(
        (f"fees taken by the host or the UN: {format_chf(fees)}; " if fees else "")
        + f"the UN's 13 % administrative fee, were the UN to bill the year's contributions: {format_chf(fin.un_fee)}"
    )
    # "the need to eventually focus on States with longstanding arrears": the oldest first,
    # else the year's largest.
    older = sorted((a for a in arrears if a.age > 0), key=lambda a: (-a.age, -a.amount))[:3]
    largest = sorted(arrears, key=lambda a: -a.amount)[:3]
    if older or largest:
        said.append(
            ("longstanding arrears: " if older else f"no arrears older than {fin.year}; the largest: ")
            + "; ".join(
                f"{a.name} {format_chf(a.amount)} billed in {a.origin or 'earlier years'}" for a in older or largest
            )
        )
    return said
