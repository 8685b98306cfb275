"""Rows signed by their writer, on SQLite and PostgreSQL: whoever holds the database can
append a row with a recomputed hash (the chain verifies), but cannot sign it as the
worker. `ccm audit verify` names such a row, and the checkpoint never signs over it."""

from __future__ import annotations

from datetime import datetime, timezone

from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from activities.eventlog import EventLog
from cli.main import cli
from domain.events import NewEvent
from domain.signatures import KeyRing, b64, fingerprint, public_bytes, verify_writers

T0 = datetime(2027, 1, 10, 9, tzinfo=timezone.utc)


def event(n: int) -> NewEvent:
    return NewEvent(
        idempotency_key=f"chase-2027-ITA/e{n}",
        workflow_id="chase-2027-ITA",
        subject="ITA",
        event_type="system.ping",
        occurred_at=T0,
        payload={"note": f"row {n}"},
    )


def worker_key(event_log):
    key = Ed25519PrivateKey.generate()
    event_log.writer = (fingerprint(public_bytes(key)), key)
    return key


def test_rows_written_by_the_worker_verify_and_one_appended_by_the_database_holder_does_not(event_log, db_url):
    unsigned_before = event_log.append_all([event(1)])  # a row of before 0002, or of a worker with no key
    key = worker_key(event_log)
    event_log.append_all([event(2), event(3)])
    ring = KeyRing({fingerprint(public_bytes(key)): public_bytes(key)}, [])
    check = verify_writers(event_log.writers(), ring.writer_key)
    assert unsigned_before == 1 and check.first_bad is None and (check.first_signed, check.signed) == (2, 2)

    # Whoever holds the database appends a row the ordinary way: its hash is right.
    EventLog(event_log.engine).append(event(4))
    assert event_log.verify().ok
    check = verify_writers(event_log.writers(), ring.writer_key)
    assert check.first_bad == 4 and "not signed, though the rows since 2 are" in check.reason
    # Without the administrators' keys, the unsigned row is found all the same.
    assert verify_writers(event_log.writers(), None).first_bad == 4

    env = {"CCM_DATABASE_URL": db_url, "CCM_ADMIN_KEYS": b64(public_bytes(key))}
    verified = CliRunner().invoke(cli, ["audit", "verify"], env=env)
    assert verified.exit_code == 1
    assert "row 4 was not written by ccm's worker: row 4 is not signed" in verified.output


def test_a_row_signed_by_a_key_the_installation_does_not_know_is_named(event_log, db_url):
    admin = Ed25519PrivateKey.generate()
    worker_key(event_log)  # a key no administrator registered
    event_log.append_all([event(1)])
    ring = KeyRing({fingerprint(public_bytes(admin)): public_bytes(admin)}, [])
    check = verify_writers(event_log.writers(), ring.writer_key)
    assert check.first_bad == 1 and "a key this installation does not know" in check.reason


def test_a_log_written_by_the_worker_verifies_with_its_writers_line(event_log, db_url):
    key = worker_key(event_log)
    event_log.append_all([event(1), event(2)])
    env = {"CCM_DATABASE_URL": db_url, "CCM_ADMIN_KEYS": b64(public_bytes(key))}
    verified = CliRunner().invoke(cli, ["audit", "verify"], env=env)
    assert verified.exit_code == 0, verified.output
    assert "writers: rows 1 to 2 signed by the worker that wrote them (signatures checked)" in verified.output
