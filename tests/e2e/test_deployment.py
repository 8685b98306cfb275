"""The server deployment, checked without a Docker engine: the compose file against the
compose specification, the Dockerfile's install and start-up run outside Docker, and
several workers sharing one task queue and one event log."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from activities.database import open_event_log
from tests.conftest import start_worker

ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent


def test_the_compose_file_is_valid_against_the_compose_specification():
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_compose_file_pins_its_images_scales_workers_and_keeps_secrets_out():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {
        "temporal-db",
        "temporal-schema",
        "temporal",
        "temporal-setup",
        "temporal-ui",
        "eventlog-db",
        "db-upgrade",
        "worker",
        "letters",
        "prometheus",
        "grafana",
    } <= set(services)
    for name, service in services.items():
        if "image" in service:
            assert re.search(r":v?[0-9][\w.-]*$", service["image"]), f"{name} image is not pinned"
    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker  # so --scale worker=3 works
    assert worker["environment"]["CCM_DATABASE_URL"].startswith("postgresql://ccm:${EVENTLOG_DB_PASSWORD")
    assert worker["environment"]["CCM_REQUIRE_SIGNATURES"] == "true"  # shared: commands must be signed
    # Temporal's schema is set up by admin-tools' SQL tool before the server starts (no auto-setup).
    assert "auto-setup" not in (ROOT / "docker-compose.yml").read_text()
    assert services["temporal"]["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"
    assert "temporal-sql-tool --plugin postgres12" in (ROOT / "deploy/temporal/setup-schema.sh").read_text()
    for script in (ROOT / "deploy").rglob("*.sh"):  # what can be checked of scripts run only in the images
        checked = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER ccm" in dockerfile and 'CMD ["ccm", "worker"]' in dockerfile and "HEALTHCHECK" in dockerfile
    # Letters need no system package: neither the image nor `make demo` installs one.
    assert "apt-get" not in dockerfile
    demo = re.search(r"^demo:(.*)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert "system" not in demo
    assert ".env\n" in (ROOT / ".gitignore").read_text() and (ROOT / ".env.example").exists()
    assert "password" not in (ROOT / "docker-compose.yml").read_text().lower().replace("_password", "")


def _images() -> dict[str, str]:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return {name: service["image"] for name, service in services.items() if "image" in service}


def test_the_compose_deploys_the_versions_the_tests_run():
    """Temporal's server, UI and admin tools at the versions of the dev server every test
    runs on; PostgreSQL at the version of the server the event-log tests run on; Prometheus
    at the version that checks the rules and scrapes a worker in the tests."""
    from sqlalchemy import create_engine, text

    from tests.conftest import bundled

    said = subprocess.run([bundled("temporal"), "--version"], capture_output=True, text=True, check=True).stdout
    server, ui = re.search(r"\(Server ([\d.]+), UI ([\d.]+)\)", said).groups()
    images = _images()
    assert images["temporal"] == f"temporalio/server:{server}"
    assert images["temporal-schema"] == images["temporal-setup"] == f"temporalio/admin-tools:{server}"
    assert images["temporal-ui"] == f"temporalio/ui:{ui}"
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    with engine.connect() as conn:
        postgres = conn.execute(text("SHOW server_version")).scalar_one().split()[0]
    engine.dispose()
    # The same major version (its on-disk format and SQL); minor releases are bug and security
    # fixes, which this machine takes from Debian as they come: the compose pins one.
    assert images["eventlog-db"] == images["temporal-db"]
    assert re.fullmatch(rf"postgres:{postgres.split('.')[0]}\.\d+-bookworm", images["eventlog-db"]), postgres
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        pytest.skip("Debian's prometheus is not installed (make prometheus): its version is not checked")
    said = subprocess.run([prometheus, "--version"], capture_output=True, text=True).stdout
    assert images["prometheus"] == "prom/prometheus:v" + re.search(r"version ([\d.]+)", said).group(1)


def test_the_image_installs_the_locked_packages_on_the_python_the_tests_run():
    """requirements.lock pins every package; the tests run with exactly those versions,
    and the Dockerfile installs them on the same Python, in both its stages."""
    import importlib.metadata
    import platform
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.findall(r"^FROM (\S+)", dockerfile, re.M) == [f"python:{platform.python_version()}-slim-bookworm"] * 2
    # The wheel is built with the locked build tools, and installed with the locked packages
    # (tests/e2e/test_release.py installs it by the same command).
    assert "COPY pyproject.toml README.md CHANGELOG.md requirements.lock ./" in dockerfile
    assert "pip install -c requirements.lock build" in dockerfile
    assert "pip install -c /tmp/requirements.lock /tmp/ccm_workflows-" in dockerfile
    lock = dict(
        line.split("==")
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line and not line.startswith("#")
    )
    lock = {canonicalize_name(name): version for name, version in lock.items()}
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}
    differ = {name: (version, installed.get(name)) for name, version in lock.items() if installed.get(name) != version}
    assert not differ, f"installed differs from requirements.lock (make install): {differ}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    assert {canonicalize_name(Requirement(r).name) for r in wanted} <= set(lock)


def test_the_namespace_setup_runs_against_a_real_server_and_again_changes_nothing(dev_env):
    """deploy/temporal/setup-namespace.sh, as the compose's temporal-setup runs it, with the
    temporal CLI of the dev server (admin-tools' own is not on this machine)."""
    from tests.conftest import bundled

    namespace = f"setup-{uuid.uuid4().hex[:6]}"
    env = os.environ | {
        "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "CCM_NAMESPACE": namespace,
        "PATH": f"{Path(bundled('temporal')).parent}{os.pathsep}{os.environ['PATH']}",
    }
    script = str(ROOT / "deploy" / "temporal" / "setup-namespace.sh")
    first = subprocess.run(["sh", script], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0 and f"namespace {namespace} ready" in first.stdout, first.stderr
    again = subprocess.run(["sh", "-x", script], env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "namespace create" not in again.stderr and "search-attribute create" not in again.stderr
    listed = subprocess.run(
        [bundled("temporal"), "operator", "search-attribute", "list", "--namespace", namespace],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in ("CcmState", "CcmYear", "CcmStage", "CcmTheme", "CcmOwner", "CcmDue"):
        assert name in listed


@pytest.mark.slow
def test_two_workers_share_the_task_queue_with_one_event_log_and_an_intact_chain(dev_env, pg_url, tmp_path):
    from temporalio.api.enums.v1 import EventType

    from workflows.ping import Ping

    url = pg_url
    queue = f"shared-{uuid.uuid4().hex[:6]}"
    env = {
        "CCM_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "CCM_TASK_QUEUE": queue,
        "CCM_DATABASE_URL": url,
        "CCM_HOME": str(tmp_path),
    }
    # As docker-compose.yml does: the one-shot `db-upgrade` first; a worker never creates a named log.
    upgrade = subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", "db", "upgrade"],
        env=os.environ | env,
        capture_output=True,
        text=True,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    workers = [
        start_worker(env | {"CCM_HEARTBEAT_FILE": str(tmp_path / f"hb{i}")}, tmp_path / f"w{i}.log") for i in range(2)
    ]

    async def run_pings(n: int) -> set[str]:
        handles = await asyncio.gather(
            *(
                dev_env.client.start_workflow(Ping.run, f"ping {i}", id=f"{queue}-{i}", task_queue=queue)
                for i in range(n)
            )
        )
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


def test_the_commands_role_may_only_read_and_every_write_goes_through_the_worker(dev_env, tmp_path):
    """The compose's reader role, made by deploy/eventlog-reader.sh on a database of its
    own: `ccm` reads the log and hands its writes to the worker, which writes as the owner;
    the reader cannot write a row itself."""
    from sqlalchemy import create_engine, text

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert compose["cli"]["environment"]["CCM_DATABASE_URL"].startswith("postgresql://ccm_reader:")
    assert (
        "./deploy/eventlog-reader.sh:/docker-entrypoint-initdb.d/10-eventlog-reader.sh:ro"
        in compose["eventlog-db"]["volumes"]
    )

    name = f"ccm_ro_{uuid.uuid4().hex[:8]}"
    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{name}_owner" LOGIN CREATEROLE'))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{name}_owner"'))
    url = "postgresql+psycopg://{}@127.0.0.1:5432/" + name
    try:
        subprocess.run(
            ["sh", str(ROOT / "deploy" / "eventlog-reader.sh")],
            check=True,
            capture_output=True,
            env=os.environ
            | {
                "PGHOST": "127.0.0.1",
                "POSTGRES_USER": f"{name}_owner",
                "POSTGRES_DB": name,
                "CCM_READER_USER": f"{name}_reader",
            },
        )
        owner = {
            "CCM_DATABASE_URL": url.format(f"{name}_owner"),
            "CCM_HOME": str(tmp_path),
            "CCM_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
            "CCM_TASK_QUEUE": f"ro-{uuid.uuid4().hex[:6]}",
        }
        worker = start_worker(owner, tmp_path / "worker.log")
        reader = owner | {"CCM_DATABASE_URL": url.format(f"{name}_reader")}
        ccm = [str(BIN / "ccm")]
        try:
            ledger = tmp_path / "ledger.csv"
            ledger.write_text("state,amount_due,date,amount,reference,budget_line\nDEU,100,2016-03-01,100,DE-1,7c\n")
            imported = subprocess.run(
                [*ccm, "import", "contributions", "--year", "2016", "--file", str(ledger)],
                env=os.environ | reader,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert imported.returncode == 0 and imported.stdout.startswith("2 rows imported"), imported.stderr
            verified = subprocess.run(
                [*ccm, "audit", "verify"], env=os.environ | reader, capture_output=True, text=True, timeout=60
            )
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
