"""The days a Committee meeting is not set on (`domain.schedule.closed_day`): weekends, the
canton of Geneva's public holidays and the UN Geneva's own (data, with its source)."""

from datetime import date

import pytest

from domain.schedule import closed_day


@pytest.mark.parametrize(
    "day,why",
    [
        (date(2026, 12, 5), "a Saturday"),
        (date(2026, 12, 6), "a Sunday"),
        (date(2027, 1, 1), "New Year's Day in Geneva"),
        (date(2026, 4, 3), "Good Friday in Geneva"),
        (date(2026, 4, 6), "Easter Monday in Geneva"),
        (date(2026, 5, 14), "Ascension Day in Geneva"),
        (date(2026, 5, 25), "Pentecost Monday in Geneva"),
        (date(2026, 9, 10), "Genevan Fast in Geneva"),
        (date(2026, 12, 31), "Restoration Day in Geneva"),
        (date(2028, 1, 1), "New Year's Day in Geneva"),
        (date(2026, 3, 20), "Eid al-Fitr, a holiday of the United Nations Office at Geneva"),
        (date(2026, 5, 27), "Eid al-Adha, a holiday of the United Nations Office at Geneva"),
        (date(2016, 11, 4), None),
        (date(2016, 12, 7), None),
        (date(2026, 11, 30), None),
    ],
)
def test_the_days_the_committee_does_not_meet_and_why(day, why):
    """The 4 November 2016 meeting of the minutes, and 7 December, were working days."""
    assert closed_day(day) == why
