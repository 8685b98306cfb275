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


def test_a_ledger_names_each_row_by_what_it_is_so_the_file_again_or_resorted_writes_the_same_keys():
    """Two identical receipts without a reference are two (counted 1 and 2 whatever the order
    of the file), a receipt of another amount the same day another; a State that paid nothing
    is due only; a pledge and a report count no money; each dated by its row, the due by the
    year's first day; an amount due of 0 and a reference of 300 characters are kept."""
    import hashlib
    from datetime import datetime, timezone

    ledger = (
        "state,amount_due,date,amount,reference,budget_line,kind\n"
        "NOR,20000,2016-04-01,100,,7a,\n"
        "NOR,20000,2016-04-01,100,,7a,\n"
        "NOR,20000,2016-04-01,200,,7a,\n"
        f"ITA,0,2016-05-02,50,{'R' * 300},,\n"
        "PER,1000,2016-10-01,1000,their words,,reported\n"
        "DEU,50000,2016-06-01,,we will pay,,pledge\n"
        "NZL,500,,,,,\n"
    )
    events = ledger_events(ledger.encode(), 2016, registry(), "Sheila Mweemba", "isu")
    lines = ledger.splitlines(keepends=True)
    resorted = "".join([lines[0], *reversed(lines[1:])]).encode()
    again = ledger_events(resorted, 2016, registry(), "Sheila Mweemba", "isu")
    assert sorted(e.idempotency_key for e in events) == sorted(e.idempotency_key for e in again)

    def digest(*content: str) -> str:
        return hashlib.sha256("|".join(content).encode()).hexdigest()[:16]

    by_key = {e.idempotency_key: e for e in events}
    nor = [k.split("/", 1)[1] for k in by_key if k.startswith("chase-2016-NOR/receipt")]
    assert sorted(nor) == sorted([
        f"receipt-imported-{digest('NOR', '2016-04-01', '100.00', '7a')}-1",
        f"receipt-imported-{digest('NOR', '2016-04-01', '100.00', '7a')}-2",
        f"receipt-imported-{digest('NOR', '2016-04-01', '200.00', '7a')}-1",
    ])  # fmt: skip
    italy = by_key[f"chase-2016-ITA/receipt-imported-ref-{hashlib.sha256(b'R' * 300).hexdigest()[:16]}"]
    assert (italy.payload["amount"], italy.occurred_at) == ("50.00", datetime(2016, 5, 2, tzinfo=timezone.utc))
    assert by_key["chase-2016-ITA/imported"].payload["amount_due"] == "0.00"
    due = by_key["chase-2016-NZL/imported"]
    assert (due.event_type, due.occurred_at, due.actor, due.office) == (
        "chase.imported", datetime(2016, 1, 1, tzinfo=timezone.utc), "Sheila Mweemba", "isu",
    )  # fmt: skip
    assert not any(k.startswith("chase-2016-NZL/receipt") for k in by_key)
    said = {e.event_type: e.payload for e in events if e.event_type.endswith(("pledge_imported", "report_imported"))}
    assert said["chase.pledge_imported"]["note"] == "we will pay" and said["chase.pledge_imported"]["amount"] is None
    assert said["chase.payment_report_imported"] | {"file_sha256": ""} == {
        "date": "2016-10-01", "amount": "1000.00", "reference": "their words", "line": 6, "file_sha256": "",
    }  # fmt: skip


@pytest.mark.parametrize(
    "row, problem",
    [
        ("NOR,20000,2016-04-01,0,,,", "line 2, amount:"),
        ("NOR,-1,,,,,", "line 2, amount_due:"),
        ("NOR,20000,2016-04-01,100," + "R" * 301 + ",,", "line 2, reference: longer than 300 characters"),
    ],
)
def test_a_ledger_row_that_cannot_be_right_is_refused_with_its_line(row, problem):
    ledger = f"state,amount_due,date,amount,reference,budget_line,kind\n{row}\n".encode()
    with pytest.raises(ValueError) as refused:
        ledger_events(ledger, 2016, registry(), "Sheila Mweemba", "isu")
    assert str(refused.value).startswith(problem), str(refused.value)
