"""The chase's rules without a server: timeline, commands, refusals."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.chase import (
    Chase,
    ChaseInput,
    Close,
    CorrectDue,
    Escalate,
    Pledge,
    RecordReceipt,
    Refusal,
    ReportPayment,
    SetMspDate,
)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def new_chase(start=None, **fields) -> Chase:
    start = start or utc(2017, 1, 10, 9)
    inp = ChaseInput(state="ITA", year=2017, amount_due=Decimal("12345.00"), msp_date=date(2017, 9, 4), **fields)
    chase = Chase(input=inp, started_at=start)
    chase.start()
    return chase


def run_until(chase: Chase, until: datetime) -> list[str]:
    """Fire every action due before `until`, as the workflow's clock would; return the keys."""
    fired, now = [], chase.started_at
    while (action := chase.next_action()) and action.at <= until:
        now = max(now, action.at)
        chase.fire(action, now)
        fired.append(action.key)
    return fired


def test_the_default_schedule_is_15_june_and_21_days_before_the_msp():
    chase = new_chase()
    times = chase.step_times()
    assert times["reminder-2"] == utc(2017, 6, 15, 8)
    assert times["reminder-3"] == utc(2017, 8, 14, 8)
    assert "president" not in times  # the Presidency decides
    assert new_chase(auto_escalate_days=14).step_times()["president"] == utc(2017, 8, 28, 8)


def test_an_unpaid_year_waits_for_the_presidency_after_three_reminders_and_ends_in_arrears():
    chase = new_chase(arrears=Decimal("1000"))
    assert run_until(chase, utc(2017, 9, 1)) == ["reminder-2", "reminder-3"]
    assert chase.stage == "escalation_due"
    assert run_until(chase, utc(2018, 1, 1)) == ["year-end"]
    assert chase.outcome == "in_arrears"


def test_with_auto_escalate_days_the_presidents_letter_goes_on_a_timer():
    chase = new_chase(arrears=Decimal("1000"), auto_escalate_days=14)
    assert run_until(chase, utc(2018, 1, 1)) == ["reminder-2", "reminder-3", "president", "year-end"]
    assert [letter.kind for letter in chase.letters] == [
        "call_for_contributions",
        "second_reminder",
        "pre_msp_reminder",
        "president_letter",
    ]
    assert chase.outcome == "in_arrears"
    assert chase.status().arrears_carried == Decimal("13345.00")


def test_reminders_whose_date_passed_before_the_start_are_not_sent():
    chase = new_chase(start=utc(2017, 7, 1))
    assert run_until(chase, utc(2018, 1, 1)) == ["reminder-3", "year-end"]


def test_a_year_that_has_ended_is_refused():
    inp = ChaseInput(state="ITA", year=2016, amount_due=Decimal("1"))
    with pytest.raises(Refusal, match="2016 has already ended"):
        Chase(input=inp, started_at=utc(2017, 1, 1)).start()


def test_partial_payments_lower_the_outstanding_amount_and_overpayment_becomes_credit():
    chase = new_chase()
    chase.record_receipt(RecordReceipt(amount=Decimal("5000"), date=date(2017, 2, 1)), utc(2017, 2, 2))
    assert chase.stage == "partially_paid" and chase.outstanding == Decimal("7345.00")
    effects = chase.record_receipt(RecordReceipt(amount=Decimal("8000"), date=date(2017, 3, 1)), utc(2017, 3, 1))
    assert chase.outcome == "paid" and chase.credit == Decimal("655.00")
    assert [getattr(e, "letter", None) for e in effects] == [None, "thank_you"]


@pytest.mark.parametrize(
    "amount,day,message",
    [
        ("0", date(2017, 2, 1), "must be positive"),
        ("-5", date(2017, 2, 1), "must be positive"),
        ("10", date(2017, 2, 3), "in the future"),
    ],
)
def test_a_bad_receipt_is_refused_and_changes_nothing(amount, day, message):
    chase = new_chase()
    with pytest.raises(Refusal, match=message):
        chase.record_receipt(RecordReceipt(amount=Decimal(amount), date=day), utc(2017, 2, 2))
    assert chase.receipts == [] and chase.outstanding == Decimal("12345.00")


def test_a_reported_payment_pauses_reminders_until_the_follow_up():
    chase = new_chase()
    chase.report_payment(ReportPayment(date=date(2017, 6, 1), reference="X"), utc(2017, 6, 1, 9))
    assert chase.stage == "payment_reported"
    assert chase.next_action().key == "follow-up"
    assert chase.next_action().at == utc(2017, 7, 1, 8)
    assert run_until(chase, utc(2017, 7, 2)) == ["follow-up"]
    # The second reminder fell due during the pause: the follow-up letter replaced it.
    assert [letter.kind for letter in chase.letters][-1] == "reported_not_received"
    assert chase.stage == "reported_not_received"
    assert chase.next_action().key == "reminder-3"


def test_a_pledge_delays_reminders_until_the_expected_date():
    chase = new_chase()
    chase.pledge_payment(Pledge(expected_date=date(2017, 7, 1)), utc(2017, 6, 1))
    assert run_until(chase, utc(2017, 7, 2)) == ["pledge-lapsed", "reminder-2"]
    assert chase.letters[-1].sent_at == utc(2017, 7, 1, 8)


def test_moving_the_msp_moves_the_pre_msp_reminder():
    chase = new_chase()
    chase.set_msp_date(SetMspDate(msp_date=date(2017, 10, 2)))
    assert chase.step_times()["reminder-3"] == utc(2017, 9, 11, 8)
    with pytest.raises(Refusal, match="must fall in 2017"):
        chase.set_msp_date(SetMspDate(msp_date=date(2018, 1, 5)))


def test_escalation_sends_the_presidents_letter_once():
    chase = new_chase()
    run_until(chase, utc(2017, 8, 15))  # the second and the pre-MSP reminders
    assert chase.stage == "escalation_due"
    effects = chase.escalate(Escalate(), utc(2017, 8, 20))
    assert chase.stage == "escalated" and "decision" not in effects[0].payload
    with pytest.raises(Refusal, match="already gone out"):
        chase.escalate(Escalate(), utc(2017, 8, 21))
    assert "president" not in [a for a in run_until(chase, utc(2018, 1, 1))]


def test_the_president_writes_after_the_isus_third_letter_or_on_a_decision_that_says_why():
    """The minutes' order: the call, the second reminder, the pre-MSP reminder, then the
    President. Earlier (the day of the call, as the probe saw) only on a recorded reason."""
    chase = new_chase()
    with pytest.raises(Refusal, match="after the ISU's third letter, the pre-MSP reminder"):
        chase.escalate(Escalate(), utc(2017, 1, 10, 10))
    run_until(chase, utc(2017, 7, 1))  # the second reminder only
    with pytest.raises(Refusal, match="give the Presidency's reason"):
        chase.escalate(Escalate(reason="  "), utc(2017, 7, 2))
    effects = chase.escalate(Escalate(reason="the Presidency writes before its visit to Rome"), utc(2017, 7, 2))
    assert effects[0].event_type == "chase.escalated"
    assert effects[0].payload["decision"] == "the Presidency writes before its visit to Rome"


def test_a_chase_started_after_the_pre_msp_reminder_is_not_escalation_due_and_its_timers_say_why():
    """Started late, the steps already past are not sent: no pre-MSP reminder went, so no
    President's letter is due by itself, and none goes on a timer."""
    chase = new_chase(start=utc(2017, 8, 20, 9), auto_escalate_days=10)  # the pre-MSP day was 14 August
    assert chase.stage != "escalation_due"
    skipped = []
    while (action := chase.next_action()) and action.at <= utc(2017, 10, 1):
        skipped += [e.payload for e in chase.fire(action, action.at) if e.event_type == "chase.step_skipped"]
    assert not chase.sent("president_letter")
    assert skipped == [
        {
            "step": "president",
            "reason": "the pre-MSP reminder has not gone out: the President writes after it, or on a decision",
        }
    ]


def test_a_pre_msp_reminder_never_goes_once_the_meeting_has_opened():
    chase = new_chase()
    run_until(chase, utc(2017, 7, 1))
    chase.set_msp_date(SetMspDate(msp_date=date(2017, 7, 3)))  # the meeting brought forward
    effects = chase.fire(chase.next_action(), utc(2017, 7, 4, 9))  # the worker was down until after it opened
    assert [e.event_type for e in effects] == ["chase.step_skipped"]
    assert effects[0].payload["reason"] == "the Meeting of States Parties opened on 2017-07-03"
    assert not chase.sent("pre_msp_reminder")


def test_a_closed_chase_refuses_everything():
    chase = new_chase()
    chase.close("waived", Close(reason="exceptional circumstances"))
    assert chase.outcome == "waived" and chase.next_action() is None
    with pytest.raises(Refusal, match="closed"):
        chase.record_receipt(RecordReceipt(amount=Decimal("1"), date=date(2017, 1, 10)), utc(2017, 1, 11))


def test_a_chase_needs_a_positive_total_and_no_negative_amounts():
    with pytest.raises(ValueError):
        ChaseInput(state="ITA", year=2017, amount_due=Decimal("0"))
    with pytest.raises(ValueError):
        ChaseInput(state="ITA", year=2017, amount_due=Decimal("10"), arrears=Decimal("-1"))


def test_the_status_survives_a_json_round_trip():
    chase = new_chase()
    chase.record_receipt(RecordReceipt(amount=Decimal("1.10"), date=date(2017, 1, 10)), utc(2017, 1, 11) + timedelta(0))
    again = Chase.model_validate_json(chase.model_dump_json())
    assert again.status() == chase.status()


def test_the_state_of_a_chase_input_is_an_alpha3_code():
    with pytest.raises(ValueError):
        ChaseInput(state="Italy", year=2017, amount_due=Decimal("10"))


def test_an_msp_moved_before_the_second_reminders_day_sends_the_pre_msp_reminder_first_and_only():
    chase = new_chase(start=utc(2017, 1, 10, 9))
    chase.set_msp_date(SetMspDate(msp_date=date(2017, 2, 1), office="isu"))
    assert chase.next_action().key == "reminder-3"  # 11 January, not the second reminder of 15 June
    assert run_until(chase, utc(2017, 12, 1)) == ["reminder-3"]
    assert [letter.kind for letter in chase.letters] == ["call_for_contributions", "pre_msp_reminder"]
    assert chase.stage == "escalation_due"


def test_a_reference_recorded_by_hand_and_by_the_bank_is_one_receipt():
    """`ccm chase receive --reference UBS-2027-0413` and the bank entry UBS-2027-0413 on the
    ISU's account (`UBS-2027-0413@<account>`) are the same money, whichever came first."""
    from domain.chase import same_reference

    account = "CH9300762011623852957"
    assert same_reference("UBS-2027-0413", f"UBS-2027-0413@{account}")
    assert same_reference(f"UBS-2027-0413@{account}", "UBS-2027-0413")
    assert not same_reference(f"UBS-1@{account}", "UBS-1@CH5604835012345678009")  # two accounts, two payments
    assert not same_reference("UBS-1", "UBS-2") and not same_reference("", "") and not same_reference("", "X@Y")
    for first, second in (("UBS-2027-0413", f"UBS-2027-0413@{account}"), (f"UBS-2027-0413@{account}", "UBS-2027-0413")):
        chase = new_chase()
        now = utc(2017, 2, 1, 9)
        chase.record_receipt(RecordReceipt(amount=Decimal("210"), date=date(2017, 2, 1), reference=first), now)
        with pytest.raises(Refusal, match=r"already recorded on chase-2017-ITA as receipt 1 \(.*CHF 210"):
            chase.check_receipt(
                RecordReceipt(amount=Decimal("210"), date=date(2017, 2, 1), reference=second), date(2017, 2, 1)
            )
        assert chase.received == Decimal("210")


def test_a_paid_chase_takes_more_money_as_a_credit_until_its_year_closes():
    chase = new_chase()
    now = utc(2017, 2, 1, 9)
    paid = chase.record_receipt(RecordReceipt(amount=Decimal("12345"), date=date(2017, 2, 1), reference="A"), now)
    assert chase.stage == "paid" and [e.event_type for e in paid][-1] == "chase.paid"
    more = chase.record_receipt(
        RecordReceipt(amount=Decimal("100"), date=date(2017, 3, 1), reference="B"), utc(2017, 3, 1, 9)
    )
    assert [e.event_type for e in more] == ["chase.receipt_recorded"]  # no second thank-you letter
    assert chase.credit == Decimal("100.00") and chase.received == Decimal("12445.00")
    assert run_until(chase, utc(2018, 1, 2)) == ["year-end"]
    with pytest.raises(Refusal, match="closed"):
        chase.check_receipt(
            RecordReceipt(amount=Decimal("1"), date=date(2017, 12, 31), reference="C"), date(2018, 1, 2)
        )


# Found by `make mutate` (docs/MUTATION.md): what the chase's tests did not pin down.
def test_the_presidents_letter_names_who_decided_it_and_a_lapsed_pledge_its_own_key():
    chase = new_chase()
    run_until(chase, utc(2017, 8, 15))  # the ISU's three letters
    [letter] = chase.escalate(Escalate(actor="Michael Biontino", office="president"), utc(2017, 8, 20))
    assert (letter.event_type, letter.actor, letter.office) == ("chase.escalated", "Michael Biontino", "president")
    other = new_chase()
    other.pledge_payment(Pledge(expected_date=date(2017, 3, 1), office="ITA"), utc(2017, 2, 1))
    action = other.next_action()
    assert action.key == "pledge-lapsed"
    [lapsed] = other.fire(action, action.at)
    assert (lapsed.key, lapsed.event_type) == ("pledge-lapsed-1", "chase.pledge_lapsed")


@pytest.mark.parametrize(
    "apply, message",
    [
        (
            lambda c: c.check_report(
                ReportPayment(amount=Decimal("-5"), date=date(2017, 2, 1), office="ITA"), date(2017, 2, 2)
            ),
            "the amount must be positive, not -5",
        ),
        (
            lambda c: c.check_pledge(Pledge(expected_date=date(2019, 1, 2), office="ITA"), date(2017, 2, 2)),
            "the expected date 2019-01-02 is after 2018-12-31: pledge a date within the year or the next",
        ),
        (
            lambda c: c.check_correction(CorrectDue(amount=Decimal("-1"), reason="x")),
            "the amount due must not be negative, not -1",
        ),
    ],
)
def test_a_refusal_says_what_to_change(apply, message):
    with pytest.raises(Refusal) as refused:
        apply(new_chase())
    assert str(refused.value).startswith(message)


def test_a_meeting_moved_later_brings_back_a_pre_msp_reminder_not_yet_sent():
    """Started after the pre-MSP day, the reminder was skipped; the meeting moved to
    November, it goes 21 days before it, and then the President's letter may follow."""
    chase = new_chase(start=utc(2017, 8, 20, 9))
    assert "reminder-3" in chase.done and not chase.sent("pre_msp_reminder")
    chase.set_msp_date(SetMspDate(msp_date=date(2017, 11, 20)))
    assert "reminder-3" in run_until(chase, utc(2017, 11, 1))
    assert chase.sent("pre_msp_reminder") and chase.stage == "escalation_due"


def test_a_step_skipped_twice_is_two_rows():
    """Skipped once the meeting opened, brought back when it moved, skipped again: each a
    row of its own (one key would let the log take the second for the first)."""
    chase = new_chase()
    run_until(chase, utc(2017, 7, 1))
    chase.set_msp_date(SetMspDate(msp_date=date(2017, 7, 3)))
    [first] = chase.fire(chase.next_action(), utc(2017, 7, 4, 9))
    chase.set_msp_date(SetMspDate(msp_date=date(2017, 7, 5)))
    [second] = chase.fire(chase.next_action(), utc(2017, 7, 6, 9))
    assert (first.key, second.key) == ("reminder-3-skipped-1", "reminder-3-skipped-2")
