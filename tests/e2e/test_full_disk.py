"""The event log on a full disk: the probe's `ccm import contributions` waited with no word
while `ccm doctor` said nothing was stuck. The log here lives on a small file system of its
own (a tmpfs, mounted as root), filled once the worker runs; the command then says in one
line why it is not written, `ccm doctor` lists the activity retrying, and once there is room
again the same request id finds it written, once."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest

from domain.schedule import geneva_today
from tests.conftest import start_worker, wait_for
from tests.letters import write_contacts

LAST_YEAR = geneva_today().year - 1


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory):
    where = tmp_path_factory.mktemp("small-disk")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(where)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"a small file system cannot be mounted here: {mounted.stderr.decode().strip()}")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture(scope="module")
def disk_env(ccm_env, small_disk):
    home = small_disk / "home"
    home.mkdir()
    write_contacts(home / "contacts.csv")
    return ccm_env | {"CCM_HOME": str(home), "CCM_WRITE_WAIT": "15"}


@pytest.fixture(scope="module")
def metrics_port():
    from runtime.devserver import free_port

    return free_port()


@pytest.fixture(scope="module")
def disk_worker(disk_env, tmp_path_factory, metrics_port):
    proc = start_worker(
        disk_env,
        tmp_path_factory.mktemp("logs") / "worker.log",
        ("worker", "--metrics-bind", f"127.0.0.1:{metrics_port}"),
    )
    yield proc
    proc.terminate()
    proc.wait(timeout=20)


def fill(folder) -> None:
    with open(folder / "filler", "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass


def failed_attempts(port: int) -> float:
    """The SDK's count of failed attempts of `record_command` on the worker's metrics page."""
    import urllib.request

    from prometheus_client.parser import text_string_to_metric_families

    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name.startswith("temporal_activity_execution_failed") and s.labels.get("activity_type") == "record_command"
    )


@pytest.mark.timeout(420)
def test_a_write_on_a_full_disk_is_said_in_one_line_listed_by_doctor_and_written_once_there_is_room(
    disk_env, disk_worker, ccm, small_disk, tmp_path, metrics_port
):
    from domain.cycle import billed
    from domain.states import registry

    # Rows enough to need more room than the log's write-ahead file keeps from before (a
    # few rows could be written into its free pages, full disk or not).
    states = [s.alpha3 for s in registry() if billed(s, LAST_YEAR, "any-day")]
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "state,amount_due,date,amount,reference,budget_line\n"
        + "".join(f"{s},1000,{LAST_YEAR}-03-01,1000,REF-{s}-{'x' * 200},7a\n" for s in states)
    )
    request = f"ledger-{uuid.uuid4().hex[:6]}"
    command = ["--request-id", request, "import", "contributions", "--year", LAST_YEAR, "--file", ledger]
    fill(small_disk)
    try:
        stuck = ccm(*command, env=disk_env)
        assert stuck.exit_code == 1
        lines = stuck.stderr.strip().splitlines()
        assert len(lines) == 1 and "is not written after 15 s (attempt " in lines[0], stuck.output
        assert ("full" in lines[0] or "disk I/O" in lines[0]) and "`ccm doctor` shows it" in lines[0]
        doctor = wait_for(
            lambda: (
                (r := ccm("doctor", "--attempts", "2", "--output", "json", env=disk_env)).exit_code == 1
                and [f for f in json.loads(r.stdout) if f["what"] == "activity retrying"]
            ),
            seconds=60,
        )
        assert "record_command" in doctor[0]["details"]
        # Within the minute, on the worker's metrics page too (what an alert reads).
        assert failed_attempts(metrics_port) >= 2
    finally:
        (small_disk / "filler").unlink()
    # The worker's retries back off to a minute apart (and a busy machine adds to it).
    done = wait_for(lambda: (r := ccm(*command, env=disk_env)).exit_code == 0 and r, seconds=240)
    assert done.stdout.startswith(f"{2 * len(states)} rows imported from ") and ", 0 already there" in done.stdout, (
        done.stdout
    )
    from activities.database import open_event_log

    log = open_event_log(f"sqlite:///{disk_env['CCM_HOME']}/eventlog.db", create=False)
    assert len(list(log.query(event_type="chase.receipt_imported"))) == len(states) and log.verify().ok
