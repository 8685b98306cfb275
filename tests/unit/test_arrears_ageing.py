"""Arrears by the year they were billed (`domain.contributions.age_arrears`), from rows the
chases themselves write: payments settle the oldest amounts first, so what is owed is the
newest; a waived year owes nothing; what a State owed before the log's first year is said
as such. The folds and the ageing together give back each State's outstanding."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from domain.chase import Chase, ChaseInput, Close, RecordReceipt
from domain.contributions import age_arrears, fold_contributions
from tests.produced import logged


def year_of(chases: list[tuple[str, str, str, str | None]], year: int):
    """Each (State, due, arrears, paid or 'waived') run by its chase; the year's rows."""
    rows = []
    when = datetime(year, 3, 1, 9, tzinfo=timezone.utc)
    for state, due, arrears, paid in chases:
        chase = Chase(
            input=ChaseInput(state=state, year=year, amount_due=Decimal(due), arrears=Decimal(arrears)),
            started_at=datetime(year, 1, 16, 9, tzinfo=timezone.utc),
        )
        effects = chase.start()
        if paid == "waived":
            effects += chase.close("waived", Close(reason="hardship", office="president"))
        elif paid:
            effects += chase.record_receipt(RecordReceipt(amount=Decimal(paid), date=date(year, 3, 1)), when)
        rows += logged(f"chase-{year}-{state}", "ContributionChase", state, effects, when)
    return fold_contributions(rows, year)


def test_what_is_owed_is_the_newest_billed_and_a_waived_year_owes_nothing():
    reports = {
        2024: year_of([("ITA", "1000", "0", "300")], 2024),
        2025: year_of([("ITA", "1200", "700", "500"), ("SLE", "400", "0", "waived")], 2025),
        2026: year_of([("ITA", "1000", "1400", None), ("SLE", "400", "0", None), ("FRA", "500", "300", None)], 2026),
    }
    aged = {(a.state, a.origin): (a.amount, a.age) for a in age_arrears(reports, 2026)}
    assert aged == {
        ("ITA", 2026): (Decimal("1000.00"), 0),
        ("ITA", 2025): (Decimal("1200.00"), 1),
        ("ITA", 2024): (Decimal("200.00"), 2),  # 300 of 1,000 paid in 2024, 500 more in 2025: oldest first
        ("SLE", 2026): (Decimal("400.00"), 0),  # 2025 was waived
        ("FRA", 2026): (Decimal("500.00"), 0),
        ("FRA", 0): (Decimal("300.00"), 1),  # carried into the first year the log holds
    }
    # Laid over the years, each State's arrears are its outstanding, to the centime.
    for s in reports[2026].states:
        assert sum(a for (state, _), (a, _) in aged.items() if state == s.state) == s.outstanding
    # Aged at the end of 2025, the 2026 chases are not counted.
    assert {(a.state, a.origin, a.amount) for a in age_arrears(reports, 2025)} == {
        ("ITA", 2025, Decimal("1200.00")),
        ("ITA", 2024, Decimal("200.00")),
    }
