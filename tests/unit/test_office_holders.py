"""Who holds the Presidency and coordinates each theme, term by term: the shipped data and
its sources, coordinators carried until the next designation, the operator's records over
the shipped rows, and the processes that act on them (concept notes, action items)."""

import csv
from datetime import date, datetime, timezone
from importlib import resources

import pytest

from domain.action_items import ActionItem, ActionItemInput, Complete
from domain.concept_notes import ConceptNote, ConceptNoteInput, SubmitVersion
from domain.office_holders import (
    Holding,
    check_term,
    coordinators,
    holders,
    holdings,
    shipped,
    term_on,
    term_rank,
)
from domain.process import Message, Refusal
from domain.states import world
from domain.themes import THEMES_BY_SLUG
from domain.treaty_meetings import treaty_meetings


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_every_meeting_of_the_table_has_its_presidency_with_a_source():
    rows = list(csv.DictReader(resources.files("domain").joinpath("data/treaty_meetings.csv").open()))
    assert {f"{r['number']}{r['kind']}": r["presidency"] for r in rows} == {
        "6MSP": "NLD",
        "7MSP": "DEU",  # the minutes of 4 November 2016: the German Presidency
        "8MSP": "NIC",
        "9MSP": "LKA",
        "2RC": "CHE",
        "10MSP": "GBR",
        "11MSP": "IRQ",
        "12MSP": "MEX",
        "13MSP": "PHL",
        "3RC": "LAO",
    }
    assert all(r["presidency_source"].startswith("http") for r in rows)


def test_every_shipped_row_names_known_states_a_coordinated_theme_and_a_placed_term():
    codes = {s.alpha3 for s in world()}
    for h in shipped():
        assert set(h.states) <= codes, h
        assert h.source and term_rank(h.term) is not None, h
        assert h.theme == "presidency" or THEMES_BY_SLUG[h.theme].coordinators, h
        assert 1 <= len(h.states) <= 2, h


def test_the_2016_pairs_are_the_7msp_terms_as_the_minutes_name_them():
    assert coordinators("7MSP", "universalization") == ["FRA", "ZMB"]
    assert coordinators("7MSP", "national-implementation") == ["NZL"]
    assert holders("7MSP", "presidency").states == ["DEU"]
    assert term_on(date(2016, 11, 4)) == "7MSP"


def test_the_term_turns_the_day_after_a_meeting_closes():
    closes = next(m.last_day for m in treaty_meetings() if m.short == "7MSP")
    assert term_on(closes) == "7MSP" and term_on(date(2017, 9, 7)) == "8MSP"
    assert coordinators("8MSP", "victim-assistance") == ["IRL", "ITA"]  # Chile's term ended


def test_coordinators_stay_in_office_until_the_next_designation_and_say_so():
    held = holders("9MSP", "victim-assistance")
    assert held.states == ["IRL", "ITA"] and held.carried_from == "8MSP" and held.term == "9MSP"
    assert holders("10MSP", "universalization").carried_from == ""  # designated for the 10MSP
    assert holders("14MSP", "presidency") is None  # a Presidency is never carried
    assert holders("5MSP", "universalization") is None  # before the table: none known


def test_a_recorded_row_counts_over_the_shipped_one_and_is_carried_on():
    table = holdings([Holding(term="9MSP", theme="victim-assistance", states=["AUT", "COL"], source="x")])
    assert coordinators("9MSP", "victim-assistance", table) == ["AUT", "COL"]
    assert coordinators("10MSP", "victim-assistance", table) == ["AUT", "COL"]
    assert coordinators("8MSP", "victim-assistance", table) == ["IRL", "ITA"]


@pytest.mark.parametrize("term", ["5MSP", "XMSP", "7msp", "4RC", ""])
def test_a_term_the_table_cannot_place_is_refused(term):
    with pytest.raises(Refusal, match="is no term"):
        check_term(term)


def _note(msp: str, coordinators: list[str] | None = None) -> ConceptNote:
    inp = ConceptNoteInput(
        theme="victim-assistance",
        msp=msp,
        meeting=date(2017, 11, 3),
        circulate_by=utc(2017, 11, 1, 17),
        plan_due=date(2017, 12, 7),
        coordinators=coordinators,
    )
    note = ConceptNote.new(inp, f"concept-note-{msp}-victim-assistance", utc(2017, 10, 20))
    note.start()
    return note


def test_a_concept_note_is_written_by_the_coordinators_of_its_term():
    def submit(note: ConceptNote, office: str) -> None:
        cmd = SubmitVersion(text="t", summary="s", office=office)
        note.authorize("submit_version", cmd)  # as the workflow's validator does
        note.submit_version(cmd, utc(2017, 10, 21))

    submit(_note("7MSP"), "CHL")
    with pytest.raises(Refusal, match=r"only the theme's coordinators \(IRL or ITA\)"):
        submit(_note("8MSP"), "CHL")
    submit(_note("8MSP"), "IRL")
    submit(_note("8MSP", ["AUT"]), "AUT")  # as `ccm plan start` gives them, with the operator's records
    assert _note("8MSP").status().coordinators == ["IRL", "ITA"]


def test_an_item_of_a_themes_coordinators_goes_to_those_in_office_on_its_due_date():
    def item(due: date, held: list[str] | None = None) -> ActionItem:
        inp = ActionItemInput(
            owner="coordinator:universalization", text="Target list", due=due, source="m", number=1, coordinators=held
        )
        made = ActionItem.new(inp, "action-m-1", utc(2016, 11, 4))
        made.start()
        return made

    later = item(date(2018, 1, 10))  # the 8MSP term: France and Panama
    reminder = later.fire(later.next_action(), utc(2018, 1, 3, 9))[0]
    assert isinstance(reminder, Message)
    assert "assigned to the coordinators of Universalization (FRA, PAN)" in reminder.body
    later.authorize("complete", Complete(office="PAN"))
    with pytest.raises(Refusal, match=r"owner \(coordinator:universalization\)"):
        item(date(2016, 12, 7)).authorize("complete", Complete(office="PAN"))  # the 7MSP term: France and Zambia
    item(date(2016, 12, 7), ["PAN"]).authorize("complete", Complete(office="PAN"))


def test_the_input_refuses_coordinators_that_are_not_codes():
    with pytest.raises(ValueError, match="pattern"):
        ActionItemInput(owner="ITA", text="x", due=date(2017, 1, 1), source="m", number=1, coordinators=["Italy"])
