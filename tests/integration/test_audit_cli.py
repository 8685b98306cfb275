"""`ccm audit` on SQLite and PostgreSQL: list, verify, export and verify from file."""

import json
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner
from sqlalchemy import text

from cli.main import cli
from domain.events import NewEvent
from tests.integration.test_eventlog import drop_triggers

T0 = datetime(2017, 1, 10, 9, tzinfo=timezone.utc)


def fill(log, n=6):
    """Reminders and receipts of one chase, their payloads as the chase writes them."""
    from decimal import Decimal

    from domain.chase import Chase, ChaseInput, RecordReceipt

    chase = Chase(input=ChaseInput(state="ITA", year=2017, amount_due=Decimal("38486")), started_at=T0)
    reminder = next(e for e in chase.start() if getattr(e, "event_type", "") == "chase.reminder_sent")
    for i in range(1, n + 1):
        if i % 2:
            effect = reminder
        else:
            effect = next(
                e
                for e in chase.record_receipt(
                    RecordReceipt(amount=Decimal("100"), date=T0.date(), reference=f"R{i}"), T0
                )
                if getattr(e, "event_type", "")
            )
        log.append(
            NewEvent(
                idempotency_key=f"chase-2017-ITA/e{i}",
                workflow_id="chase-2017-ITA",
                subject="ITA",
                event_type=effect.event_type,
                occurred_at=T0 + timedelta(days=i),
                actor="sheila" if i == 2 else "",
                payload=effect.payload,
            )
        )


def audit(db_url, *args):
    return CliRunner().invoke(cli, ["audit", *args], env={"CCM_DATABASE_URL": db_url})


def test_audit_log_filters_and_prints_json_lines(event_log, db_url):
    fill(event_log)
    result = audit(db_url, "log", "--type", "chase.receipt*", "--output", "json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["seq"] for r in rows] == [2, 4, 6] and rows[0]["hash"]
    result = audit(db_url, "log", "--actor", "sheila", "--output", "csv")
    assert result.output.splitlines()[0].startswith("seq,occurred_at,workflow_id")
    assert len(result.output.splitlines()) == 2


def test_audit_verify_prints_rows_and_head_and_fails_on_a_tampered_row(event_log, db_url):
    fill(event_log)
    result = audit(db_url, "verify")
    assert result.exit_code == 0 and result.output.strip() == f"ok: 6 rows, chain head {event_log.verify().head}"
    drop_triggers(event_log)
    with event_log.engine.begin() as conn:
        conn.execute(text("UPDATE events SET actor = 'mallory' WHERE seq = 4"))
    result = audit(db_url, "verify")
    assert result.exit_code == 1
    assert "chain broken at row 4: its content does not match its hash" in result.output


def test_an_export_verifies_without_the_database_and_an_edit_in_it_is_found(event_log, db_url, tmp_path):
    fill(event_log)
    out = tmp_path / "log.jsonl"
    result = audit(db_url, "export", "--since", (T0 + timedelta(days=3)).isoformat(), "--out", str(out))
    assert result.exit_code == 0 and "exported 4 rows" in result.output
    result = CliRunner().invoke(cli, ["audit", "verify", "--file", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"ok: 4 rows (anchored on row 3), chain head {event_log.verify().head}"
    lines = out.read_text().splitlines()
    row = json.loads(lines[1])
    row["payload"] = {"i": 999}
    lines[1] = json.dumps(row)
    out.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(cli, ["audit", "verify", "--file", str(out)])
    assert result.exit_code == 1 and "chain broken at row 4" in result.output


def test_a_log_that_is_not_there_is_never_created_by_a_command(tmp_path):
    """A typo in CCM_DATABASE_URL or CCM_HOME must not start an empty log that verifies."""
    runner = CliRunner()
    typo = tmp_path / "eventlgo.db"
    result = runner.invoke(cli, ["audit", "verify"], env={"CCM_DATABASE_URL": f"sqlite:///{typo}"})
    assert result.exit_code == 1 and f"no event log at {typo}" in result.stderr and not typo.exists()
    home = tmp_path / "no-such-home"
    result = runner.invoke(cli, ["audit", "log"], env={"CCM_HOME": str(home)})
    assert result.exit_code == 1 and "no event log at" in result.stderr and not home.exists()
    nowhere = tmp_path / "missing" / "folder" / "log.db"
    result = runner.invoke(cli, ["db", "upgrade"], env={"CCM_DATABASE_URL": f"sqlite:///{nowhere}"})
    assert result.exit_code == 1 and "does not exist" in result.stderr and not nowhere.parent.exists()


def test_out_never_overwrites_the_log_or_a_file_without_force(tmp_path):
    from activities.database import open_event_log

    url = f"sqlite:///{tmp_path / 'eventlog.db'}"
    open_event_log(url)
    runner = CliRunner()
    env = {"CCM_DATABASE_URL": url}
    onto_log = runner.invoke(cli, ["audit", "export", "--out", tmp_path / "eventlog.db", "--force"], env=env)
    assert onto_log.exit_code == 2 and "is the event log" in onto_log.stderr
    existing = tmp_path / "export.jsonl"
    existing.write_text("keep me\n")
    refused = runner.invoke(cli, ["audit", "export", "--out", existing], env=env)
    assert refused.exit_code == 2 and "exists: give --force" in refused.stderr
    assert existing.read_text() == "keep me\n"
    forced = runner.invoke(cli, ["audit", "export", "--out", existing, "--force"], env=env)
    assert forced.exit_code == 0 and existing.read_text() == ""


def test_an_auditor_verifies_a_log_on_a_read_only_file_system(tmp_path):
    """A WAL-mode log mounted read-only (an auditor's snapshot): SQLite cannot create its
    shared-memory file there, so ccm opens it immutable. Needs a bind mount (root)."""
    import subprocess

    import pytest

    from activities.database import open_event_log

    source, mounted = tmp_path / "source", tmp_path / "ro"
    source.mkdir()
    mounted.mkdir()
    log = open_event_log(f"sqlite:///{source / 'eventlog.db'}")
    log.append_all(
        [
            NewEvent(
                idempotency_key=f"t/{n}",
                workflow_id="t",
                subject="ITA",
                event_type="system.ping",
                occurred_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                payload={"note": f"{n}"},
            )
            for n in range(5)
        ]
    )
    log.engine.dispose()
    mount = subprocess.run(["mount", "--bind", str(source), str(mounted)], capture_output=True)
    if mount.returncode != 0:
        pytest.skip(f"no bind mount here: {mount.stderr.decode().strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mounted)], check=True, capture_output=True)
        env = {"CCM_DATABASE_URL": f"sqlite:///{mounted / 'eventlog.db'}", "CCM_HOME": str(tmp_path / "home")}
        verified = CliRunner().invoke(cli, ["audit", "verify"], env=env)
        assert verified.exit_code == 0 and "5 rows" in verified.output, verified.output
        listed = CliRunner().invoke(cli, ["audit", "log", "--output", "json"], env=env)
        assert listed.exit_code == 0 and listed.output.count('"system.ping"') == 5, listed.output
    finally:
        subprocess.run(["umount", "--lazy", str(mounted)], check=True)  # the in-process CLI may hold the file
