from datetime import date
from decimal import Decimal

import pytest

from domain.money import format_chf, to_chf
from domain.states import UnknownState, parse_states_csv, registry


def test_registry_holds_the_100_states_parties_and_19_signatories_of_november_2016():
    on = date(2016, 11, 4)
    statuses = [st for _, st in registry().on(on)]
    assert (statuses.count("party"), statuses.count("signatory")) == (100, 19)


@pytest.mark.parametrize("given", ["ITA", "ita", "IT", "it", "Italy", "ITALY", " italy "])
def test_a_state_is_found_by_alpha3_alpha2_or_name_in_any_case(given):
    assert registry().get(given).alpha3 == "ITA"


def test_a_typo_suggests_the_closest_state():
    with pytest.raises(UnknownState) as err:
        registry().get("Itlay")
    assert str(err.value) == "unknown State 'Itlay': did you mean Italy (ITA)?"


def test_a_state_not_in_the_convention_is_unknown():
    with pytest.raises(UnknownState):
        registry().get("USA")
    assert registry().get("Vanuatu").alpha3 == "VUT"  # joined since 2016


def test_entry_into_force_dates_follow_the_first_day_of_a_month():
    for state in registry().parties():
        assert state.entry_into_force is not None and state.entry_into_force.day == 1
    assert registry().get("CAN").entry_into_force.isoformat() == "2015-09-01"


def test_a_registry_row_with_a_code_that_is_not_iso_3166_is_refused():
    with pytest.raises(ValueError, match="line 2"):
        parse_states_csv("name,alpha3,status,entry_into_force\nAtlantis,ATL,State Party,2010-08-01\n")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("43650", "CHF 43'650.00"),
        ("96'433", "CHF 96'433.00"),
        ("1234567.456", "CHF 1'234'567.46"),
        ("0.5", "CHF 0.50"),
        ("-100", "CHF -100.00"),
        ("CHF 12'345.00", "CHF 12'345.00"),
    ],
)
def test_amounts_are_written_the_swiss_way(text, expected):
    assert format_chf(to_chf(text)) == expected


@pytest.mark.parametrize("bad", ["abc", "", "NaN", "Infinity", "12,5"])
def test_what_is_not_an_amount_is_refused(bad):
    with pytest.raises(ValueError):
        to_chf(bad)


def test_amounts_keep_two_places():
    assert to_chf(Decimal("10")) == Decimal("10.00")
    assert str(to_chf(10.005)) == "10.01"


@pytest.mark.parametrize(
    "language,text",
    [
        (
            "en",
            "the notes of the ISU-CCM ISU-CCM/2027/ITA/1 of 15 January 2027, ISU-CCM/2027/ITA/2 of 15 June 2027 and "
            "ISU-CCM/2027/ITA/3 of 1 August 2027",
        ),
        (
            "fr",
            "les notes de l'UAA UAA/2027/ITA/1 du 15 janvier 2027, UAA/2027/ITA/2 du 15 juin 2027 et "
            "UAA/2027/ITA/3 du 1er août 2027",
        ),
        (
            "es",
            "las notas de la DAA DAA/2027/ITA/1 del 15 de enero de 2027, DAA/2027/ITA/2 del 15 de junio de 2027 y "
            "DAA/2027/ITA/3 del 1 de agosto de 2027",
        ),
    ],
)
def test_the_presidents_letter_names_the_isus_notes_that_went_before_by_number_and_date(language, text):
    from activities.letters import letters_in_words

    letters = [
        {"kind": "call_for_contributions", "date": "2027-01-15", "number": 1},
        {"kind": "second_reminder", "date": "2027-06-15", "number": 2},
        {"kind": "pre_msp_reminder", "date": "2027-08-01", "number": 3},
    ]
    assert letters_in_words(letters, language, "letter", {"year": 2027}, "ITA") == text


def test_with_only_the_call_sent_the_letter_names_only_the_call():
    from activities.letters import letters_in_words

    assert letters_in_words([{"kind": "call_for_contributions", "date": "2027-01-15"}], "en") == (
        "its call for contributions of 15 January 2027"
    )  # a note verbale speaks of the ISU in the third person


def test_the_test_clock_names_the_next_such_moment_and_29_february_the_next_leap_year():
    from datetime import datetime, timezone

    from tests.conftest import next_moment

    now = datetime(2026, 12, 2, 14, 0, tzinfo=timezone.utc)
    assert next_moment("01-01T00:30", now) == datetime(2027, 1, 1, 0, 30, tzinfo=timezone.utc)
    assert next_moment("12-31T23:30", now) == datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)
    assert next_moment("02-29", now) == datetime(2028, 2, 29, 9, 0, tzinfo=timezone.utc)
    assert next_moment("12-02T14:00", now) == datetime(2027, 12, 2, 14, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["UBS-\u202e1", "a\u2066b", "a\u200fb", "x\x00", "x\x1b[31m", "two\nlines"])
def test_a_reference_with_a_control_or_bidirectional_character_is_refused(text):
    from pydantic import ValidationError

    from domain.chase import RecordReceipt

    with pytest.raises(ValidationError, match="control and bidirectional-formatting characters are refused"):
        RecordReceipt(amount="1", date="2026-01-01", reference=text)


def test_a_reason_may_hold_lines_but_no_control_or_bidirectional_character():
    from pydantic import ValidationError

    from domain.chase import ReverseReceipt

    assert ReverseReceipt(reference="X", reason="booked twice;\nsee the bank's letter").reason.count("\n") == 1
    with pytest.raises(ValidationError, match="U\\+202E"):
        ReverseReceipt(reference="X", reason="booked \u202eeciwt")
    assert ReverseReceipt(reference="Zürich-Genève 日本", reason="ok").reference == "Zürich-Genève 日本"


# Found by `make mutate` (docs/MUTATION.md): what the money module's tests did not pin down.
def test_a_figure_written_the_swiss_way_reads_with_any_of_its_separators():
    from decimal import Decimal

    from domain.money import to_chf

    for written in ("12'345.50", "12’345.50", "12 345.50", "CHF 12'345.5", " 12345.50 "):
        assert to_chf(written) == Decimal("12345.50"), written


def test_what_is_no_amount_is_named_in_the_refusal():
    import pytest

    from domain.money import to_chf

    for bad in ("twelve", "NaN"):
        with pytest.raises(ValueError, match=f"^not an amount of money: '{bad}'$"):
            to_chf(bad)


def test_zero_is_written_without_a_sign_and_a_figure_without_its_currency_on_request():
    from decimal import Decimal

    from domain.money import format_chf

    assert format_chf(Decimal("0")) == "CHF 0.00" and format_chf(Decimal("-0.00")) == "CHF 0.00"
    assert format_chf(Decimal("-1234567.8"), currency=False) == "-1'234'567.80"


def test_a_huge_amount_is_refused_in_a_short_line_not_echoed_whole():
    import pytest

    from domain.money import parse_amount

    for typed in ("9" * 5000, "x" * 5000):
        with pytest.raises(ValueError) as refused:
            parse_amount(typed)
        assert len(str(refused.value)) < 120 and "(5000 characters)" in str(refused.value)
