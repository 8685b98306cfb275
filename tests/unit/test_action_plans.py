"""The action plans in force and what their areas serve: each link names a theme, an
obligation kind or a target ccm knows, and a day picks the plan."""

from datetime import date

import pytest

from domain.action_plans import areas, in_force, plans, serving
from domain.obligations import KINDS
from domain.themes import THEMES_BY_SLUG
from domain.universalization import targets


def test_every_area_serves_what_ccm_knows_and_has_a_source():
    known = set(THEMES_BY_SLUG) | {f"obligation:{k}" for k in KINDS} | {f"target:{t.id}" for t in targets()}
    names = {p.plan for p in plans()}
    for area in areas():
        assert area.plan in names and area.source and area.serves, area
        assert set(area.serves) <= known, area


def test_every_target_and_obligation_kind_serves_an_area():
    for t in targets():
        assert serving(f"target:{t.id}", date(2026, 12, 7)) is not None, t.id
    for kind in ("art7-initial", "art7-annual", "art3-stockpiles", "art4-clearance"):
        assert serving(f"obligation:{kind}", date(2016, 11, 4)).plan == "Dubrovnik Action Plan"
        assert serving(f"obligation:{kind}", date(2024, 1, 1)).plan == "Lausanne Action Plan"


@pytest.mark.parametrize(
    ("day", "plan"),
    [
        (date(2010, 11, 11), None),
        (date(2010, 11, 12), "Vientiane Action Plan"),
        (date(2015, 9, 10), "Vientiane Action Plan"),
        (date(2015, 9, 11), "Dubrovnik Action Plan"),
        (date(2016, 11, 4), "Dubrovnik Action Plan"),  # the minutes' plan
        (date(2021, 9, 20), "Dubrovnik Action Plan"),
        (date(2021, 9, 21), "Lausanne Action Plan"),
        (date(2028, 2, 29), "Lausanne Action Plan"),  # until a later plan is shipped
    ],
)
def test_a_day_picks_the_plan_adopted_last(day, plan):
    found = in_force(day)
    assert (found.plan if found else None) == plan


def test_the_lausanne_universalization_actions_are_named_and_a_target_keeps_its_plan():
    assert (
        serving("universalization", date(2023, 5, 1)).said()
        == "Lausanne Action Plan: Universalization (Actions 10, 11)"
    )
    assert serving("target:130-by-2020", date(2026, 12, 7)).plan == "Dubrovnik Action Plan"
    assert serving("dap-nothing", date(2016, 11, 4)) is None
