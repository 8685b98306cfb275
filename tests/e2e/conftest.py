"""The CLI against a real dev server and `ccm worker` processes, in one of two
configurations (`CCM_TEST_CONFIG`):

- `embedded` (the default): one worker, the log in SQLite under CCM_HOME, no signatures;
- `deployed`: as the compose runs it (`make test-deployed`): the log on PostgreSQL, written
  by its owner (the workers) and read by the CLI on the read-only reader role made by
  `deploy/eventlog-reader.sh`; signatures required, an administrator's key the root of trust,
  a key registered for each office the tests act as; a workflows worker and a letters worker
  (`ccm worker --serves workflows|letters`), the ISU's key signing checkpoints and rows.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import pytest_asyncio
from click.testing import CliRunner

from cli.main import cli
from tests.conftest import new_namespace, start_worker
from tests.letters import write_contacts


@pytest_asyncio.fixture(scope="module")
async def namespace(dev_env, request) -> str:
    """A Temporal namespace of the test module's own on the shared dev server, with the
    Ccm* search attributes: no module sees another's workflow ids or lists."""
    return await new_namespace(dev_env.client, request.module.__name__.rsplit(".", 1)[-1])


@pytest_asyncio.fixture(scope="module")
async def client(dev_env, namespace):
    """A client of the module's own namespace."""
    from temporalio.client import Client

    from runtime.codec import CCM_CONVERTER

    return await Client.connect(
        dev_env.client.service_client.config.target_host, namespace=namespace, data_converter=CCM_CONVERTER
    )


DEPLOYED = os.environ.get("CCM_TEST_CONFIG", "embedded") == "deployed"
ROOT = Path(__file__).parents[2]
POSTGRES = "postgresql+psycopg://{}@127.0.0.1:5432/{}"
# The offices the tests act as, each with a key of its holder registered where signatures
# are required (a State's office acts for it: its mission's key).
OFFICES = {
    "isu": "Sheila Mweemba",
    "president": "Michael Biontino",
    "ITA": "Silvia Cattaneo",
    "NZL": "Mission of New Zealand",
    "DEU": "Mission of Germany",
    "ZMB": "Mission of Zambia",
    "NOR": "Mission of Norway",
    "CHL": "Mission of Chile",
    "FRA": "Mission of France",
    "HRV": "Mission of Croatia",
    "CRI": "Mission of Costa Rica",
    "PER": "Mission of Peru",
    "SMR": "Mission of San Marino",
    "coordinator:general-status": "Aline Berdoz",
    "ICRC": "ICRC delegate",
    "CMC": "Cluster Munition Coalition",
    "member": "A member of the Committee",
}


@pytest.fixture(scope="module")
def ccm_env(dev_env, namespace, tmp_path_factory):
    """Environment for `ccm`: the dev server in the module's own namespace, a fresh data
    directory (with the ISU's contacts file, so that letters have an addressee) and task
    queue; in the deployed configuration, the module's own PostgreSQL log and keys."""
    home = tmp_path_factory.mktemp("ccm-home")
    write_contacts(home / "contacts.csv")
    env = {
        "CCM_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "CCM_NAMESPACE": namespace,
        "CCM_HOME": str(home),
        "CCM_TASK_QUEUE": f"ccm-{uuid.uuid4().hex[:8]}",
        # Who signs the President's letters where the key registry names no holder (a setting).
        "CCM_PRESIDENT_NAME": "Michael Biontino",
    }
    if not DEPLOYED:
        yield env
        return
    database = postgres_log(namespace.replace("-", "_"))
    keys, admin = tmp_path_factory.mktemp("keys"), tmp_path_factory.mktemp("admin-key")
    admin_pem, admin_public = _new_key(env, admin, "Administrator@isu")
    for office, holder in OFFICES.items():
        _new_key(env | {"CCM_KEYS_DIR": str(keys)}, keys, f"{holder}@{office}")
    isu_pem = next(p for p in keys.glob("*.json") if '"office": "isu"' in p.read_text()).with_suffix(".pem")
    yield env | {
        "CCM_DATABASE_URL": POSTGRES.format(database + "_reader", database),
        "CCM_TEST_OWNER_URL": POSTGRES.format(database + "_owner", database),
        "CCM_REQUIRE_SIGNATURES": "true",
        "CCM_ADMIN_KEYS": admin_public,
        "CCM_KEYS_DIR": str(keys),
        "CCM_TEST_ADMIN_PEM": str(admin_pem),
        "CCM_CHECKPOINT_KEY": str(isu_pem),
    }
    drop_postgres_log(database)


def postgres_log(name: str) -> str:
    """A database of its own for a module's log, its owner role and its reader role (made
    by the compose's own script); dropped once the module is done (`drop_postgres_log`)."""
    from sqlalchemy import create_engine, text

    name = f"e2e_{name}"[:50]
    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{name}_owner" LOGIN CREATEROLE'))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{name}_owner"'))
    admin.dispose()
    subprocess.run(
        ["sh", str(ROOT / "deploy" / "eventlog-reader.sh")],
        check=True,
        capture_output=True,
        env=os.environ
        | {
            "PGHOST": "127.0.0.1",
            "PGUSER": "postgres",
            "POSTGRES_USER": f"{name}_owner",
            "POSTGRES_DB": name,
            "CCM_READER_USER": f"{name}_reader",
        },
    )
    return name


def drop_postgres_log(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        for role in ("reader", "owner"):
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}_{role}"'))
    admin.dispose()


def _new_key(env: dict, folder: Path, holder: str) -> tuple[Path, str]:
    """(PEM file, base64 public key) of a key `ccm keys new` made in `folder`."""
    out = CliRunner().invoke(cli, ["keys", "new", "--as", holder], env=env | {"CCM_KEYS_DIR": str(folder)})
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    return Path(lines[0].split()[-1]), lines[1].rsplit(" ", 1)[1]


def event_log(env: dict):
    """The module's event log, as its owner (the worker) holds it."""
    from activities.database import open_event_log

    return open_event_log(env.get("CCM_TEST_OWNER_URL") or f"sqlite:///{env['CCM_HOME']}/eventlog.db")


@pytest.fixture(scope="module")
def worker(ccm_env):
    """The module's worker: one `ccm worker`, or, deployed, a workflows worker and a
    letters worker writing as the log's owner, with every office's key registered by the
    administrator through them."""
    home = Path(ccm_env["CCM_HOME"])
    if not DEPLOYED:
        procs = [start_worker(ccm_env, home / "worker.log")]
    else:
        owner = ccm_env | {"CCM_DATABASE_URL": ccm_env["CCM_TEST_OWNER_URL"]}
        procs = [
            start_worker(owner, home / "worker.log", ("worker", "--serves", "workflows")),
            start_worker(owner, home / "letters.log", ("worker", "--serves", "letters")),
        ]
        register_keys(ccm_env)
    yield procs[0]
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=20)


def register_keys(env: dict) -> None:
    """Each office's key registered by the administrator, from yesterday for a year: the
    ISU's with `ccm keys register`, as a person does; the others in one recorded command
    signed by the administrator (the same statements and check, one run instead of sixteen)."""
    import asyncio
    import json

    from domain.process import Acting
    from domain.schedule import geneva_today
    from runtime.temporal import connect
    from services.commands import record
    from services.settings import Settings

    today = geneva_today()
    start, end = today - timedelta(days=1), today + timedelta(days=365)
    metas = sorted(Path(env["CCM_KEYS_DIR"]).glob("*.json"))
    isu = next(m for m in metas if json.loads(m.read_text())["office"] == "isu")
    out = CliRunner().invoke(
        cli,
        [
            "keys",
            "register",
            str(isu),
            "--office",
            "isu",
            "--from",
            str(start),
            "--until",
            str(end),
            "--admin-key",
            env["CCM_TEST_ADMIN_PEM"],
        ],
        env=env,
    )
    assert out.exit_code == 0, out.output
    events, admin = [], None
    for meta in (m for m in metas if m != isu):
        key = json.loads(meta.read_text())
        event, admin = key_statement(
            "key.registered",
            meta.with_suffix(".pem"),
            Path(env["CCM_TEST_ADMIN_PEM"]),
            holder=key["holder"],
            office=key["office"],
            valid_from=start,
            valid_until=end,
        )
        events.append(event)

    async def hand_over():
        settings = Settings(
            temporal_address=env["CCM_TEMPORAL_ADDRESS"],
            namespace=env["CCM_NAMESPACE"],
            task_queue=env["CCM_TASK_QUEUE"],
        )
        client = await connect(settings)
        return await record(
            client, settings.task_queue, "register_key", events, Acting(actor="Administrator", office="isu"), key=admin
        )

    assert asyncio.run(hand_over()).written == len(events)


@pytest.fixture
def ccm(ccm_env):
    """Run `ccm ARGS…` in-process with the test environment; returns click's result."""
    runner = CliRunner()

    def invoke(*args, env=None):
        return runner.invoke(cli, [str(a) for a in args], env=ccm_env | (env or {}), catch_exceptions=False)

    return invoke


def key_statement(event_type: str, pem: Path, admin_pem: Path, **fields):
    """A key registered (or revoked) by the administrator, as `ccm keys register` makes it."""
    from activities.trust import load_private_key
    from domain.process import Acting
    from domain.signatures import KeyRegistration, KeyRevocation, b64, fingerprint, public_bytes, sign
    from services.keystore import key_statement_event

    admin = load_private_key(admin_pem)
    raw = public_bytes(load_private_key(pem))
    fp = fingerprint(raw)
    if event_type == "key.registered":
        statement = KeyRegistration(
            fingerprint=fp,
            public_key=b64(raw),
            registered_at=datetime.now(timezone.utc),
            admin=fingerprint(public_bytes(admin)),
            **fields,
        )
        key = f"registered/{fp}/{statement.office}/{statement.valid_from}"
    else:
        statement = KeyRevocation(
            fingerprint=fp, revoked_at=datetime.now(timezone.utc), admin=fingerprint(public_bytes(admin)), **fields
        )
        key = f"revoked/{fp}"
    statement.admin_signature = sign(admin, statement.message())
    by = Acting(actor="Administrator", office="isu")
    return key_statement_event(event_type, fp, statement.model_dump(mode="json"), key, by), admin
