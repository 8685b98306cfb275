"""The event log's guarantees, each on SQLite and on PostgreSQL."""

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from activities.database import HEAD, current_revision, head_revision, open_event_log
from domain.events import GENESIS_HASH, NewEvent

T0 = datetime(2017, 1, 10, 9, tzinfo=timezone.utc)


def ev(key: str, **fields) -> NewEvent:
    values = dict(
        idempotency_key=key,
        workflow_id="chase-2017-ITA",
        run_id="r1",
        workflow_type="ContributionChase",
        subject="ITA",
        event_type="system.ping",
        occurred_at=T0,
        payload={"note": key},
    )
    return NewEvent(**values | fields)


def fill(log, n=5):
    for i in range(1, n + 1):
        log.append(ev(f"chase-2017-ITA/step-{i}", occurred_at=T0 + timedelta(days=i)))


def drop_triggers(log):
    """What an attacker with database access would do first."""
    with log.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER events_append_only ON events"))
        else:
            conn.execute(text("DROP TRIGGER events_no_update"))
            conn.execute(text("DROP TRIGGER events_no_delete"))


def test_the_schema_is_at_the_newest_revision(event_log):
    assert current_revision(event_log.engine) == head_revision() == HEAD == "0002"


def test_rows_chain_from_the_genesis_hash(event_log):
    fill(event_log, 3)
    rows = list(event_log.query())
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == GENESIS_HASH
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
    result = event_log.verify()
    assert result.ok and result.rows == 3 and result.head == rows[2].hash


@pytest.mark.parametrize("statement", ["UPDATE events SET actor = 'mallory'", "DELETE FROM events WHERE seq = 1"])
def test_update_and_delete_are_refused(event_log, statement):
    fill(event_log, 2)
    with pytest.raises(DBAPIError, match="append-only"):
        with event_log.engine.begin() as conn:
            conn.execute(text(statement))
    assert event_log.count() == 2 and event_log.verify().ok


def test_appending_an_existing_key_returns_the_stored_row_and_writes_nothing(event_log):
    first, written = event_log.append(ev("chase-2017-ITA/reminder-2"))
    again, written_again = event_log.append(ev("chase-2017-ITA/reminder-2", payload={"note": "other"}))
    assert written and not written_again
    assert again == first and again.payload == {"note": "chase-2017-ITA/reminder-2"}
    assert event_log.count() == 1


def test_a_batch_appends_in_order_on_one_chain_and_writes_each_key_once(event_log):
    event_log.append(ev("k-1"))
    out = event_log.append_many(
        [ev("k-1", payload={"note": "other"}), ev("k-2"), ev("k-3"), ev("k-2", payload={"note": "x"})]
    )
    assert [(e.idempotency_key, written) for e, written in out] == [
        ("k-1", False),
        ("k-2", True),
        ("k-3", True),
        ("k-2", False),
    ]
    assert out[0][0].payload == {"note": "k-1"} and out[3][0] == out[1][0]
    rows = list(event_log.query())
    assert [r.idempotency_key for r in rows] == ["k-1", "k-2", "k-3"] and [r.seq for r in rows] == [1, 2, 3]
    assert rows[1] == out[1][0] and event_log.verify().ok
    assert event_log.append_many([]) == [] and event_log.count() == 3
    # A writer that does not read the rows back: the same chain, each key once.
    assert event_log.append_all([ev("k-3"), ev("k-4"), ev("k-5"), ev("k-4")]) == 2
    assert event_log.append_all([ev("k-4"), ev("k-5")]) == 0
    assert [r.idempotency_key for r in event_log.query()] == ["k-1", "k-2", "k-3", "k-4", "k-5"]
    assert event_log.verify().ok


def test_an_edited_row_is_named_by_verify(event_log):
    fill(event_log)
    drop_triggers(event_log)
    with event_log.engine.begin() as conn:
        conn.execute(text("UPDATE events SET payload = :p WHERE seq = 3"), {"p": json.dumps({"n": "forged"})})
    result = event_log.verify()
    assert result.first_break.seq == 3 and "edited" in result.first_break.reason


def test_a_deleted_row_is_named_by_verify(event_log):
    fill(event_log)
    drop_triggers(event_log)
    with event_log.engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE seq = 2"))
    result = event_log.verify()
    assert result.first_break.seq == 3 and "deleted" in result.first_break.reason


def test_a_reordered_row_is_named_by_verify(event_log):
    fill(event_log)
    drop_triggers(event_log)
    with event_log.engine.begin() as conn:  # swap rows 2 and 3, sequence numbers kept
        conn.execute(text("UPDATE events SET seq = 1000 WHERE seq = 2"))
        conn.execute(text("UPDATE events SET seq = 2 WHERE seq = 3"))
        conn.execute(text("UPDATE events SET seq = 3 WHERE seq = 1000"))
    result = event_log.verify()
    assert result.first_break.seq == 2 and "previous-hash" in result.first_break.reason


@pytest.mark.parametrize(
    "tamper, seq, reason",
    [
        (None, None, None),
        ('UPDATE events SET payload = \'{"n": "forged"}\' WHERE seq = 7', 7, "edited"),
        ("DELETE FROM events WHERE seq = 6", 7, "deleted"),  # the first row of the second range
        ("DELETE FROM events WHERE seq = 5", 6, "deleted"),  # the last row of the first range
    ],
)
def test_verify_in_ranges_across_processes_names_the_row_a_single_walk_names(
    event_log, monkeypatch, tamper, seq, reason
):
    import activities.eventlog

    fill(event_log, 10)
    if tamper:
        drop_triggers(event_log)
        with event_log.engine.begin() as conn:
            conn.execute(text(tamper))
    single = event_log.verify(processes=1)
    monkeypatch.setattr(activities.eventlog, "PARALLEL_FROM", 0)
    ranged = event_log.verify(processes=2)
    assert ranged == single
    if tamper:
        assert ranged.first_break.seq == seq and reason in ranged.first_break.reason
    else:
        assert ranged.ok and ranged.rows == 10


def test_concurrent_workers_build_one_linear_chain(db_url, event_log):
    """Four writers with their own engines (as separate workers would have) append at once."""
    logs = [open_event_log(db_url) for _ in range(4)]
    errors = []

    def write(i, log):
        try:
            for j in range(25):
                log.append(ev(f"w{i}/e{j}", workflow_id=f"w{i}"))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(i, log)) for i, log in enumerate(logs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = event_log.verify()
    assert result.ok and result.rows == 100
    for log in logs:
        log.engine.dispose()


@pytest.mark.parametrize("window", [0.0, 0.003])
def test_appends_of_one_process_share_transactions_on_one_chain_each_told_after_its_commit(event_log, window):
    """Group commit: 16 threads of one worker append at once (a key twice among them, a
    row of a type no model knows in one): one linear chain, each key once, fewer
    transactions than appends, the bad batch refused alone, and every caller handed back
    rows that are in the log when it returns."""
    event_log.group_window = window
    event_log.append_delay = 0.002  # each transaction takes its time, as under load: appends queue
    transactions: list[list[str]] = []
    told: list[str] = []
    errors: list[str] = []
    event_log.on_written = transactions.append
    start = threading.Barrier(16)

    def write(i):
        start.wait()
        try:
            for j in range(20):
                batch = [ev(f"g{i}/e{j}", workflow_id=f"g{i}"), ev(f"g{i}/e{j}/b", workflow_id=f"g{i}")]
                if (i, j) == (3, 7):
                    batch.append(ev("shared/key", workflow_id="shared"))
                if (i, j) == (5, 7):
                    batch = [ev("shared/key", workflow_id="shared")]
                if (i, j) == (9, 9):
                    batch = [ev(f"g{i}/bad", event_type="no.such_type")]
                told.extend(stored.idempotency_key for stored, _ in event_log.append_many(batch))
        except ValueError as e:
            errors.append(str(e))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 1 and "no.such_type" in errors[0]
    result = event_log.verify()
    # thread 5 sent the shared key alone at its 8th append; thread 9 stopped at its bad batch
    assert result.ok and result.rows == 15 * 20 * 2 - 2 + 9 * 2 + 1
    assert len(told) == result.rows + 1  # the shared key: handed back to both callers
    assert set(event_log.get_many(told)) == set(told)
    assert sum(len(t) for t in transactions) == result.rows
    assert len(transactions) < (15 * 20 + 9) / 3, len(transactions)  # shared commits, not one per append


def test_queries_filter_by_workflow_subject_type_and_time(event_log):
    from decimal import Decimal

    from domain.chase import Chase, ChaseInput, RecordReceipt

    fill(event_log, 4)
    chase = Chase(input=ChaseInput(state="DEU", year=2017, amount_due=Decimal("43650")), started_at=T0)
    receipt = next(
        e
        for e in chase.record_receipt(RecordReceipt(amount=Decimal("43650"), date=T0.date()), T0)
        if getattr(e, "event_type", "") == "chase.receipt_recorded"
    )
    event_log.append(
        ev(
            "chase-2017-DEU/receipt-1",
            workflow_id="chase-2017-DEU",
            subject="DEU",
            event_type=receipt.event_type,
            payload=receipt.payload,
            occurred_at=T0 + timedelta(days=10),
            actor="sheila",
        )
    )
    assert len(list(event_log.query(workflow_id="chase-2017-ITA"))) == 4
    assert [e.subject for e in event_log.query(subject="DEU")] == ["DEU"]
    assert len(list(event_log.query(event_type="system.*"))) == 4
    assert len(list(event_log.query(event_type="chase.*"))) == 1
    assert len(list(event_log.query(event_type="chase.receipt_recorded"))) == 1
    window = list(event_log.query(since=T0 + timedelta(days=2), until=T0 + timedelta(days=4)))
    assert [e.seq for e in window] == [2, 3]
    assert [e.actor for e in event_log.query(actor="sheila")] == ["sheila"]


def test_queries_stream_in_batches(event_log):
    fill(event_log, 7)
    assert [e.seq for e in event_log.query(batch=3)] == list(range(1, 8))


def test_the_embedded_default_upgrades_itself(tmp_path):
    (tmp_path / "new").mkdir()
    log = open_event_log(f"sqlite:///{tmp_path / 'new' / 'eventlog.db'}")
    assert current_revision(log.engine) == "0002"


def test_ccm_db_upgrade_creates_the_schema(db_url):
    from click.testing import CliRunner

    from activities.eventlog import make_engine
    from cli.main import cli

    result = CliRunner().invoke(cli, ["db", "upgrade"], env={"CCM_DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    assert "is at revision 0002" in result.output
    assert current_revision(make_engine(db_url)) == "0002"


def test_ccm_db_upgrade_on_an_unreachable_database_is_one_line():
    from click.testing import CliRunner

    from cli.main import cli

    url = "postgresql://nobody@127.0.0.1:1/none"
    result = CliRunner().invoke(cli, ["db", "upgrade"], env={"CCM_DATABASE_URL": url})
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot upgrade postgresql://nobody@127.0.0.1:1/none:")
    assert len(result.output.strip().splitlines()) == 1


def test_a_tampered_time_or_payload_is_found_by_verify(event_log):
    """Verify reads SQLite's time columns as text (`_hashed_column_time`): a changed
    microsecond or a changed payload must still break the chain at its row."""
    fill(event_log, 4)
    assert event_log.verify().ok
    drop_triggers(event_log)
    with event_log.engine.begin() as conn:
        row = conn.execute(text("SELECT occurred_at FROM events WHERE seq = 2")).scalar_one()
        moved = (row if isinstance(row, datetime) else datetime.fromisoformat(row)) + timedelta(microseconds=1)
        conn.execute(text("UPDATE events SET occurred_at = :t WHERE seq = 2"), {"t": moved})
        conn.execute(text("UPDATE events SET payload = :p WHERE seq = 3"), {"p": json.dumps({"n": "forged"})})
    result = event_log.verify()
    assert not result.ok and result.first_break.seq == 2


def test_times_read_as_text_hash_as_times_parsed():
    from activities.eventlog import _hashed_column_time, _moment
    from domain.events import hashed_time

    for stored in ("2027-01-15 08:00:00.000000", "1999-12-31 23:59:59.999999", "2027-06-01 00:00:00.000001"):
        assert _hashed_column_time(stored) == hashed_time(_moment(stored))
    aware = datetime(2027, 1, 15, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    assert _hashed_column_time(aware) == hashed_time(aware) == "2027-01-15T08:30:00.000000+00:00"


def test_the_checkpoint_verifies_the_whole_chain_first_and_never_signs_a_broken_one(event_log, tmp_path):
    """The daily checkpoint's activity, run as Temporal runs it: a broken chain fails it
    with `chain_broken` before any key is read, and nothing is written."""
    from temporalio.exceptions import ApplicationError
    from temporalio.testing import ActivityEnvironment

    from activities.letters import Mailbox
    from activities.records import CcmActivities
    from domain.records import CheckpointRequest

    fill(event_log)
    activities = CcmActivities(event_log, Mailbox(tmp_path, "isu@example.org"))  # no checkpoint key
    isu = CheckpointRequest(office="isu")
    with pytest.raises(ApplicationError, match="CCM_CHECKPOINT_KEY"):  # whole: verified, then no key to sign with
        ActivityEnvironment().run(activities.checkpoint_log, isu)
    drop_triggers(event_log)
    with event_log.engine.begin() as conn:
        conn.execute(text("UPDATE events SET payload = :p WHERE seq = 2"), {"p": json.dumps({"n": "forged"})})
    with pytest.raises(ApplicationError, match="broken at row 2") as refused:
        ActivityEnvironment().run(activities.checkpoint_log, isu)
    assert refused.value.type == "chain_broken" and refused.value.non_retryable
    assert event_log.count() == 5
