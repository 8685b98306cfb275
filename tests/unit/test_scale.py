from datetime import date
from decimal import Decimal

import pytest

from domain.scale import ScaleError, indicative_amounts, read_amounts, read_scale, shipped_scale
from domain.states import registry

NOVEMBER_2016 = [s.alpha3 for s in registry().parties(date(2016, 11, 4))]


def scale(text: str):
    return read_scale(text, registry())


def test_indicative_amounts_sum_exactly_to_the_budget_and_follow_the_rates():
    rates = scale("state,rate\nGermany,6.389\nItaly,3.748\nfr,4.859\n")
    amounts = indicative_amounts(Decimal("100000"), rates, NOVEMBER_2016, minimum=Decimal("100"))
    assert len(amounts) == 100  # every State Party
    assert sum(amounts.values()) == Decimal("100000.00")
    assert amounts["AFG"] == Decimal("100.00")  # no UN rate given: the minimum
    rest = 100000 - 97 * 100
    assert abs(amounts["DEU"] - Decimal(rest) * Decimal("6.389") / Decimal("14.996")) < Decimal("0.01")
    assert all(a == a.quantize(Decimal("0.01")) for a in amounts.values())


def test_the_rounding_remainder_goes_to_the_largest_fractions_to_the_centime():
    rates = scale("state,rate\nDEU,1\nITA,1\nFRA,1\n")
    amounts = indicative_amounts(Decimal("9701"), rates, NOVEMBER_2016, minimum=Decimal("100"))
    # 9701 - 97*100 = 1 franc for three equal rates: 0.33 each, one State gets the extra centime.
    assert sorted([amounts["DEU"], amounts["ITA"], amounts["FRA"]]) == [
        Decimal("0.33"),
        Decimal("0.33"),
        Decimal("0.34"),
    ]
    assert sum(amounts.values()) == Decimal("9701")


@pytest.mark.parametrize("budget", ["100000.60", "123456.78", "99999.99"])
def test_the_scale_sums_to_the_budget_to_the_centime(budget):
    amounts = indicative_amounts(Decimal(budget), scale("state,rate\nDEU,6.389\nITA,3.748\nFRA,4.859\n"), NOVEMBER_2016)
    assert sum(amounts.values()) == Decimal(budget)


def test_an_amounts_file_lists_only_states_parties_and_centimes():
    with pytest.raises(ScaleError) as err:
        read_amounts("state,amount\nAngola,100\nITA,10.005\nDEU,1e22\n", registry(), set(NOVEMBER_2016))
    assert err.value.problems == [
        "line 2, state: Angola (AGO) is a signatory, not a State Party billed that year",
        "line 3, amount: 10.005 has more than two decimals: amounts are in francs and centimes",
        "line 4, amount: 1e22 is more than CHF 100 million: check the amount",
    ]


def test_a_file_saved_with_a_byte_order_mark_reads_as_any_other():
    assert read_amounts("\ufeffstate,amount\nITA,100\n", registry()) == {"ITA": Decimal("100.00")}


def test_a_budget_file_names_the_line_the_column_and_what_is_expected():
    from domain.contributions import read_budget

    with pytest.raises(ValueError) as err:
        read_budget("\ufeffline,amount,kind\n7a,abc,mandatory\n7b,5,maybe\n")
    assert str(err.value) == (
        "line 2, amount: not an amount of money: 'abc'; line 3, kind: 'maybe' is neither mandatory nor voluntary"
    )
    assert "pydantic" not in str(err.value)


def test_a_scale_file_with_problems_lists_each_with_its_line():
    with pytest.raises(ScaleError) as err:
        scale("state,rate\nItlay,1\nDEU,x\nFRA,-1\n")
    assert err.value.problems[0].startswith("line 2, state: unknown State 'Itlay'")
    assert err.value.problems[1] == "line 3, rate: 'x' is not a number"
    assert err.value.problems[2] == "line 4, rate: must not be negative"


def test_an_amounts_file_with_a_wrong_header_is_refused():
    with pytest.raises(ScaleError, match="header"):
        read_amounts("country,chf\nITA,1\n", registry())


def test_an_amounts_file_reads_states_in_any_form():
    assert read_amounts("state,amount\nItaly,12'345.50\nde,100\n", registry()) == {
        "ITA": Decimal("12345.50"),
        "DEU": Decimal("100.00"),
    }


# The UN's own scales, shipped: the rates the General Assembly adopted.
def test_the_shipped_2016_scale_is_the_general_assemblys_of_2015():
    s = shipped_scale(2016)
    assert (s.period, s.source) == ("2016-2018", "A/RES/70/245")
    # A/RES/70/245: Germany 6.389 %, France 4.859 %, Italy 3.748 % (the rates of 2016–2018)
    assert (s.rates["DEU"], s.rates["FRA"], s.rates["ITA"]) == (Decimal("6.389"), Decimal("4.859"), Decimal("3.748"))
    assert shipped_scale(2018).period == "2016-2018"


def test_a_year_is_billed_by_the_scale_of_its_period():
    assert (shipped_scale(2026).period, shipped_scale(2026).source) == ("2025-2027", "A/RES/79/249")
    assert shipped_scale(2027).period == "2025-2027"


@pytest.mark.parametrize("year", [2015, 2019, 2021, 2024, 2028])
def test_a_year_no_shipped_scale_covers_is_refused_naming_the_file_to_extend(year):
    with pytest.raises(ScaleError) as err:
        shipped_scale(year)
    assert str(err.value) == (
        f"no shipped UN scale covers {year} (ccm ships 2016-2018, 2025-2027): add the "
        "column of its three-year scale to domain/data/un_scale_of_assessments.csv, "
        "or give --scale FILE"
    )


def test_every_state_party_with_a_un_rate_is_billed_by_it_and_only_non_members_pay_the_minimum():
    parties = [s.alpha3 for s in registry().parties_during(2026)]
    amounts = indicative_amounts(Decimal("1000000"), shipped_scale(2026), parties, minimum=Decimal("100"))
    at_minimum = sorted(a for a, v in amounts.items() if v == Decimal("100.00"))
    assert at_minimum == ["COK", "NIU", "PSE", "VAT"]  # not UN members: no rate in A/RES/79/249
    assert amounts["COL"] > Decimal("100")  # Colombia was billed the flat minimum by the demo scale of 37 States
    assert sum(amounts.values()) == Decimal("1000000.00")
    assert len(amounts) == 112
