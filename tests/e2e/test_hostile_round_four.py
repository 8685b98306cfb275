"""The probe's fourth round of hostile inputs: each is refused in one line where it enters,
or handled right, and nothing is half-written."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from cli.common import years_from
from domain.schedule import geneva_today
from tests.conftest import open_day
from tests.e2e.conftest import event_log

TODAY = geneva_today()
CCM = str(Path(sys.executable).parent / "ccm")


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def test_a_venue_that_would_write_lines_into_the_calendar_file_is_refused(ccm, worker, ccm_env):
    day = open_day(TODAY + timedelta(days=30))
    venue = "Palais des Nations\r\nATTENDEE:mailto:intruder@example.org"
    result = ccm("meeting", "schedule", "--date", day, "--venue", venue)
    assert result.exit_code == 2 and "U+000D" in one_line(result)
    assert not list(event_log(ccm_env).query(event_type="meeting.scheduled"))


@pytest.mark.parametrize(
    "day, start, said",
    [
        (date(2027, 3, 28), "02:30", "Geneva has no 02:30 on 2027-03-28"),
        (date(2027, 10, 31), "02:30", "02:30 on 2027-10-31 happens twice in Geneva"),
    ],
)
def test_a_meeting_at_a_time_geneva_does_not_have_or_has_twice_is_refused(ccm, worker, day, start, said):
    result = ccm(
        "meeting", "schedule", "--date", day, "--start", start, "--end", "04:00", "--venue", "Geneva",
        "--allow-holiday",
    )  # fmt: skip
    assert result.exit_code == 1 and said in one_line(result), result.output


def test_five_years_from_today_is_to_the_day(ccm, worker):
    last = years_from(TODAY, 5)
    late = ccm("task", "add", "--owner", "NOR", "--text", "x", "--due", last + timedelta(days=1))
    assert late.exit_code == 2 and "5 years from today" in one_line(late)
    fine = ccm("task", "add", "--owner", "NOR", "--text", "x", "--due", last)
    assert fine.exit_code == 0, fine.output
    assert years_from(date(2028, 2, 29), 5) == date(2033, 2, 28)


@pytest.mark.parametrize(
    "command, content, said",
    [
        (
            ["import", "contributions", "--year", "2015", "--file"],
            "state,amount_due,date,amount,reference,budget_line\nITA,100,2015-03-01,100,TRF\u202e99,7a\n",
            "line 2, reference: holds the character U+202E",
        ),
        (
            ["import", "obligations", "--file"],
            "state,kind,period,submitted_on,reference\nNOR,art7-annual,2015,2016-04-29,A7\u0007NOR\n",
            "line 2, reference: holds the character U+0007",
        ),
    ],
)
def test_a_reference_holding_a_control_or_bidi_character_is_refused_with_its_line(
    ccm, worker, ccm_env, tmp_path, command, content, said
):
    path = tmp_path / "file.csv"
    path.write_text(content, encoding="utf-8")
    rows = event_log(ccm_env).count()
    result = ccm(*command, path)
    assert result.exit_code == 1 and said in result.stderr, result.output
    assert event_log(ccm_env).count() == rows


def test_an_outbox_file_naming_a_row_that_is_no_message_is_not_listed(ccm, worker, ccm_env):
    assert ccm("chase", "start", "--state", "ISL", "--year", TODAY.year + 1, "--amount", "100").exit_code == 0
    received = ccm("chase", "receive", "--state", "ISL", "--year", TODAY.year + 1, "--amount", "10")
    assert received.exit_code == 0, received.output
    row = next(event_log(ccm_env).query(event_type="chase.receipt_recorded"))
    forged = Path(ccm_env["CCM_HOME"]) / "outbox" / "new" / "forged.eml"
    forged.parent.mkdir(parents=True, exist_ok=True)
    forged.write_text(f"X-CCM-Event-Key: {row.idempotency_key}\nSubject: x\n\nbody\n")
    try:
        listed = ccm("outbox", "list", "-o", "json")
        assert listed.exit_code == 0, listed.output
        assert row.idempotency_key not in listed.stdout
    finally:
        forged.unlink()


def test_a_data_directory_the_system_will_not_write_is_one_line(ccm, worker, ccm_env):
    """/sys refuses a new folder (EPERM) as a read-only file system refuses one (EROFS)."""
    assert ccm("chase", "start", "--state", "LUX", "--year", TODAY.year, "--amount", "100").exit_code == 0
    env = {"CCM_HOME": "/sys/kernel/ccm-home", "CCM_DATABASE_URL": ccm_env.get("CCM_DATABASE_URL") or ""}
    if not env["CCM_DATABASE_URL"]:
        env["CCM_DATABASE_URL"] = f"sqlite:///{Path(ccm_env['CCM_HOME']) / 'eventlog.db'}"
    result = ccm("report", "publish", "--year", TODAY.year, env=env)
    assert result.exit_code == 1 and "/sys/kernel/ccm-home" in one_line(result), result.output


def test_a_worker_whose_home_the_system_will_not_write_says_so_in_one_line(tmp_path):
    """`ccm worker` with CCM_HOME where no folder can be made (its outbox, its heartbeat),
    the log itself elsewhere and sound: one line naming the folder, exit 1, no traceback."""
    home = tmp_path / "home"
    assert subprocess.run([CCM, "db", "upgrade"], env=os.environ | {"CCM_HOME": str(home)}).returncode == 0
    env = os.environ | {"CCM_HOME": "/sys/kernel/ccm-home", "CCM_DATABASE_URL": f"sqlite:///{home / 'eventlog.db'}"}
    result = subprocess.run([CCM, "worker"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stderr == "Error: /sys/kernel/ccm-home: Operation not permitted\n"


def test_a_metrics_port_in_use_is_one_line(ccm_env, tmp_path):
    import socket

    home = tmp_path / "home"
    env = os.environ | {"CCM_HOME": str(home)}
    assert subprocess.run([CCM, "db", "upgrade"], env=env, capture_output=True).returncode == 0
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = subprocess.run(
            [CCM, "worker", "--metrics-bind", f"127.0.0.1:{port}"], env=env, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 1, result.stderr
    assert (
        result.stderr.strip()
        == f"Error: cannot serve metrics on 127.0.0.1:{port}: Address already in use (os error 98)"
    )


def test_a_meeting_adopts_its_agenda_once_and_it_is_printed_as_adopted(ccm, worker, ccm_env, tmp_path):
    held = open_day(TODAY - timedelta(days=12), step=-1)
    assert ccm("meeting", "schedule", "--date", held, "--venue", "Permanent Mission of Germany").exit_code == 0
    adopted = tmp_path / "adopted.txt"
    adopted.write_text("1. Opening remarks by the President\n2) Adoption of the agenda\n   Universalization\n")
    first = ccm("meeting", "agenda-adopted", "--meeting", held, "--file", adopted)
    assert first.exit_code == 0, first.output
    printed = ccm("meeting", "agenda", "--meeting", held).stdout
    assert "Agenda as adopted" in printed and "Draft agenda" not in printed, printed
    assert "1. Opening remarks by the President" in printed and "1. 1." not in printed
    assert "2. Adoption of the agenda" in printed and "   - Universalization" in printed
    again = ccm("meeting", "agenda-adopted", "--meeting", held, "--file", adopted)  # the same: nothing new
    assert again.exit_code == 0, again.output
    other = tmp_path / "other.txt"
    other.write_text("Something else\n")
    refused = ccm("meeting", "agenda-adopted", "--meeting", held, "--file", other)
    assert refused.exit_code == 1 and "adopts its agenda once" in one_line(refused)
    rows = [e for e in event_log(ccm_env).query(event_type="meeting.agenda_adopted")]
    assert len(rows) == 1 and rows[0].payload["items"][0]["title"] == "Opening remarks by the President"


def test_a_checkpoint_whose_time_names_no_zone_is_refused_in_one_line(ccm, worker, tmp_path):
    """It ended in a TypeError (a naive time against an aware one)."""
    import json

    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps({"seq": 1, "head": "0" * 64, "at": "2026-12-01T09:00:00", "fingerprint": "x"}))
    result = ccm("audit", "verify", "--checkpoint", path)
    assert result.exit_code == 1, result.output
    assert "is not a checkpoint: at: Input should have timezone info" in one_line(result)


def test_an_import_says_which_log_the_worker_wrote_when_it_is_not_the_one_read(ccm, worker, ccm_env, tmp_path):
    """CCM_HOME naming a copy of the log while the worker writes the live one: the rows go
    where the worker writes (the log's one writer), and the command says so."""
    from activities.database import open_event_log
    from domain.events import NewEvent

    # A copy of the worker's log (the embedded SQLite file, or the compose's PostgreSQL),
    # its rows and so its key registry, in a SQLite file of its own.
    url = ccm_env.get("CCM_DATABASE_URL") or f"sqlite:///{Path(ccm_env['CCM_HOME']) / 'eventlog.db'}"
    live = open_event_log(url, upgrade_schema=False, create=False)
    copy = tmp_path / "copy"
    copy.mkdir()
    open_event_log(f"sqlite:///{copy / 'eventlog.db'}", create=True).append_all(
        [NewEvent.model_validate(ev.model_dump(include=set(NewEvent.model_fields))) for ev in live.query()]
    )
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("state,amount_due,date,amount,reference,budget_line\nNZL,500,2014-05-01,500,NZ-14,7a\n")
    env = {"CCM_HOME": str(copy), "CCM_DATABASE_URL": f"sqlite:///{copy / 'eventlog.db'}"}
    result = ccm("import", "contributions", "--year", 2014, "--file", ledger, env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("2 rows imported")
    assert "the worker wrote them to the event log at " in result.stderr, result.stderr
    assert str(copy / "eventlog.db") in result.stderr
    same = ccm("import", "contributions", "--year", 2014, "--file", ledger)
    assert same.exit_code == 0 and "note:" not in same.stderr and "2 already there" in same.stdout
