"""A letter previewed (`ccm letters preview`) is drawn from the chase's events as the chase
wrote them: produced by the aggregate, read through the event registry."""

from datetime import date, datetime, timezone
from decimal import Decimal

from activities.database import open_event_log
from cli.letters import chase_context
from domain.chase import SetMspDate
from tests.produced import Chases


def test_a_preview_after_the_msp_date_moved_takes_the_new_date(tmp_path):
    """`chase.msp_date_set` says `from` and `to`: the preview read a key `msp_date` it never
    had, and failed with a KeyError once an MSP date was moved (found by typing the events)."""
    log = open_event_log(f"sqlite:///{tmp_path / 'log.db'}")
    year = Chases(log, 2027)
    start = datetime(2027, 1, 15, 9, tzinfo=timezone.utc)
    year.start("ITA", "38486.00", start, msp_date=date(2027, 9, 4))
    year.command("ITA", "set_msp_date", SetMspDate(msp_date=date(2027, 9, 11), office="isu"), start)
    context, language = chase_context(log, "ITA", 2027, "pre_msp_reminder", None)
    assert context["msp_date"] == "2027-09-11" and language == "en"
    assert Decimal(context["outstanding"]) == Decimal("38486.00") and context["letter_number"] == 2


def test_a_message_with_no_address_is_logged_with_why():
    """`write_message` logs a message to a State with no contact address as undelivered,
    with the reason: the registry refused that `reason`, so the activity failed (retried for
    ever before refusals were made final: a chase then hung on its next command)."""
    from domain.event_types import check_payload

    check_payload(
        "chase.escalation_due",
        {
            "outstanding": "43650.00",
            "subject": "Escalation due: Malawi",
            "message_id": "<chase-2027-MWI.escalation-due@ccm>",
            "delivery": "undelivered",
            "to": "",
            "reason": "no contact address for MWI",
        },
    )
