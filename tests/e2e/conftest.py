"""The CLI against a real dev server and a `ccm worker` process."""

from __future__ import annotations

import uuid
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
    return await new_namespace(dev_env.client, request.module.__name__.rsplit('.', 1)[-1])


@pytest_asyncio.fixture(scope="module")
async def client(dev_env, namespace):
    """A client of the module's own namespace."""
    from temporalio.client import Client

    from runtime.codec import CCM_CONVERTER

    return await Client.connect(dev_env.client.service_client.config.target_host, namespace=namespace,
                                data_converter=CCM_CONVERTER)


@pytest.fixture(scope="module")
def ccm_env(dev_env, namespace, tmp_path_factory) -> dict[str, str]:
    """Environment for `ccm`: the dev server in the module's own namespace, a fresh data
    directory (with the ISU's contacts file, so that letters have an addressee) and task
    queue."""
    home = tmp_path_factory.mktemp("ccm-home")
    write_contacts(home / "contacts.csv")
    return {
        "CCM_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "CCM_NAMESPACE": namespace,
        "CCM_HOME": str(home),
        "CCM_TASK_QUEUE": f"ccm-{uuid.uuid4().hex[:8]}",
    }


@pytest.fixture(scope="module")
def worker(ccm_env):
    log = Path(ccm_env["CCM_HOME"]) / "worker.log"
    proc = start_worker(ccm_env, log)
    yield proc
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def ccm(ccm_env):
    """Run `ccm ARGS…` in-process with the test environment; returns click's result."""
    runner = CliRunner()

    def invoke(*args, env=None):
        return runner.invoke(cli, [str(a) for a in args], env=ccm_env | (env or {}), catch_exceptions=False)

    return invoke
