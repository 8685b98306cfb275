"""Every State, not only the Convention's, and the universalization targets counted from the
registry: the States not party on a day reconcile with the UN's membership of that day."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from importlib import resources

import pytest

from domain.states import WORLD_KNOWN_FROM, Change, entry_into_force, registry, world
from domain.universalization import joined_between, progress, targets

MINUTES = date(2016, 11, 4)


def test_the_world_is_the_uns_193_members_its_two_observer_states_and_the_cook_islands_and_niue():
    kinds = Counter(w.kind for w in world())
    assert kinds == {"member": 193, "observer": 2, "non-member": 2}
    assert {w.alpha3 for w in world() if w.kind != "member"} == {"VAT", "PSE", "COK", "NIU"}
    assert len({w.alpha3 for w in world()}) == 197 and all(w.source for w in world())
    # The UN's regions (M49): 54 African States, 35 of the Americas, 48 Asian (the State of
    # Palestine among them), 44 European (the Holy See), 16 of Oceania (the Cook Islands, Niue).
    assert Counter(w.region for w in world()) == {"Africa": 54, "Americas": 35, "Asia": 48, "Europe": 44, "Oceania": 16}
    # South Sudan, the only State admitted since the Convention opened for signature
    [ssd] = [w for w in world() if w.since]
    assert (ssd.alpha3, ssd.since, ssd.exists_on(date(2011, 7, 13)), ssd.exists_on(date(2011, 7, 14))) == (
        "SSD", date(2011, 7, 14), False, True,
    )  # fmt: skip


def test_every_state_the_convention_knows_and_every_state_the_un_bills_is_a_state_of_the_world():
    codes = {w.alpha3 for w in world()}
    assert {s.alpha3 for s in registry()} <= codes
    scale = resources.files("domain").joinpath("data/un_scale_of_assessments.csv").read_text("utf-8")
    billed = {r["alpha3"] for r in csv.DictReader(scale.splitlines()) if r["rate_2025_2027"]}
    members = {w.alpha3 for w in world() if w.kind == "member"}
    assert billed and billed <= members  # a State the UN assesses is a Member State


@pytest.mark.parametrize(
    "day, parties, signatories, withdrawn",
    [(MINUTES, 100, 19, 0), (date(2026, 3, 1), 112, 12, 1)],
)
def test_the_states_not_party_on_a_day_reconcile_with_the_world_of_that_day(day, parties, signatories, withdrawn):
    """4 November 2016: 100 States Parties (the registry), 19 signatories, 78 that had done
    XX
        withdrawn."""
    on = Counter(st for *_, st in registry().world_on(day))
    assert (on["party"], on["signatory"], on["withdrawn"]) == (parties, signatories, withdrawn)
    assert sum(on.values()) == 197
    assert on["neither"] == 197 - parties - signatories - withdrawn


def test_who_had_signed_is_known_from_the_registry_of_november_2016_only():
    with pytest.raises(ValueError, match="from 2016-11-01 on, not on 2016-10-31"):
        registry().world_on(date(2016, 10, 31))
    assert len(registry().world_on(WORLD_KNOWN_FROM)) == 197


def test_the_states_joining_between_the_minutes_and_the_7msp_are_madagascar_and_benin():
    assert joined_between(registry(), MINUTES, date(2017, 9, 4)) == ["BEN", "MDG"]


def test_each_target_is_open_until_its_day_then_met_or_missed_as_the_registry_says():
    by_id = {t.id: t for t in targets()}
    hundred_thirty, eight = by_id["130-by-2020"], by_id["8-new-by-7msp"]
    assert progress(registry(), hundred_thirty, date(2017, 1, 1)).said == "open: 100 of 130, 30 to go by 2020-12-31"
    assert progress(registry(), hundred_thirty, date(2026, 12, 1)).said == "missed: 108 of 130 on 2020-12-31"
    assert progress(registry(), eight, date(2017, 6, 1)).said == "open: 1 of 8, 7 to go by 2017-09-04"
    assert progress(registry(), eight, date(2018, 1, 1)).said == "missed: 2 of 8 on 2017-09-04"
    # Six more accessions before the 7MSP would have met it, on the day the eighth was deposited.
    more = [
        Change(
            alpha3=a3, change="accession", deposited=date(2017, 8, n), takes_effect=entry_into_force(date(2017, 8, n))
        )
        for n, a3 in enumerate(["MMR", "THA", "VNM", "IDN", "KHM", "BRN"], start=1)
    ]
    met = progress(registry().with_changes(more), eight, date(2017, 8, 6))
    assert (met.standing, met.reached) == ("met", 8)


def test_the_demo_tells_2016s_universalization_from_the_registry():
    from runtime.demo import universalization

    said = universalization(MINUTES, date(2026, 12, 7))
    assert said.startswith(
        "Universalization: 100 of 197 States party on 2016-11-04, 112 of 197 States party on 2026-12-07; "
        "130 States Parties by 2020: missed: 108 of 130 on 2020-12-31; "
        "eight new States Parties by the 7MSP: missed: 2 of 8 on 2017-09-04 (joined by the 7MSP: BEN, MDG;"
    ), said
