"""The CLI against a real dev server and a `ccm worker` process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import pytest_asyncio
from click.testing import CliRunner

from cli.main import cli
from tests.conftest import add_search_attributes
from tests.letters import write_contacts


@pytest_asyncio.fixture(scope="module")
async def namespace(dev_env, request) -> str:
    """A Temporal namespace of the test module's own on the shared dev server, with the
    Ccm* search attributes: no module sees another's workflow ids or lists."""
    from google.protobuf.duration_pb2 import Duration
    from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest

    name = f"{request.module.__name__.rsplit('.', 1)[-1]}-{uuid.uuid4().hex[:6]}".replace("_", "-")
    service = dev_env.client.workflow_service
    await service.register_namespace(RegisterNamespaceRequest(
        namespace=name, workflow_execution_retention_period=Duration(seconds=86400)))
    await add_search_attributes(dev_env.client, name)
    return name


@pytest_asyncio.fixture(scope="module")
async def client(dev_env, namespace):
    """A client of the module's own namespace."""
    from temporalio.client import Client
    from temporalio.contrib.pydantic import pydantic_data_converter

    return await Client.connect(dev_env.client.service_client.config.target_host, namespace=namespace,
                                data_converter=pydantic_data_converter)


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


def wait_for(predicate, seconds: float = 15):
    """Poll until `predicate` returns something true (visibility is eventually consistent)."""
    deadline = time.monotonic() + seconds
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s")
        time.sleep(0.3)
    return value


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    out = open(log, "w")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "ccm"), "worker"], env=os.environ | env,
                            stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while "worker polling" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker did not start: {log.read_text()}")
        time.sleep(0.1)
    return proc


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
