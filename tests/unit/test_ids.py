"""A chase's id, made and read in one place (`domain.ids`)."""

import pytest

from domain.ids import chase_id, chase_prefix, chase_state, chase_year, parse_chase_id


def test_a_chase_id_reads_back_as_its_year_and_state():
    wid = chase_id(2027, "ITA")
    assert wid == "chase-2027-ITA" and wid.startswith(chase_prefix(2027)) and wid.startswith(chase_prefix())
    assert parse_chase_id(wid) == (2027, "ITA") and (chase_year(wid), chase_state(wid)) == (2027, "ITA")


@pytest.mark.parametrize("other", ["meeting-cc-2016-12-07", "chase-2027-ita", "chase-27-ITA", "chase-2027-ITA-x"])
def test_another_workflow_id_is_no_chase(other):
    assert parse_chase_id(other) is None
    with pytest.raises(ValueError, match="is not a chase's id"):
        chase_state(other)
