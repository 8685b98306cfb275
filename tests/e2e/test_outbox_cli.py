"""`ccm outbox list` and `ccm outbox retry`: messages written while no SMTP server was
reachable, sent later, once, through a real SMTP server (aiosmtpd). The CLI reads; the
worker, the log's one writer, sends and logs each delivery."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
from datetime import datetime, timezone

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from activities.letters import Mailbox, SmtpSettings
from activities.records import CcmActivities
from cli.main import cli
from domain.contract import MessageRequest
from domain.events import NewEvent
from runtime.devserver import free_port
from tests.e2e.conftest import event_log

PORT = free_port()


@pytest.fixture(scope="module")
def ccm_env(ccm_env):
    """The worker's SMTP server: nothing listens there until the test starts one."""
    return ccm_env | {"CCM_SMTP_HOST": "127.0.0.1", "CCM_SMTP_PORT": str(PORT)}


class Inbox:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def test_a_message_left_in_the_outbox_is_listed_then_sent_once_by_the_worker(ccm_env, worker):
    from pathlib import Path

    home, port = Path(ccm_env["CCM_HOME"]), PORT
    log = event_log(ccm_env)
    # Two messages written earlier (as a process writes them), one with an address.
    acts = CcmActivities(log, Mailbox(home, "isu@example.org", SmtpSettings(host="127.0.0.1", port=port)))
    for n, to in ((1, ["pilz@example.org"]), (2, [])):
        event = NewEvent(
            idempotency_key=f"meeting-cc-2016-12-07/invitation-{n}",
            workflow_id="meeting-cc-2016-12-07",
            workflow_type="Meeting",
            subject="meeting-cc-2016-12-07",
            event_type="meeting.scheduled",
            occurred_at=datetime(2016, 11, 10, 9, tzinfo=timezone.utc),
        )
        asyncio.run(acts.write_message(MessageRequest(event=event, to=to, subject=f"Invitation {n}", body="…")))
    env = ccm_env
    runner = CliRunner()

    listed = runner.invoke(cli, ["outbox", "list", "-o", "json"], env=env)
    assert listed.exit_code == 0, listed.output
    rows = {r["subject"]: r["status"] for r in json.loads(listed.stdout)}
    assert rows == {"Invitation 1": "waiting for delivery", "Invitation 2": "no address"}

    down = runner.invoke(cli, ["outbox", "retry", "--all"], env=env)  # nothing listens on the port yet
    assert down.exit_code == 1 and "Traceback" not in down.output
    assert "not delivered (SMTPConnectError" in down.stderr and "1 of 1 not delivered" in down.stderr

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        sent = runner.invoke(cli, ["outbox", "retry", "--all"], env=env)
        assert sent.exit_code == 0, sent.output
        assert sent.stdout.strip().endswith(": delivered")
        again = runner.invoke(cli, ["outbox", "retry", "--all"], env=env)
        assert again.exit_code == 0 and again.stdout == ""  # nothing left with an address
    finally:
        controller.stop()
    assert [m["Subject"] for m in inbox.received] == ["Invitation 1"]
    delivered = list(log.query(event_type="meeting.delivered"))
    assert [e.event_type for e in delivered] == ["meeting.delivered"]
    assert log.verify().ok
    remaining = runner.invoke(cli, ["outbox", "list", "-o", "json"], env=env)
    assert [r["subject"] for r in json.loads(remaining.stdout)] == ["Invitation 2"]
