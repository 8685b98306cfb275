"""The rules by which a signature proves who acted (domain/signatures.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.process import CommandSignature, Refusal
from domain.signatures import (
    Checkpoint,
    KeyRegistration,
    KeyRevocation,
    KeyRing,
    admin_keys,
    b64,
    canonical,
    command_message,
    fingerprint,
    public_bytes,
    sign,
    valid,
)

NOW = datetime(2027, 6, 15, 9, 0, tzinfo=timezone.utc)
ADMIN, PRESIDENT, STRANGER = (Ed25519PrivateKey.generate() for _ in range(3))
ADMINS = admin_keys(b64(public_bytes(ADMIN)))


def registration(key, office="president", start=date(2027, 1, 1), end=date(2027, 12, 31), by=ADMIN):
    raw = public_bytes(key)
    reg = KeyRegistration(
        fingerprint=fingerprint(raw),
        public_key=b64(raw),
        holder="Michael Biontino",
        office=office,
        valid_from=start,
        valid_until=end,
        registered_at=NOW - timedelta(days=30),
        admin=fingerprint(public_bytes(by)),
    )
    reg.admin_signature = sign(by, reg.message())
    return reg


def signed(key, args=None, at=NOW, update_id="waive-1"):
    args = args or {"reason": "hardship", "actor": "Michael Biontino", "office": "president"}
    sig = sign(key, command_message("chase-2027-ITA", "waive", args, at, update_id))
    return args, CommandSignature(
        fingerprint=fingerprint(public_bytes(key)), signature=sig, signed_at=at, update_id=update_id
    )


def check(ring, args, sig, update_id="waive-1", office="president", now=NOW):
    return ring.check_command("chase-2027-ITA", "waive", update_id, args, office, sig, now)


def test_a_command_signed_by_a_registered_key_is_proved():
    ring = KeyRing(ADMINS, [registration(PRESIDENT)])
    proof = check(ring, *signed(PRESIDENT))
    assert proof.actor == "Michael Biontino" and proof.office == "president" and proof.update == "waive"


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda args, sig: (args | {"reason": "other"}, sig, {}), "does not verify"),
        (lambda args, sig: (args, sig, {"update_id": "waive-2"}), "covers another update id"),
        (lambda args, sig: (args, sig, {"office": "isu"}), "speaks for president, not for isu"),
        (lambda args, sig: (args, sig, {"now": NOW + timedelta(hours=1)}), "sign it again"),
        (lambda args, sig: (args, sig.model_copy(update={"signed_at": NOW.replace(tzinfo=None)}), {}), "no time zone"),
    ],
)
def test_a_changed_command_or_another_context_is_refused(change, message):
    ring = KeyRing(ADMINS, [registration(PRESIDENT)])
    args, sig, kw = change(*signed(PRESIDENT))
    with pytest.raises(Refusal, match=message) as refused:
        check(ring, args, sig, **kw)
    assert refused.value.code == "bad_signature"  # what a program matches on (make mutate found it unpinned)


def test_only_registrations_an_administrator_signed_count():
    ring = KeyRing(ADMINS, [registration(PRESIDENT, by=STRANGER)])  # signed by a key that is not an admin's
    with pytest.raises(Refusal, match="not registered by an administrator"):
        check(ring, *signed(PRESIDENT))
    tampered = registration(PRESIDENT, office="isu")
    tampered = tampered.model_copy(update={"office": "president"})  # edited after the admin signed it
    with pytest.raises(Refusal, match="not registered"):
        check(KeyRing(ADMINS, [tampered]), *signed(PRESIDENT))


def test_a_key_speaks_only_on_its_days_and_until_it_is_revoked():
    expired = KeyRing(ADMINS, [registration(PRESIDENT, start=date(2016, 1, 1), end=date(2016, 12, 31))])
    with pytest.raises(Refusal, match="from 2016-01-01 to 2016-12-31, not on 2027-06-15"):
        check(expired, *signed(PRESIDENT))
    fp = fingerprint(public_bytes(PRESIDENT))
    revocation = KeyRevocation(
        fingerprint=fp, revoked_at=NOW - timedelta(minutes=1), admin=fingerprint(public_bytes(ADMIN))
    )
    revocation.admin_signature = sign(ADMIN, revocation.message())
    with pytest.raises(Refusal, match="was revoked on 2027-06-15"):
        check(KeyRing(ADMINS, [registration(PRESIDENT)], [revocation]), *signed(PRESIDENT))
    # What it signed before the revocation still verifies (an auditor re-checking later).
    before = KeyRing(ADMINS, [registration(PRESIDENT)], [revocation])
    assert before.speaker(fp, "president", NOW - timedelta(days=1)).holder == "Michael Biontino"


def test_canonical_json_and_checkpoint_signatures():
    assert canonical({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    cp = Checkpoint(seq=42, head="ab" * 32, at=NOW, fingerprint=fingerprint(public_bytes(ADMIN)))
    cp.signature = sign(ADMIN, cp.message())
    assert valid(public_bytes(ADMIN), cp.message(), cp.signature)
    assert not valid(public_bytes(ADMIN), cp.model_copy(update={"seq": 43}).message(), cp.signature)
    with pytest.raises(Refusal, match="32 bytes"):
        admin_keys(b64(b"short"))
