"""What a recorded command may write (`domain.records`): the rows `ccm import contributions`
builds from a ledger pass; a row of another kind, or a figure a ledger cannot hold, is
refused before anything is written."""

import pytest

from domain.contributions import ledger_events, letter_events
from domain.process import Refusal
from domain.records import RecordInput, check_record_events
from domain.states import registry

LEDGER = b"""state,amount_due,date,amount,reference,budget_line,kind
Italy,38486,2016-03-01,20000,UBS-1,7a,
Italy,38486,2016-06-01,,their words,,pledge
Norway,20000,2016-04-01,20000,,,
Peru,1000,2016-10-01,1000,,,reported
Germany,50000,,,,,
"""


def ledger_import(events=None) -> RecordInput:
    events = events or ledger_events(LEDGER, 2016, registry(), "Sheila Mweemba", "isu")
    return RecordInput(command="import_contributions", events=events, actor="Sheila Mweemba", office="isu")


def test_the_rows_a_ledger_makes_are_the_rows_an_import_may_write():
    inp = ledger_import()
    assert {e.event_type for e in inp.events} == {
        "chase.imported",
        "chase.receipt_imported",
        "chase.pledge_imported",
        "chase.payment_report_imported",
    }
    check_record_events(inp)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"amount": "99999999999"}, "amount: 99999999999 is more than CHF 100 million"),
        ({"amount": "-5"}, "amount: Input should be greater than 0"),
        ({"budget_line": "7z"}, "budget_line: Input should be"),
        ({"date": "2016-02-30"}, "date: Input should be a valid date"),
        ({"paid": "yes"}, "paid: Extra inputs are not permitted"),
    ],
)
def test_a_figure_no_ledger_holds_is_refused(change, message):
    events = ledger_events(LEDGER, 2016, registry(), "Sheila Mweemba", "isu")
    receipt = next(i for i, e in enumerate(events) if e.event_type == "chase.receipt_imported")
    events[receipt] = events[receipt].model_copy(update={"payload": events[receipt].payload | change})
    with pytest.raises(Refusal) as refused:
        check_record_events(ledger_import(events))
    assert str(refused.value).startswith("import_contributions: event ") and message in str(refused.value)


@pytest.mark.parametrize(
    "event_type, payload, message",
    [
        ("data.scale_added", {"period": "2028-2030", "rates": {"DEU": "lots"}, "source": "x"}, "rates.DEU"),
        ("data.scale_added", {"period": "2028", "rates": {}, "source": "x"}, "period: String should match"),
        ("data.holidays_added", {"days": {"2029-02-30": "Eid"}, "source": "x"}, "days.2029-02-30"),
        ("data.registry_checked", {"as_of": "2027-01-01", "source": ""}, "source: String should have at least 1"),
    ],
)
def test_the_worlds_data_is_checked_field_by_field_where_it_is_written(event_type, payload, message):
    """`ccm data add-…` builds these; the plain `temporal` CLI could send any: refused whole."""
    from datetime import datetime, timezone

    from domain.events import NewEvent

    event = NewEvent(
        idempotency_key="data/scale/0123456789abcdef",
        workflow_id="data",
        subject="scale",
        event_type=event_type,
        occurred_at=datetime(2027, 11, 1, tzinfo=timezone.utc),
        actor="S",
        office="isu",
        payload=payload,
    )
    with pytest.raises(Refusal, match=message):
        check_record_events(RecordInput(command="add_data", events=[event], actor="S", office="isu"))


LETTERS = b"""state,date,kind,reference
Italy,2016-01-15,call_for_contributions,ISU-CCM/2016/ITA/1
Germany,2016-06-15,second_reminder,
"""


@pytest.mark.parametrize(
    "change, message",
    [
        (None, ""),  # the rows `ccm import letters` builds pass
        ({"event_type": "chase.receipt_imported"}, "this command writes only chase.letter_imported"),
        ({"payload": {"letter": "reported_not_received"}}, "letter: Input should be"),
        ({"idempotency_key": "chase-2016-ITA/imported"}, "chase-2016-ITA/imported"),
        (
            {"workflow_id": "chase-2017-ITA", "idempotency_key": "chase-2017-ITA/letter-imported-x-2016-01-15"},
            "one year",
        ),
    ],
)
def test_an_import_of_letters_writes_only_letters_of_one_year(change, message):
    events = letter_events(LETTERS, 2016, registry(), {"ITA", "DEU"}, "Sheila Mweemba", "isu")
    if change:
        first = events[0]
        update = change | ({"payload": first.payload | change["payload"]} if "payload" in change else {})
        events[0] = first.model_copy(update=update)
    inp = RecordInput(command="import_letters", events=events, actor="Sheila Mweemba", office="isu")
    if not change:
        check_record_events(inp)
        return
    with pytest.raises(Refusal) as refused:
        check_record_events(inp)
    assert message in str(refused.value)


def test_a_letters_reference_holding_a_bidi_or_control_character_is_refused_with_its_line():
    data = "state,date,kind,reference\nItaly,2016-01-15,call_for_contributions,ISU\u202eCCM\n".encode()
    with pytest.raises(ValueError, match="line 2, reference: holds the character U\\+202E"):
        letter_events(data, 2016, registry(), {"ITA"}, "Sheila Mweemba", "isu")
