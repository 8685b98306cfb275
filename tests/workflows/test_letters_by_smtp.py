"""Letters delivered through a real SMTP server running in-process (aiosmtpd)."""

from __future__ import annotations

import concurrent.futures
import email
import email.policy
import uuid
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from temporalio.worker import Worker

from activities.database import open_event_log
from activities.letters import Mailbox, SmtpSettings
from activities.records import CcmActivities
from cli.devserver import free_port
from domain.chase import ChaseInput, Close
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


async def test_a_letter_goes_by_smtp_to_the_states_contact_and_its_message_id_is_logged(
        time_skipping_env, tmp_path, smtp_server):
    controller, inbox = smtp_server
    (tmp_path / "contacts.csv").write_text("state,email\nITA,mission.italy@example.org\n")
    log = open_event_log(f"sqlite:///{tmp_path / 'eventlog.db'}")
    mailbox = Mailbox(tmp_path, "isu@example.org", SmtpSettings(host="127.0.0.1", port=controller.port))
    acts = CcmActivities(log, mailbox, tmp_path / "contacts.csv")
    queue = f"tq-{uuid.uuid4().hex[:8]}"
    year = (await time_skipping_env.get_current_time()).year + 1
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        async with Worker(time_skipping_env.client, task_queue=queue, workflows=[ContributionChase],
                          activities=acts.all(), activity_executor=pool):
            handles = []
            for state in ("ITA", "ZMB"):  # Zambia has no contact address
                inp = ChaseInput(state=state, year=year, amount_due=Decimal("43650"), language="en")
                handles.append(await time_skipping_env.client.start_workflow(
                    ContributionChase.run, inp, id=f"chase-{year}-{state}-{queue}", task_queue=queue))
            for handle in handles:  # waits for the start effects, then closes
                await handle.execute_update(ContributionChase.cancel, Close(reason="test over"))

    assert len(inbox.received) == 1
    letter = inbox.received[0]
    assert letter["To"] == "mission.italy@example.org"
    assert letter["Subject"] == f"Call for contributions {year} to the ISU-CCM Trust Fund — Italy"
    assert "CHF 43'650.00" in letter.get_content()
    sent = next(log.query(workflow_id=handles[0].id, event_type="chase.reminder_sent"))
    assert sent.payload["delivery"] == "smtp" and sent.payload["message_id"] == letter["Message-ID"]
    assert (tmp_path / "sent" / "new" / letter["Message-ID"].strip("<>")).exists()

    unsent = next(log.query(workflow_id=handles[1].id, event_type="chase.reminder_sent"))
    assert unsent.payload["delivery"] == "undelivered"
    assert unsent.payload["reason"] == "no contact address for ZMB"
    assert (tmp_path / "outbox" / "new" / unsent.payload["message_id"].strip("<>")).exists()
