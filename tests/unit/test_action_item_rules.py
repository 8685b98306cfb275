"""The action item's rules without a server: reminders, overdue, commands and keys."""

from datetime import date, datetime, timezone

import pytest

from domain.action_items import ActionItem, ActionItemInput, CancelAction, Complete, Extend, Reassign
from domain.process import Message, Refusal


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


START = utc(2017, 1, 2, 9)


def new_item(now=START, due=date(2017, 1, 25)) -> ActionItem:
    item = ActionItem.new(
        ActionItemInput(owner="ITA", text="Operational plan", due=due, source="meeting-x", number=1),
        "action-meeting-x-1",
        now,
    )
    item.start()
    return item


def run_until(item: ActionItem, until: datetime) -> list[str]:
    fired = []
    while (action := item.next_action()) and action.at <= until:
        item.fire(action, action.at)
        fired.append(action.key)
    return fired


def test_reminders_7_days_and_1_day_before_then_overdue():
    item = new_item()
    assert run_until(item, utc(2017, 2, 1)) == ["reminder-7d-2017-01-25", "reminder-1d-2017-01-25", "overdue"]
    assert item.stage == "overdue" and item.reminders_sent == [date(2017, 1, 18), date(2017, 1, 24)]
    assert item.next_action() is None


def test_a_reminder_already_past_at_the_start_is_not_sent_late():
    item = new_item(now=utc(2017, 1, 20))
    assert item.next_action().key == "reminder-1d-2017-01-25"


def test_a_reminder_is_a_message_whose_key_names_the_due_date():
    item = new_item()
    action = item.next_action()
    (message,) = item.fire(action, action.at)
    assert isinstance(message, Message) and message.key == "reminder-7d-2017-01-25"
    assert "due on 2017-01-25" in message.body


def test_extending_an_overdue_item_reopens_it_with_new_reminders():
    item = new_item()
    run_until(item, utc(2017, 2, 1))
    effects = item.extend(Extend(new_due=date(2017, 3, 1), reason="awaiting capitals"), utc(2017, 2, 1))
    assert item.stage == "open" and effects[-1].key == "extended-1"
    assert item.next_action().key == "reminder-7d-2017-03-01"


def test_reassigning_changes_the_owner_and_the_subject():
    item = new_item()
    effects = item.reassign(Reassign(owner="CHL", office="isu"), utc(2017, 1, 3))
    assert item.subject == "CHL" and effects[0].owner == "CHL"
    assert effects[-1].payload == {"owner": "CHL", "previous": "ITA"}
    with pytest.raises(Refusal, match="already assigned to CHL"):
        item.check_reassign(Reassign(owner="CHL"))


def test_a_finished_item_refuses_every_command():
    item = new_item()
    item.complete(Complete(note="done"), utc(2017, 1, 3))
    assert item.finished
    for check in (
        lambda: item.check_complete(Complete()),
        lambda: item.check_reassign(Reassign(owner="CHL")),
        lambda: item.check_cancel(CancelAction(reason="x")),
        lambda: item.check_extend(Extend(new_due=date(2017, 3, 1), reason="x"), date(2017, 1, 3)),
    ):
        with pytest.raises(Refusal, match="the action item is done"):
            check()


@pytest.mark.parametrize(
    "cmd,today,message",
    [
        (Extend(new_due=date(2017, 1, 3), reason="x"), date(2017, 1, 3), "must be after today"),
        (Extend(new_due=date(2017, 3, 1), reason=" "), date(2017, 1, 3), "a reason is required"),
    ],
)
def test_an_extension_needs_a_later_date_and_a_reason(cmd, today, message):
    with pytest.raises(Refusal, match=message):
        new_item().check_extend(cmd, today)


def test_an_item_naming_the_command_that_fulfils_it_is_closed_by_that_command_with_a_reference():
    """ "The President will send individual letters" (4 November 2016): the item names the
    escalation of the year, and closes when it runs; no other command closes it so."""
    from pydantic import ValidationError

    from domain.action_items import Fulfil, escalation_of

    item = ActionItem.new(
        ActionItemInput(
            owner="president",
            text="Individual letters to States that have not paid",
            due=date(2016, 12, 7),
            source="meeting-cc-2016-11-04",
            number=2,
            fulfilled_by=escalation_of(2016),
        ),
        "action-meeting-cc-2016-11-04-2",
        START,
    )
    item.start()
    assert item.status().fulfilled_by == "escalation:2016"
    with pytest.raises(Refusal, match="fulfilled by escalation:2016, not escalation:2017"):
        item.check_fulfil(Fulfil(by="escalation:2017", reference="x", office="president"))
    effects = item.fulfil(
        Fulfil(by="escalation:2016", reference="12 President's letters sent for 2016", office="president"),
        utc(2016, 12, 1),
    )
    assert item.stage == "done" and effects[-1].payload == {
        "note": "12 President's letters sent for 2016",
        "fulfilled_by": "escalation:2016",
    }
    with pytest.raises(Refusal, match="the action item is done"):  # a re-run closes nothing twice
        item.check_fulfil(Fulfil(by="escalation:2016", reference="again", office="president"))
    with pytest.raises(ValidationError):
        ActionItemInput(owner="ITA", text="x", due=date(2017, 1, 1), source="s", number=1, fulfilled_by="anything")
