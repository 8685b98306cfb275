"""Shared fixtures: Temporal environments from the bundled binaries, event logs on
SQLite and PostgreSQL. Nothing is downloaded at run time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import pytest_asyncio

BIN = Path(sys.executable).parent
# The tests' commands are signed only with keys the tests make: never with the keys of
# whoever runs them (~/.config/ccm/keys).
os.environ["CCM_KEYS_DIR"] = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"ccm-test-keys-{uuid.uuid4().hex[:8]}")
PG_URL = os.environ.get("CCM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        default=os.environ.get("CCM_TEST_CLOCK") or None,
        metavar="MM-DD[THH:MM]",
        help="move each time-skipping server's clock to the next such moment (UTC) before its test: "
        "the workflow tests as they run on that day of the year (`make test-dates`)",
    )


def next_moment(spec: str, now):
    """The first moment after `now` that `spec` (`MM-DD`, or `MM-DDTHH:MM`; UTC) names: 02-29
    is the next leap year's."""
    from datetime import datetime, timezone

    day, _, at = spec.partition("T")
    month, dom = (int(x) for x in day.split("-"))
    hour, minute = (int(x) for x in (at or "09:00").split(":"))
    for year in range(now.year, now.year + 9):
        try:
            moment = datetime(year, month, dom, hour, minute, tzinfo=timezone.utc)
        except ValueError:  # 29 February of a common year
            continue
        if moment > now:
            return moment
    raise ValueError(f"--clock {spec!r} names no day")


def bundled(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else shutil.which(name)


# --- event logs ------------------------------------------------------------------------
@pytest.fixture(scope="session")
def pg_schema():
    """A fresh schema per test run in the `test` database, dropped at the end."""
    from sqlalchemy import create_engine, text

    name = f"ccm_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    yield name
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


def _pg_url(schema: str) -> str:
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_url(pg_schema):
    """An empty PostgreSQL schema of the test's own, as a database URL."""
    from sqlalchemy import create_engine, text

    schema = f"{pg_schema}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield _pg_url(schema)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty event-log database on SQLite and on PostgreSQL (its own schema)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'eventlog.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def event_log(db_url):
    from activities.database import open_event_log

    log = open_event_log(db_url)
    yield log
    log.engine.dispose()


# --- Temporal ----------------------------------------------------------------------------
def _search_attribute_keys():
    from workflows.common import CCM_DUE, CCM_OWNER, CCM_STAGE, CCM_STATE, CCM_THEME, CCM_YEAR

    return [CCM_STATE, CCM_YEAR, CCM_STAGE, CCM_THEME, CCM_OWNER, CCM_DUE]


@pytest_asyncio.fixture
async def time_skipping_env(request):
    """A time-skipping test server of the test's own (a year of reminders runs in seconds).
    One per test: a shared server stops skipping time for good once a test leaves an
    abandoned child workflow behind (seen here), and its clock would carry over. With
    `--clock`, its clock first moves to that day of the year."""
    from temporalio.testing import WorkflowEnvironment

    from runtime.codec import CCM_CONVERTER

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=bundled("temporal-test-server"), data_converter=CCM_CONVERTER
    )
    # Unregistered attributes would fail every workflow task on this server (it just hangs).
    await add_search_attributes(env.client, env.client.namespace)
    if spec := request.config.getoption("--clock"):
        await sleep_until(env, next_moment(spec, await env.get_current_time()))
    yield env
    await env.shutdown()


async def new_namespace(client, prefix: str) -> str:
    """A Temporal namespace of its own (`prefix-xxxxxx`) on a dev server, with the Ccm*
    search attributes: no one else sees its workflow ids or lists."""
    from google.protobuf.duration_pb2 import Duration
    from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest

    name = f"{prefix}-{uuid.uuid4().hex[:6]}".replace("_", "-")
    await client.workflow_service.register_namespace(
        RegisterNamespaceRequest(namespace=name, workflow_execution_retention_period=Duration(seconds=86400))
    )
    await add_search_attributes(client, name)
    return name


async def add_search_attributes(client, namespace: str) -> None:
    """Register the Ccm* search attributes in a namespace."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest

    from workflows.common import SEARCH_ATTRIBUTES

    kinds = {
        "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        "Int": IndexedValueType.INDEXED_VALUE_TYPE_INT,
        "Datetime": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    }
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=namespace, search_attributes={name: kinds[kind] for name, kind in SEARCH_ATTRIBUTES.items()}
        )
    )


async def start_dev_server():
    """A real Temporal dev server from the bundled `temporal` binary, with the Ccm*
    search attributes (nothing is downloaded)."""
    from temporalio.testing import WorkflowEnvironment

    from runtime.codec import CCM_CONVERTER

    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=bundled("temporal"),
        data_converter=CCM_CONVERTER,
        search_attributes=_search_attribute_keys(),
        ui=False,
        dev_server_extra_args=["--log-level", "error"],
    )


@pytest_asyncio.fixture(scope="session")
async def dev_env():
    """One real Temporal dev server for the whole run."""
    env = await start_dev_server()
    yield env
    await env.shutdown()


async def sleep_until(env, moment):
    """Move a time-skipping server's clock to `moment` (it only moves forward)."""
    now = await env.get_current_time()
    if moment > now:
        await env.sleep(moment - now)


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4().hex[:10]}"


async def act(handle, update, arg):
    """Send an update, wait for the letters it asked for (a chase's, drawn beside it), then
    read the full status: updates answer only a small result."""
    import sys

    from workflows.contribution_chase import ContributionChase

    await handle.execute_update(update, arg)
    workflow_class = getattr(sys.modules[update.__module__], update.__qualname__.split(".")[0])
    if workflow_class is ContributionChase:
        await handle.execute_update(ContributionChase.settled)
    return await handle.query(workflow_class.status)


# --- `ccm worker` processes -------------------------------------------------------------
def open_day(day, step: int = 1):
    """`day`, or the first day after it (before it, with `step=-1`) the Committee meets on
    (no weekend, no Geneva or UN Geneva holiday): a test's meeting is set whatever today is."""
    from datetime import timedelta

    from domain.schedule import closed_day

    while closed_day(day):
        day += timedelta(days=step)
    return day


def wait_for(predicate, seconds: float = 15):
    """Poll until `predicate` returns something true (visibility is eventually consistent)."""
    deadline = time.monotonic() + seconds
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s")
        time.sleep(0.3)
    return value


def start_worker(env: dict[str, str], log: Path, args: tuple[str, ...] = ("worker",)) -> subprocess.Popen:
    """`ccm db upgrade` (only it creates a log), then a `ccm worker` process (`ccm *args`),
    once it polls."""
    ccm = str(Path(sys.executable).parent / "ccm")
    upgraded = subprocess.run([ccm, "db", "upgrade"], env=os.environ | env, capture_output=True, text=True)
    if upgraded.returncode != 0:
        raise RuntimeError(f"ccm db upgrade: {upgraded.stderr}")
    out = open(log, "w")
    proc = subprocess.Popen([ccm, *args], env=os.environ | env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while "worker polling" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker did not start: {log.read_text()}")
        time.sleep(0.1)
    return proc


def worker_retrying(env: dict[str, str], log: Path) -> tuple[int, str]:
    """A `ccm worker` (after `ccm db upgrade`) that cannot reach its server: once it says it
    retries, SIGTERM; its exit status and what it said."""
    import signal

    ccm = str(Path(sys.executable).parent / "ccm")
    subprocess.run([ccm, "db", "upgrade"], env=os.environ | env, check=True, capture_output=True)
    with log.open("w") as out:
        proc = subprocess.Popen([ccm, "worker"], env=os.environ | env, stdout=out, stderr=subprocess.STDOUT)
        wait_for(lambda: "retrying" in log.read_text(), seconds=30)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    return proc.returncode, log.read_text()


@pytest.fixture
def worker_on(dev_env, tmp_path):
    """`worker_on(env)`: a `ccm worker` process with `env` (its log, its home) on the dev
    server, in a namespace of its own; the environment a `ccm` command needs to reach it."""
    import asyncio

    started = []

    def start(env: dict[str, str]) -> dict[str, str]:
        env = {
            "CCM_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
            "CCM_NAMESPACE": asyncio.run(new_namespace(dev_env.client, "worker-on")),
            "CCM_TASK_QUEUE": f"tq-{uuid.uuid4().hex[:10]}",
        } | env
        started.append(start_worker(env, tmp_path / f"worker-{len(started)}.log"))
        return env

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(timeout=20)
