"""Offices and `--as`: one reading for every command."""

import pytest

from domain.offices import office_of, parse_actor
from domain.process import Acting, Refusal


@pytest.mark.parametrize(
    "text,office",
    [
        ("president", "president"),
        ("Presidency", "president"),
        ("ISU", "isu"),
        ("member", "member"),
        ("coordinator:victim-assistance", "coordinator:victim-assistance"),
        ("Italy", "ITA"),
        ("it", "ITA"),
        ("icrc", "ICRC"),
        ("CMC", "CMC"),
    ],
)
def test_an_office_in_any_accepted_form(text, office):
    assert office_of(text) == office


@pytest.mark.parametrize("text", ["Atlantis", "coordinator:gso", "", "UN"])
def test_anything_else_is_no_office(text):
    assert office_of(text) is None


@pytest.mark.parametrize(
    "text,default,acting",
    [
        ("Sheila Mweemba@isu", "", Acting(actor="Sheila Mweemba", office="isu")),
        ("Silvia Cattaneo@Italy", "", Acting(actor="Silvia Cattaneo", office="ITA")),
        ("Costa Rica", "", Acting(office="CRI")),
        ("Sheila Mweemba", "isu", Acting(actor="Sheila Mweemba", office="isu")),
        ("", "president", Acting(office="president")),
    ],
)
def test_as_reads_person_and_office(text, default, acting):
    assert parse_actor(text, default) == acting


@pytest.mark.parametrize(
    "text,message", [("Nobody@Atlantis", "unknown office 'Atlantis'"), ("Aline Berdoz", "'Aline Berdoz' is no office")]
)
def test_an_unknown_office_is_refused_naming_the_offices(text, message):
    with pytest.raises(Refusal, match=message) as err:
        parse_actor(text)
    assert "president, isu, member" in str(err.value)
