"""Letters delivered through a real SMTP server running in-process (aiosmtpd)."""

from __future__ import annotations

import concurrent.futures
import email
import email.policy
import uuid
from datetime import date
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller

from activities.database import open_event_log
from activities.letters import Mailbox, SmtpSettings
from activities.records import CcmActivities
from domain.bank import creditor_reference, format_reference
from domain.chase import ChaseInput, Close, SetMspDate
from runtime.devserver import free_port
from tests.letters import pdf_of, pdf_text, write_contacts
from tests.workers import Worker
from workflows.contribution_chase import ContributionChase


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.received: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


async def within(awaitable, what: str, seconds: float = 60):
    """`awaitable`, or a failure naming `what` did not answer (instead of a silent hang)."""
    import asyncio

    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        pytest.fail(f"{what}: no answer after {seconds} s")


async def ended(handle, seconds: float = 90):
    """The run's result; if it has not ended in `seconds`, a failure that says what it
    still waits for (its pending activities and last events), not a silent hang."""
    import asyncio

    from temporalio.api.enums.v1 import EventType

    try:
        return await asyncio.wait_for(handle.result(), seconds)
    except TimeoutError:
        raw = (await handle.describe()).raw_description
        pending = [(a.activity_type.name, a.state, a.attempt, a.last_failure.message) for a in raw.pending_activities]
        history = await handle.fetch_history()
        last = [EventType.Name(e.event_type) for e in history.events[-8:]]
        pytest.fail(f"{handle.id} not ended after {seconds} s: pending {pending}; last events {last}")


async def test_a_letter_goes_by_smtp_to_the_states_contact_and_its_message_id_is_logged(
    time_skipping_env, tmp_path, smtp_server
):
    controller, inbox = smtp_server
    # Zambia's row has no e-mail address; Malawi has no row at all.
    write_contacts(tmp_path / "contacts.csv", {"ITA": "mission.italy@example.org"}, states=["ITA", "ZMB"])
    log = open_event_log(f"sqlite:///{tmp_path / 'eventlog.db'}")
    mailbox = Mailbox(tmp_path, "isu@example.org", SmtpSettings(host="127.0.0.1", port=controller.port))
    acts = CcmActivities(log, mailbox, tmp_path / "contacts.csv", iban="CH9300762011623852957")
    queue = f"tq-{uuid.uuid4().hex[:8]}"
    year = (await time_skipping_env.get_current_time()).year + 1
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        async with Worker(
            time_skipping_env.client,
            task_queue=queue,
            activities=acts,
            activity_executor=pool,
        ):
            handles = []
            for state in ("ITA", "ZMB", "MWI"):
                inp = ChaseInput(state=state, year=year, amount_due=Decimal("43650"), language="en")
                handles.append(
                    await time_skipping_env.client.start_workflow(
                        ContributionChase.run, inp, id=f"chase-{year}-{state}", task_queue=queue
                    )
                )
            for handle in handles:  # waits for the start effects, then closes
                await within(
                    handle.execute_update(ContributionChase.cancel, Close(reason="test over", office="president")),
                    f"cancel {handle.id}",
                )
                await ended(handle)  # a workflow ends once its letters are delivered

    assert len(inbox.received) == 1
    letter = inbox.received[0]
    assert letter["To"] == "mission.italy@example.org"
    assert letter["Subject"] == f"Call for contributions {year} to the ISU-CCM Trust Fund — Italy"
    assert (
        f"has the honour to transmit herewith its note ISU-CCM/{year}/ITA/1 of "
        in letter.get_body(("plain",)).get_content()
    )  # the cover, in the third person
    text = pdf_text(pdf_of(letter))
    assert "CHF 43'650.00" in text
    # What a bank statement is matched by: the chase's creditor reference, and the account.
    reference = format_reference(creditor_reference(year, "ITA"))
    assert (
        f"the reference {reference} could be quoted with the payment to the ISU-CCM Trust Fund, "
        "IBAN CH93 0076 2011 6238 5295 7."
    ) in text
    sent = next(log.query(workflow_id=handles[0].id, event_type="chase.reminder_sent"))
    assert sent.payload["delivery"] == "queued" and sent.payload["message_id"] == letter["Message-ID"]
    delivered = next(log.query(workflow_id=handles[0].id, event_type="chase.delivered"))
    assert delivered.idempotency_key == f"{sent.idempotency_key}-delivered" and delivered.seq > sent.seq
    assert (tmp_path / "sent" / "new" / letter["Message-ID"].strip("<>")).exists()
    assert (tmp_path / "sent" / "letters" / (letter["Message-ID"].strip("<>") + ".pdf")).read_bytes() == pdf_of(letter)

    # Zambia's letter has an address but no e-mail: written, to go by post.
    unsent = next(log.query(workflow_id=handles[1].id, event_type="chase.reminder_sent"))
    assert unsent.payload["delivery"] == "undelivered"
    assert unsent.payload["reason"] == "no contact address for ZMB"
    assert (tmp_path / "outbox" / "new" / unsent.payload["message_id"].strip("<>")).exists()
    # Malawi's is not written at all: a letter with no addressee is held, and says why.
    held = next(log.query(workflow_id=handles[2].id, event_type="chase.reminder_sent"))
    assert held.payload["delivery"] == "held" and held.payload["message_id"] == ""
    assert held.payload["reason"] == "address missing: MWI has no row in contacts.csv"
    assert not [p for p in (tmp_path / "outbox" / "new").iterdir() if p.name.startswith(f"{handles[2].id}.reminder")]


async def test_meeting_invitations_arrive_by_smtp_with_the_calendar_file(time_skipping_env, tmp_path, smtp_server):
    from datetime import time, timedelta

    from icalendar import Calendar

    from domain.meetings import CancelMeeting, MeetingInput, Participant, Schedule
    from workflows.meeting import Meeting

    controller, inbox = smtp_server
    log = open_event_log(f"sqlite:///{tmp_path / 'eventlog.db'}")
    smtp = SmtpSettings(host="127.0.0.1", port=controller.port)
    acts = CcmActivities(log, Mailbox(tmp_path, "isu@example.org", smtp))
    queue = f"tq-{uuid.uuid4().hex[:8]}"
    day = (await time_skipping_env.get_current_time()).date() + timedelta(days=20)
    people = [
        Participant(name="Carola Muñoz", email="munoz@chile.example", delegation="CHL"),
        Participant(name="Amélie Chayer", email="chayer@cmc.example", delegation="CMC", role="observer"),
    ]
    inp = MeetingInput.plan(
        Schedule.at(day, time(10), time(11, 30), "Permanent Mission of Germany"), participants=people
    )
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        async with Worker(
            time_skipping_env.client,
            task_queue=queue,
            activities=acts,
            activity_executor=pool,
        ):
            handle = await time_skipping_env.client.start_workflow(
                Meeting.run, inp, id=f"meeting-cc-{queue}", task_queue=queue
            )
            await handle.execute_update(Meeting.cancel, CancelMeeting(reason="test over", office="isu"))
            await ended(handle)

    invitation, cancellation = sorted(inbox.received, key=lambda m: m["Subject"].startswith("Cancelled"))
    assert invitation["To"] == "munoz@chile.example, chayer@cmc.example"
    ics = next(p for p in invitation.iter_attachments() if p.get_content_type() == "text/calendar")
    assert ics.get_param("method") == "REQUEST" and ics.get_filename() == "meeting.ics"
    event = next(iter(Calendar.from_ical(ics.get_content()).walk("VEVENT")))
    assert event.decoded("DTSTART").date() == day and str(event["LOCATION"]) == "Permanent Mission of Germany"
    assert cancellation["Subject"].startswith("Cancelled:")
    sent = next(log.query(workflow_id=handle.id, event_type="meeting.scheduled"))
    assert sent.payload["delivery"] == "queued" and sent.payload["message_id"] == invitation["Message-ID"]
    assert len(list(log.query(workflow_id=handle.id, event_type="meeting.delivered"))) == 2


async def test_smtp_down_neither_blocks_updates_nor_loses_the_letter(time_skipping_env, tmp_path, smtp_server):
    """Delivery runs beside the workflow: with the SMTP server down, updates answer at once;
    after a day of retries `chase.delivery_failed` is logged, the letter stays in the
    outbox, and `deliver` (what `ccm outbox retry` runs) sends it once the server is up."""
    from activities.records import deliver

    controller, inbox = smtp_server
    write_contacts(tmp_path / "contacts.csv", {"ITA": "mission.italy@example.org"}, states=["ITA"])
    log = open_event_log(f"sqlite:///{tmp_path / 'eventlog.db'}")
    down = Mailbox(tmp_path, "isu@example.org", SmtpSettings(host="127.0.0.1", port=free_port()))
    acts = CcmActivities(log, down, tmp_path / "contacts.csv")
    queue = f"tq-{uuid.uuid4().hex[:8]}"
    year = (await time_skipping_env.get_current_time()).year + 1
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        async with Worker(
            time_skipping_env.client,
            task_queue=queue,
            activities=acts,
            activity_executor=pool,
        ):
            inp = ChaseInput(state="ITA", year=year, amount_due=Decimal("43650"))
            handle = await time_skipping_env.client.start_workflow(
                ContributionChase.run, inp, id=f"chase-{year}-ITA", task_queue=queue
            )
            await handle.execute_update(
                ContributionChase.set_msp_date, SetMspDate(msp_date=date(year, 9, 8), office="isu")
            )
            assert (await handle.query(ContributionChase.status)).msp_date == date(year, 9, 8)
            await handle.execute_update(ContributionChase.cancel, Close(reason="test over", office="president"))
            await ended(handle)  # the day of retries passes on the test server's clock
    sent = next(log.query(workflow_id=handle.id, event_type="chase.reminder_sent"))
    failed = next(log.query(workflow_id=handle.id, event_type="chase.delivery_failed"))
    assert failed.payload["message_id"] == sent.payload["message_id"] and failed.payload["reason"]
    name = sent.payload["message_id"].strip("<>")
    assert (tmp_path / "outbox" / "new" / name).exists() and inbox.received == []

    up = Mailbox(tmp_path, "isu@example.org", SmtpSettings(host="127.0.0.1", port=controller.port))
    assert await deliver(log, up, sent.idempotency_key, "chase.delivered") == "delivered"
    assert await deliver(log, up, sent.idempotency_key, "chase.delivered") == "already delivered"
    assert len(inbox.received) == 1 and inbox.received[0]["Message-ID"] == sent.payload["message_id"]
    assert (tmp_path / "sent" / "new" / name).exists()
