"""The compose's shape on one machine: three `ccm worker` processes and one drawing worker
on one PostgreSQL event log, each started with the command docker-compose.yml gives it.
A year's chases are started and a statement paying every one is imported while one worker
is killed (SIGKILL, as a machine that dies): nothing is lost or counted twice, and the
chain verifies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from activities.database import open_event_log
from domain.bank import creditor_reference
from domain.schedule import geneva_today
from runtime.devserver import free_port
from tests.conftest import new_namespace, start_worker, wait_for
from tests.letters import write_contacts
from tests.statements import Line, camt053

ROOT = Path(__file__).parents[2]


def compose_service(service: str) -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][service]


def compose_command(service: str, port: int) -> tuple[str, ...]:
    """The service's command in docker-compose.yml, its metrics on a port of this machine."""
    command = compose_service(service)["command"]
    assert command[0] == "ccm" and "--metrics-bind" in command
    return tuple(f"127.0.0.1:{port}" if arg == "0.0.0.0:9464" else arg for arg in command[1:])


@pytest.mark.slow
async def test_three_workers_and_a_drawing_worker_lose_nothing_when_one_is_killed(dev_env, pg_url, tmp_path):
    queue = f"scaled-{uuid.uuid4().hex[:6]}"
    # A namespace of its own: the year's chases of no other test are listed.
    env = {
        "CCM_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "CCM_TASK_QUEUE": queue,
        "CCM_NAMESPACE": await new_namespace(dev_env.client, "scaled"),
        "CCM_DATABASE_URL": pg_url,
        "CCM_HOME": str(tmp_path),
    }
    write_contacts(tmp_path / "contacts.csv")  # every State: every call is drawn as a PDF
    processes = {}
    for name, service in [
        ("worker-1", "worker"),
        ("worker-2", "worker"),
        ("worker-3", "worker"),
        ("letters", "letters"),
    ]:
        processes[name] = start_worker(
            # the service's version (Worker Versioning) as the compose gives it
            env
            | {"CCM_HEARTBEAT_FILE": str(tmp_path / f"{name}.hb")}
            | {"CCM_BUILD_ID": compose_service(service)["environment"]["CCM_BUILD_ID"]},
            tmp_path / f"{name}.log",
            compose_command(service, free_port()),
        )
    ccm = str(Path(sys.executable).parent / "ccm")

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([ccm, *args], env=os.environ | env, capture_output=True, text=True, timeout=timeout)

    year = geneva_today().year + 1
    try:
        # The newest UN scale shipped, whatever year it is: the chases need amounts, not this year's scale.
        from domain.scale import shipped_periods, shipped_scale

        scale = shipped_scale(shipped_periods()[-1][1])
        rates = tmp_path / "scale.csv"
        rates.write_text("state,rate\n" + "".join(f"{a},{r}\n" for a, r in sorted(scale.rates.items())))
        started = run("chase", "start-all", "--year", str(year), "--budget", "1000000", "--scale", str(rates))
        assert started.returncode == 0, started.stderr
        chases = json.loads(run("chase", "status", "--year", str(year), "-o", "json").stdout)
        assert len(chases) >= 100, len(chases)
        statement = tmp_path / "statement.xml"
        lines = [
            Line(f"PAY-{c['state']}", c["amount_due"], geneva_today(), reference=creditor_reference(year, c["state"]))
            for c in chases
        ]
        statement.write_bytes(camt053(lines, statement_id=f"STMT-{queue}"))
        out = open(tmp_path / "import.out", "w")
        importing = subprocess.Popen(
            [ccm, "bank", "import", str(statement)], env=os.environ | env, stdout=out, stderr=subprocess.STDOUT
        )
        # The statement's entries are matched in one transaction, then each chase is sent its
        # receipt: once the first is recorded, and before the last, a worker dies.
        log = open_event_log(pg_url)
        wait_for(lambda: next(log.query(event_type="chase.receipt_recorded"), None), seconds=120)
        processes["worker-1"].send_signal(signal.SIGKILL)
        recorded_at_kill = len(list(log.query(event_type="chase.receipt_recorded")))
        assert importing.poll() is None and recorded_at_kill < len(chases), recorded_at_kill
        assert importing.wait(timeout=300) == 0, (tmp_path / "import.out").read_text()
        assert f"{len(chases)} matched" in (tmp_path / "import.out").read_text()

        def all_paid():
            rows = json.loads(run("chase", "status", "--year", str(year), "-o", "json").stdout)
            return rows if all(r["stage"] == "paid" for r in rows) else None

        paid = wait_for(all_paid, seconds=120)
        # Each chase received its amount once: none lost, none doubled.
        assert {(r["state"], Decimal(r["received"])) for r in paid} == {
            (c["state"], Decimal(c["amount_due"])) for c in chases
        }
        receipts = list(log.query(event_type="chase.receipt_recorded", workflow_prefix=f"chase-{year}-"))
        assert sorted(e.subject for e in receipts) == sorted(c["state"] for c in chases)
        matched = list(log.query(event_type="bank.entry_matched"))
        assert len(matched) == len(chases)
        verified = log.verify()
        assert verified.ok and verified.rows == log.count()
        # The survivors carried on, and the drawing worker drew the letters.
        assert processes["worker-1"].wait(timeout=5) == -signal.SIGKILL
        assert all(p.poll() is None for name, p in processes.items() if name != "worker-1")
        assert len(list((tmp_path / "outbox" / "letters").glob("*.pdf"))) >= 2 * len(chases)
    finally:
        for p in processes.values():
            if p.poll() is None:
                p.terminate()
        for p in processes.values():
            p.wait(timeout=30)
