"""The server deployment, checked without a Docker engine: the compose file against the
compose specification, the Dockerfile's install and start-up run outside Docker, and
several workers sharing one task queue and one event log."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
import yaml

from activities.database import open_event_log
from tests.conftest import start_worker

ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent


def test_the_compose_file_is_valid_against_the_compose_specification():
    result = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                             str(ROOT / "docker-compose.yml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_compose_file_pins_its_images_scales_workers_and_keeps_secrets_out():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"temporal-db", "temporal", "temporal-setup", "temporal-ui", "eventlog-db", "db-upgrade",
            "worker"} <= set(services)
    for name, service in services.items():
        if "image" in service:
            assert re.search(r":[0-9][\w.-]*$", service["image"]), f"{name} image is not pinned"
    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker  # so --scale worker=3 works
    assert worker["environment"]["CCM_DATABASE_URL"].startswith("postgresql://ccm:${EVENTLOG_DB_PASSWORD")
    assert worker["environment"]["CCM_REQUIRE_SIGNATURES"] == "true"  # shared: commands must be signed
    setup = " ".join(services["temporal-setup"]["command"])
    for attribute in ("CcmState=Keyword", "CcmYear=Int", "CcmStage=Keyword", "CcmDue=Datetime"):
        assert attribute in setup
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER ccm" in dockerfile and 'CMD ["ccm", "worker"]' in dockerfile and "HEALTHCHECK" in dockerfile
    # Letters need no system package: neither the image nor `make demo` installs one.
    assert "apt-get" not in dockerfile
    demo = re.search(r"^demo:(.*)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert "system" not in demo
    assert ".env\n" in (ROOT / ".gitignore").read_text() and (ROOT / ".env.example").exists()
    assert "password" not in (ROOT / "docker-compose.yml").read_text().lower().replace("_password", "")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """`pip install .` as the Dockerfile runs it (not editable), into a folder of its own."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(ROOT)], check=True, capture_output=True)
    return target


@pytest.mark.slow
def test_the_images_install_runs_the_schema_upgrade_and_a_worker(installed, dev_env, pg_url, tmp_path):
    # Run from the installed copy only: the repository must not be on the path.
    env = os.environ | {"PYTHONPATH": str(installed), "CCM_HOME": str(tmp_path),
                        "CCM_DATABASE_URL": pg_url.replace("+psycopg", ""),
                        "CCM_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
                        "CCM_TASK_QUEUE": f"image-{uuid.uuid4().hex[:6]}",
                        "CCM_HEARTBEAT_FILE": str(tmp_path / "hb")}
    ccm = [sys.executable, "-c", "from cli.main import main; main()"]
    where = subprocess.run([*ccm[:2], "import cli; print(cli.__file__)"], env=env, cwd=tmp_path,
                           capture_output=True, text=True)
    assert where.stdout.startswith(str(installed))
    upgrade = subprocess.run([*ccm, "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert upgrade.returncode == 0 and "is at revision 0001" in upgrade.stdout, upgrade.stderr
    log = tmp_path / "worker.log"
    worker = subprocess.Popen([*ccm, "worker"], env=env, cwd=tmp_path, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while "worker polling" not in log.read_text():
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        ping = subprocess.run([*ccm, "ping"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert ping.returncode == 0 and ping.stdout.startswith("pong"), ping.stderr
        health = subprocess.run([*ccm, "health"], env=env, cwd=tmp_path, capture_output=True, text=True)
        assert health.returncode == 0 and health.stdout.startswith("worker alive")
    finally:
        worker.terminate()
        assert worker.wait(timeout=20) == 0


@pytest.mark.slow
def test_two_workers_share_the_task_queue_with_one_event_log_and_an_intact_chain(dev_env, pg_url, tmp_path):
    from temporalio.api.enums.v1 import EventType

    from workflows.ping import Ping

    url = pg_url
    queue = f"shared-{uuid.uuid4().hex[:6]}"
    env = {"CCM_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host, "CCM_TASK_QUEUE": queue,
           "CCM_DATABASE_URL": url, "CCM_HOME": str(tmp_path)}
    # As docker-compose.yml does: the one-shot `db-upgrade` first; a worker never creates a named log.
    upgrade = subprocess.run([sys.executable, "-c", "from cli.main import main; main()", "db", "upgrade"],
                             env=os.environ | env, capture_output=True, text=True)
    assert upgrade.returncode == 0, upgrade.stderr
    workers = [start_worker(env | {"CCM_HEARTBEAT_FILE": str(tmp_path / f"hb{i}")}, tmp_path / f"w{i}.log")
               for i in range(2)]

    async def run_pings(n: int) -> set[str]:
        handles = await asyncio.gather(*(dev_env.client.start_workflow(
            Ping.run, f"ping {i}", id=f"{queue}-{i}", task_queue=queue) for i in range(n)))
        await asyncio.gather(*(h.result() for h in handles))
        identities = set()
        for h in handles:
            async for event in h.fetch_history_events():  # the log is written by a local activity,
                if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:  # inside a workflow task
                    identities.add(event.workflow_task_completed_event_attributes.identity)
        return identities

    try:
        identities = asyncio.run(run_pings(40))
    finally:
        for w in workers:
            w.terminate()
            w.wait(timeout=20)
    assert len(identities) == 2, identities  # both workers took work
    log = open_event_log(url)
    assert log.count() == 40
    assert log.verify().ok and log.verify().rows == 40


def test_the_worker_serves_the_sdk_metrics_for_prometheus(dev_env, tmp_path):
    import urllib.request

    from runtime.devserver import free_port
    from tests.conftest import wait_for

    port = free_port()
    env = {"CCM_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host, "CCM_HOME": str(tmp_path),
           "CCM_TASK_QUEUE": f"metrics-{uuid.uuid4().hex[:6]}"}
    log = tmp_path / "worker.log"
    out = open(log, "w")
    ccm = str(Path(sys.executable).parent / "ccm")
    subprocess.run([ccm, "db", "upgrade"], env=os.environ | env, check=True, capture_output=True)
    from tests.letters import write_contacts

    write_contacts(tmp_path / "contacts.csv", states=["ITA"])
    proc = subprocess.Popen([ccm, "worker", "--metrics-bind", f"0.0.0.0:{port}"],
                            env=os.environ | env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "worker polling" in log.read_text(), seconds=30)
        year = date.today().year + 1
        started = subprocess.run([ccm, "chase", "start", "--state", "ITA", "--year", str(year), "--amount", "100"],
                                 env=os.environ | env, capture_output=True, text=True)
        assert started.returncode == 0, started.stderr
        from domain.bank import creditor_reference
        from tests.statements import Line, camt053

        statement = tmp_path / "statement.xml"
        statement.write_bytes(camt053([Line("M-1", "100", date.today(), reference=creditor_reference(year, "ITA")),
                                       Line("M-2", "37.50", date.today())], statement_id="STMT-METRICS"))
        imported = subprocess.run([ccm, "bank", "import", str(statement)], env=os.environ | env, capture_output=True,
                                  text=True)
        assert imported.returncode == 0 and "1 matched" in imported.stdout, imported.stderr
        def scrape():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                text = r.read().decode()
            return text if "temporal_" in text and "ccm_letters_drawn" in text and "ccm_bank_lines" in text else None

        metrics = wait_for(scrape, seconds=30)
        assert "temporal_worker_task_slots_available" in metrics or "temporal_num_pollers" in metrics, metrics[:500]
        # Parsed as Prometheus parses it; named to its conventions (counters end in _total,
        # durations are in seconds, never milliseconds).
        from prometheus_client.parser import text_string_to_metric_families

        families = list(text_string_to_metric_families(metrics))
        counters = [f.name for f in families if f.type == "counter"]
        assert counters and all(f"{n}_total" in metrics for n in counters), counters
        histograms = [f.name for f in families if f.type == "histogram"]
        assert histograms and all(not n.endswith(("_ms", "_milliseconds")) for n in histograms), histograms
        assert any(n.endswith("_seconds") for n in histograms), histograms
        # ccm's own: the call and the thank-you letter drawn, by kind and language, and the drawing time.
        drawn = next(f for f in families if f.name == "ccm_letters_drawn")
        assert sorted((s.labels["kind"], s.labels["language"], s.value) for s in drawn.samples
                      if s.name.endswith("_total")) == [("call_for_contributions", "en", 1.0), ("thank_you", "en", 1.0)]
        assert "ccm_letter_drawing_seconds" in histograms
        values = {(s.name, tuple(sorted((k, v) for k, v in s.labels.items() if k in ("outcome",)))): s.value
                  for f in families for s in f.samples if s.name.startswith("ccm_")}
        assert values[("ccm_bank_lines_total", (("outcome", "matched"),))] == 1
        assert values[("ccm_bank_lines_total", (("outcome", "unmatched"),))] == 1
        assert values[("ccm_bank_unmatched_chf_total", ())] == 37  # whole francs: a counter counts in integers

    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0


def test_the_commands_role_may_only_read_and_every_write_goes_through_the_worker(dev_env, tmp_path):
    """The compose's reader role, made by deploy/eventlog-reader.sh on a database of its
    own: `ccm` reads the log and hands its writes to the worker, which writes as the owner;
    the reader cannot write a row itself."""
    from sqlalchemy import create_engine, text

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert compose["cli"]["environment"]["CCM_DATABASE_URL"].startswith("postgresql://ccm_reader:")
    assert "./deploy/eventlog-reader.sh:/docker-entrypoint-initdb.d/10-eventlog-reader.sh:ro" in \
        compose["eventlog-db"]["volumes"]

    name = f"ccm_ro_{uuid.uuid4().hex[:8]}"
    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{name}_owner" LOGIN CREATEROLE'))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{name}_owner"'))
    url = "postgresql+psycopg://{}@127.0.0.1:5432/" + name
    try:
        subprocess.run(["sh", str(ROOT / "deploy" / "eventlog-reader.sh")], check=True, capture_output=True,
                       env=os.environ | {"PGHOST": "127.0.0.1", "POSTGRES_USER": f"{name}_owner",
                                         "POSTGRES_DB": name, "CCM_READER_USER": f"{name}_reader"})
        owner = {"CCM_DATABASE_URL": url.format(f"{name}_owner"), "CCM_HOME": str(tmp_path),
                 "CCM_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
                 "CCM_TASK_QUEUE": f"ro-{uuid.uuid4().hex[:6]}"}
        worker = start_worker(owner, tmp_path / "worker.log")
        reader = owner | {"CCM_DATABASE_URL": url.format(f"{name}_reader")}
        ccm = [str(BIN / "ccm")]
        try:
            ledger = tmp_path / "ledger.csv"
            ledger.write_text("state,amount_due,date,amount,reference,budget_line\nDEU,100,2016-03-01,100,DE-1,7c\n")
            imported = subprocess.run([*ccm, "import", "contributions", "--year", "2016", "--file", str(ledger)],
                                      env=os.environ | reader, capture_output=True, text=True, timeout=60)
            assert imported.returncode == 0 and imported.stdout.startswith("2 rows imported"), imported.stderr
            verified = subprocess.run([*ccm, "audit", "verify"], env=os.environ | reader, capture_output=True,
                                      text=True, timeout=60)
            assert verified.returncode == 0 and verified.stdout.startswith("ok: 2 rows"), verified.stderr
        finally:
            worker.terminate()
            worker.wait(timeout=20)
        with create_engine(url.format(f"{name}_reader")).connect() as conn:
            with pytest.raises(Exception, match="permission denied for table events"):
                conn.execute(text("INSERT INTO events (seq) VALUES (99)"))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}_reader"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}_owner"'))
        admin.dispose()
