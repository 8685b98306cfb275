from decimal import Decimal

import pytest

from domain.scale import ScaleError, indicative_amounts, read_amounts
from domain.states import registry


def test_indicative_amounts_sum_exactly_to_the_budget_and_follow_the_rates():
    scale = "state,rate\nGermany,6.389\nItaly,3.748\nfr,4.859\n"
    amounts = indicative_amounts(Decimal("100000"), scale, registry(), minimum=Decimal("100"))
    assert len(amounts) == 100  # every State Party
    assert sum(amounts.values()) == Decimal("100000.00")
    assert amounts["AFG"] == Decimal("100.00")  # no UN rate given: the minimum
    rest = 100000 - 97 * 100
    assert abs(amounts["DEU"] - Decimal(rest) * Decimal("6.389") / Decimal("14.996")) < Decimal("0.01")
    assert all(a == a.quantize(Decimal("0.01")) for a in amounts.values())


def test_the_rounding_remainder_goes_to_the_largest_fractions_to_the_centime():
    scale = "state,rate\nDEU,1\nITA,1\nFRA,1\n"
    amounts = indicative_amounts(Decimal("9701"), scale, registry(), minimum=Decimal("100"))
    # 9701 - 97*100 = 1 franc for three equal rates: 0.33 each, one State gets the extra centime.
    assert sorted([amounts["DEU"], amounts["ITA"], amounts["FRA"]]) == [Decimal("0.33"), Decimal("0.33"),
                                                                         Decimal("0.34")]
    assert sum(amounts.values()) == Decimal("9701")


@pytest.mark.parametrize("budget", ["100000.60", "123456.78", "99999.99"])
def test_the_scale_sums_to_the_budget_to_the_centime(budget):
    amounts = indicative_amounts(Decimal(budget), "state,rate\nDEU,6.389\nITA,3.748\nFRA,4.859\n", registry())
    assert sum(amounts.values()) == Decimal(budget)


def test_an_amounts_file_lists_only_states_parties_and_centimes():
    with pytest.raises(ScaleError) as err:
        read_amounts("state,amount\nAngola,100\nITA,10.005\nDEU,1e22\n", registry())
    assert err.value.problems == [
        "line 2, state: Angola (AGO) is a signatory, not a State Party",
        "line 3, amount: 10.005 has more than two decimals: amounts are in francs and centimes",
        "line 4, amount: 1e22 is more than CHF 100 million: check the amount"]


def test_a_file_saved_with_a_byte_order_mark_reads_as_any_other():
    assert read_amounts("\ufeffstate,amount\nITA,100\n", registry()) == {"ITA": Decimal("100.00")}


def test_a_budget_file_names_the_line_the_column_and_what_is_expected():
    from domain.contributions import read_budget

    with pytest.raises(ValueError) as err:
        read_budget("\ufeffline,amount,kind\n7a,abc,mandatory\n7b,5,maybe\n")
    assert str(err.value) == ("line 2, amount: not an amount of money: 'abc'; "
                              "line 3, kind: 'maybe' is neither mandatory nor voluntary")
    assert "pydantic" not in str(err.value)


def test_a_scale_file_with_problems_lists_each_with_its_line():
    with pytest.raises(ScaleError) as err:
        indicative_amounts(Decimal("1000"), "state,rate\nItlay,1\nDEU,x\nFRA,-1\n", registry())
    assert err.value.problems[0].startswith("line 2, state: unknown State 'Itlay'")
    assert err.value.problems[1] == "line 3, rate: 'x' is not a number"
    assert err.value.problems[2] == "line 4, rate: must not be negative"


def test_an_amounts_file_with_a_wrong_header_is_refused():
    with pytest.raises(ScaleError, match="header"):
        read_amounts("country,chf\nITA,1\n", registry())


def test_an_amounts_file_reads_states_in_any_form():
    assert read_amounts("state,amount\nItaly,12'345.50\nde,100\n", registry()) == {
        "ITA": Decimal("12345.50"), "DEU": Decimal("100.00")}
