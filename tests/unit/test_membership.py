"""Membership over time, checked against what the depositary and the ISU published, not
against the data file itself."""

from datetime import date, timedelta

import pytest

from domain.cycle import billed, why_not_billed
from domain.states import (
    Change,
    entry_into_force,
    parse_changes_csv,
    registry,
    withdrawal_takes_effect,
)


@pytest.mark.parametrize(
    "day,count,source",
    [
        (date(2010, 7, 31), 0, "the Convention entered into force on 1 August 2010"),
        (date(2010, 8, 1), 30, "in force six months after the 30th ratification (Article 17(1))"),
        (date(2016, 11, 4), 100, "the minutes of 4 November 2016: '24 out of 100 States Parties'"),
        (date(2024, 2, 1), 112, "South Sudan: 'State Party No 112' (clusterconvention.org)"),
        (date(2025, 3, 6), 111, "Lithuania's withdrawal took effect on 6 March 2025"),
        (date(2026, 3, 1), 112, "Vanuatu 'becomes the 112th State Party' (icblcmc.org)"),
    ],
)
def test_the_number_of_states_parties_on_dates_the_world_recorded(day, count, source):
    assert len(registry().parties(day)) == count, source


def test_the_depositarys_count_of_february_2026_counts_vanuatus_deposit():
    """UNTC, status as at 3 February 2026: 112 parties, Vanuatu's accession deposited
    in September 2025 though in force for it only from 1 March 2026."""
    on = date(2026, 2, 3)
    deposited = [
        s
        for s in registry()
        if s.changes
        and s.changes[-1].deposited <= on
        and s.changes[-1].change != "withdrawal"
        and s.status_on(on) != "party"
    ]
    assert [s.alpha3 for s in deposited] == ["VUT"]
    assert len(registry().parties(on)) + len(deposited) == 112


def test_each_change_moves_the_count_by_one_on_the_day_it_takes_effect():
    reg = registry()
    for state in reg:
        for change in state.changes:
            day = change.takes_effect
            before, after = len(reg.parties(day - timedelta(days=1))), len(reg.parties(day))
            assert after - before == (-1 if change.change == "withdrawal" else 1), (state.alpha3, change)


def test_lithuania_is_a_party_until_its_withdrawal_takes_effect_and_stays_known():
    ltu = registry().get("Lithuania")
    assert ltu.status_on(date(2025, 3, 5)) == "party"
    assert ltu.status_on(date(2025, 3, 6)) == "withdrawn"
    assert ltu.ever_party and ltu.party_during(2025) and not ltu.party_during(2026)


def test_a_signatory_that_ratified_was_a_signatory_before_and_a_state_that_acceded_was_nothing():
    reg = registry()
    assert reg.get("MDG").status_on(date(2016, 11, 4)) == "signatory"  # signed in 2008, ratified 2017
    assert reg.get("MDG").status_on(date(2017, 11, 1)) == "party"
    assert reg.get("LKA").status_on(date(2016, 11, 4)) is None  # acceded in 2018
    assert reg.get("VUT").status_on(date(2026, 2, 28)) is None


def test_names_are_those_of_the_day():
    reg = registry()
    assert reg.get("SWZ").name_on(date(2016, 11, 4)) == "Swaziland"
    assert reg.get("SWZ").name_on(date(2026, 1, 1)) == "Eswatini"
    assert reg.get("MKD").name_on(date(2019, 2, 11)) == "The former Yugoslav Republic of Macedonia"
    assert reg.get("MKD").name_on(date(2019, 2, 12)) == "North Macedonia"
    assert reg.get("Swaziland").alpha3 == reg.get("Eswatini").alpha3 == "SWZ"


@pytest.mark.parametrize(
    "deposit,effect",
    [
        (date(2016, 4, 6), date(2016, 10, 1)),
        (date(2025, 9, 5), date(2026, 3, 1)),
        (date(2025, 12, 2), date(2026, 6, 1)),
        (date(2026, 7, 31), date(2027, 1, 1)),
    ],
)
def test_article_17_entry_into_force(deposit, effect):
    assert entry_into_force(deposit) == effect


@pytest.mark.parametrize(
    "deposit,effect",
    [
        (date(2024, 9, 6), date(2025, 3, 6)),
        (date(2025, 8, 31), date(2026, 2, 28)),
        (date(2027, 8, 31), date(2028, 2, 29)),
    ],
)
def test_article_20_withdrawal_takes_effect_six_months_after(deposit, effect):
    assert withdrawal_takes_effect(deposit) == effect


def test_a_change_whose_dates_break_the_articles_is_refused():
    header = "alpha3,name,change,deposited,entry_into_force,source\n"
    with pytest.raises(ValueError, match="takes effect on 2026-03-01, not 2026-02-01"):
        parse_changes_csv(header + "VUT,Vanuatu,accession,2025-09-05,2026-02-01,UNTC\n")
    with pytest.raises(ValueError, match="needs its source"):
        parse_changes_csv(header + "VUT,Vanuatu,accession,2025-09-05,2026-03-01,\n")


def test_a_future_accession_takes_effect_on_its_date_with_no_code_change():
    deposited = date(2026, 12, 2)
    reg = registry().with_changes(
        [Change(alpha3="USA", change="accession", deposited=deposited, takes_effect=entry_into_force(deposited))]
    )
    usa = reg.get("United States")
    assert usa.status_on(date(2027, 5, 31)) is None and usa.status_on(date(2027, 6, 1)) == "party"
    assert len(reg.parties(date(2027, 6, 1))) == len(registry().parties(date(2027, 6, 1))) + 1


def test_the_membership_rule_decides_who_a_year_of_joining_or_leaving_bills():
    reg = registry()
    vut, ltu = reg.get("VUT"), reg.get("LTU")
    assert billed(vut, 2026, "any-day") and not billed(vut, 2026, "1-january") and billed(vut, 2027, "1-january")
    assert "after 1 January; billed from 2027" in why_not_billed(vut, 2026, "1-january")
    assert billed(ltu, 2025, "any-day") and billed(ltu, 2025, "1-january")
    assert not billed(ltu, 2026, "any-day") and not billed(ltu, 2026, "1-january")
    assert "withdrawal took effect on 2025-03-06" in why_not_billed(ltu, 2026, "any-day")
