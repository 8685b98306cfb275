"""How far the shipped world reaches, the operator's additions, and the warnings six months
ahead (domain.coverage). The figures are the shipped files' own: the 2025-2027 UN scale
(A/RES/79/249), the UN Office at Geneva's Eids to 2028, the depositary's status as at
3 February 2026."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.coverage import (
    Added,
    HolidaysAdded,
    ScaleAdded,
    coverage,
    fold_added,
    read_holidays,
    shipped_registry_as_of,
    warnings,
)
from domain.events import Event
from domain.process import Refusal
from domain.scale import ScaleError, scale_for
from domain.schedule import closed_day


def test_the_shipped_tables_say_how_far_they_reach():
    scale, holidays, registry = coverage()
    assert scale.until == date(2027, 12, 31) and "--period 2028-2030" in scale.extend
    assert holidays.until == date(2028, 12, 31) and "Eids of 2029" in holidays.extend
    assert shipped_registry_as_of() == date(2026, 2, 3)
    assert registry.until == date(2026, 2, 3) + timedelta(days=150)


@pytest.mark.parametrize(
    "today,expected",
    [
        (date(2027, 6, 30), []),  # more than six months ahead: quiet
        (date(2027, 7, 1), ["UN scale of assessments known to ccm runs out on 2027-12-31, in 183 days"]),
        (date(2028, 1, 2), ["UN scale of assessments known to ccm ran out on 2027-12-31"]),
        (
            date(2028, 7, 1),
            [
                "UN scale of assessments known to ccm ran out on 2027-12-31",
                "UN Office at Geneva holidays known to ccm runs out on 2028-12-31, in 183 days",
            ],
        ),
        (
            date(2030, 12, 31),
            [
                "UN scale of assessments known to ccm ran out on 2027-12-31",
                "UN Office at Geneva holidays known to ccm ran out on 2028-12-31",
            ],
        ),
    ],
)
def test_a_table_running_out_is_warned_of_six_months_ahead_naming_the_file_and_source(today, expected):
    tables = [t for t in coverage(Added(registry_as_of=today)) if "States" not in t.what]
    lines = warnings(tables, today)
    assert len(lines) == len(expected)
    for line, start in zip(lines, expected, strict=True):
        assert start in line and "domain/data/" in line and ("ccm data add-" in line)
        assert "un.org" in line or "ungeneva.org" in line  # the source to extend it from


def test_the_membership_is_warned_of_only_once_its_reach_is_past():
    registry = coverage()[2]
    assert warnings([registry], registry.until) == []
    (line,) = warnings([registry], registry.until + timedelta(days=1))
    assert "ccm data checked-registry" in line and "treaties.un.org" in line
    checked = coverage(Added(registry_as_of=date(2030, 6, 1)))[2]
    assert checked.until == date(2030, 6, 1) + timedelta(days=150)


def test_a_recorded_scale_bills_its_years_and_the_latest_recorded_wins():
    first = ScaleAdded(period="2028-2030", rates={"DEU": Decimal("6.0")}, source="A/RES/82/1 (test stand-in)")
    second = ScaleAdded(period="2028-2030", rates={"DEU": Decimal("5.9")}, source="A/RES/82/1 corrected")
    assert scale_for(2026).period == "2025-2027"  # shipped
    assert scale_for(2029, [first, second]).rates == {"DEU": Decimal("5.9")}
    assert coverage(Added(scales=[first]))[0].until == date(2030, 12, 31)
    with pytest.raises(ScaleError, match=r"no shipped UN scale covers 2031 .*ccm data add-scale"):
        scale_for(2031, [first])


def test_recorded_holidays_close_their_days_like_the_shipped_ones():
    eid = date(2029, 2, 14)  # a Wednesday; a stand-in date for the test, not the announced one
    assert closed_day(eid) is None
    assert closed_day(eid, {eid: "Eid al-Fitr"}) == "Eid al-Fitr, a holiday of the United Nations Office at Geneva"
    assert closed_day(date(2028, 2, 28)) == "Eid al-Fitr, a holiday of the United Nations Office at Geneva"
    added = Added(holidays={eid: "Eid al-Fitr", date(2029, 4, 24): "Eid al-Adha"})
    assert coverage(added)[1].until == date(2029, 12, 31)


def test_the_log_folds_into_the_additions():
    def row(seq, event_type, payload):
        return Event(
            seq=seq,
            idempotency_key=f"data/x/{seq}",
            workflow_id="data",
            run_id="",
            workflow_type="",
            subject="x",
            event_type=event_type,
            occurred_at="2027-11-01T00:00:00Z",
            recorded_at="2027-11-01T00:00:00Z",
            payload=payload,
            prev_hash="",
            hash="",
        )

    added = fold_added(
        [
            row(
                1,
                "data.holidays_added",
                HolidaysAdded(days={date(2029, 2, 14): "Eid"}, source="UNOG").model_dump(mode="json"),
            ),
            row(2, "data.registry_checked", {"as_of": "2027-10-01", "source": "UNTC"}),
            row(3, "chase.started", {}),
        ]
    )
    assert added.holidays == {date(2029, 2, 14): "Eid"} and added.registry_as_of == date(2027, 10, 1)
    assert added.count == {"data.holidays_added": 1, "data.registry_checked": 1}


@pytest.mark.parametrize(
    "text,message",
    [
        ("date,name\n2029-02-14,Eid\n", "header must be day,name"),
        ("day,name\n2029-02-30,Eid\n", "line 2, day: '2029-02-30' is not a date"),
        ("day,name\n2029-02-14,\n", "line 2, name"),
        ("day,name\n2029-02-14,Eid\n2029-02-14,Eid\n", "line 3: 2029-02-14 appears twice"),
        ("day,name\n", "no holidays"),
    ],
)
def test_a_holidays_file_is_refused_line_by_line(text, message):
    with pytest.raises(Refusal, match=message):
        read_holidays(text)


def test_the_demo_bills_by_the_latest_scale_where_the_year_has_none_and_says_so():
    from runtime.demo import demo_scale

    said = []
    assert demo_scale(2026, said.append).period == "2025-2027" and said == []
    assert demo_scale(2030, said.append).period == "2025-2027"
    assert said == [
        "note: no shipped UN scale covers 2030 (ccm ships 2016-2018, 2025-2027): add the column of its "
        "three-year scale to domain/data/un_scale_of_assessments.csv, or give --scale FILE; the demo "
        "bills by the UN scale 2025-2027 instead"
    ]
