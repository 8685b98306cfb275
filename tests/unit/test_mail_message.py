"""The message a letter travels in (`Mailbox.compose`): its boundary named from the key,
so a retry writes the same bytes, and headers built as the standard policy builds them."""

from __future__ import annotations

import email
import email.policy
import hashlib
from datetime import datetime, timezone

import pytest

from activities.letters import Mailbox

WHEN = datetime(2027, 1, 15, 9, 30, tzinfo=timezone.utc)
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40
ICS = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def mailbox(tmp_path):
    return Mailbox(tmp_path, "ISU <isu@clusterconvention.org>")


def compose(mailbox, body="Excellency,\n\nPlease find the letter attached.\n", key="chase-2027-ITA-call"):
    return mailbox.compose(
        key,
        ["mission.italy@example.org", "Deputy <deputy@example.org>"],
        "Appel à contributions 2027 — Italie",
        body,
        WHEN,
        [("call.pdf", "application/pdf", PDF), ("invite.ics", "text/calendar; method=REQUEST", ICS)],
    )


def test_a_retry_writes_the_same_bytes_and_the_boundary_is_the_keys(mailbox):
    first, again = bytes(compose(mailbox)), bytes(compose(mailbox))
    assert first == again
    boundary = "=_ccm_" + hashlib.sha256(b"chase-2027-ITA-call").hexdigest()[:32]
    assert f'boundary="{boundary}"'.encode() in first
    assert bytes(compose(mailbox, key="chase-2027-FRA-call")) != first


@pytest.mark.parametrize("policy", [email.policy.default, email.policy.compat32], ids=["default", "compat32"])
def test_the_message_reads_back_whole_under_either_policy(mailbox, policy):
    read = email.message_from_bytes(bytes(compose(mailbox)), policy=policy)
    assert not read.defects
    parts = [p for p in read.walk() if not p.is_multipart()]
    assert [p.get_content_type() for p in parts] == ["text/plain", "application/pdf", "text/calendar"]
    assert parts[1].get_payload(decode=True) == PDF and parts[2].get_payload(decode=True) == ICS
    assert parts[2].get_param("method") == "REQUEST" and parts[1].get_filename() == "call.pdf"
    assert str(email.header.make_header(email.header.decode_header(read["Subject"]))) == (
        "Appel à contributions 2027 — Italie"
    )


def test_a_body_holding_the_boundary_gets_another(mailbox):
    boundary = "=_ccm_" + hashlib.sha256(b"chase-2027-ITA-call").hexdigest()[:32]
    body = f"Excellency,\n--{boundary}\nnot a part\n"
    msg = compose(mailbox, body=body)
    assert msg.get_boundary() != boundary
    read = email.message_from_bytes(bytes(msg), policy=email.policy.default)
    assert read.get_body().get_content() == body and len(list(read.iter_attachments())) == 2


def test_headers_are_those_the_standard_policy_writes(mailbox):
    """The header classes made once per name write what the standard registry's write."""
    ours = compose(mailbox)
    standard = email.message_from_bytes(bytes(ours), policy=email.policy.default.clone(max_line_length=998))
    for name in ("Message-ID", "Date", "From", "To", "Subject"):
        assert str(ours[name]) == str(standard[name])
        assert type(ours[name]).__mro__[1:] == type(standard[name]).__mro__[1:]
    assert ours["To"].addresses[1].display_name == "Deputy"
