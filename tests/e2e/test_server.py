"""The embedded server (`ccm server start-dev`, `ccm up`) and the worker's lifecycle."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from runtime import devserver
from services.settings import Settings
from tests.conftest import wait_for, worker_retrying

CCM = str(Path(sys.executable).parent / "ccm")


def test_a_port_already_in_use_is_one_clear_error(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            cli, ["server", "start-dev", "--port", str(port), "--headless"], env={"CCM_HOME": str(tmp_path)}
        )
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: port {port} (--port) is already in use: choose another with --port")


@pytest.mark.slow
def test_the_embedded_server_keeps_its_data_across_a_restart(tmp_path):
    from runtime.temporal import connect

    port = devserver.free_port()
    settings = Settings(home=tmp_path, temporal_address=f"127.0.0.1:{port}")

    async def start_and_describe(workflow_id, start):
        from temporalio.common import SearchAttributePair, TypedSearchAttributes

        from workflows.common import CCM_STAGE

        client = await connect(settings)
        if start:  # nobody polls this queue: the workflow just stays open
            await client.start_workflow(
                "Nothing",
                id=workflow_id,
                task_queue="nobody",
                search_attributes=TypedSearchAttributes([SearchAttributePair(CCM_STAGE, "x")]),
            )
        return await client.get_workflow_handle(workflow_id).describe()

    proc = devserver.start(tmp_path, port, 0, headless=True)
    try:
        asyncio.run(start_and_describe("survivor", start=True))
    finally:
        devserver.stop(proc)
    proc = devserver.start(tmp_path, port, 0, headless=True)
    try:
        desc = asyncio.run(start_and_describe("survivor", start=False))
    finally:
        devserver.stop(proc)
    assert desc.id == "survivor" and desc.search_attributes["CcmStage"] == ["x"]
    assert (tmp_path / "temporal.db").exists()


def test_the_worker_says_the_server_is_unreachable_and_retries_then_stops_on_sigterm(tmp_path):
    env = os.environ | {"CCM_HOME": str(tmp_path), "CCM_TEMPORAL_ADDRESS": "127.0.0.1:1"}
    missing = subprocess.run([CCM, "worker"], env=env, capture_output=True, text=True, timeout=30)
    assert missing.returncode == 1 and missing.stderr.startswith("Error: no event log at ")  # only db upgrade makes one
    assert not (tmp_path / "eventlog.db").exists()
    code, out = worker_retrying(env, tmp_path / "worker.out")
    assert code == 0
    assert "cannot reach Temporal at 127.0.0.1:1" in out and "retrying in 5s" in out
    assert "Traceback" not in out


@pytest.mark.slow
def test_ccm_up_runs_server_and_worker_and_ctrl_c_stops_both(tmp_path):
    port = devserver.free_port()
    env = os.environ | {"CCM_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [CCM, "up", "--port", str(port), "--headless"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ping = subprocess.run(
            [CCM, "ping"], env=env | {"CCM_TEMPORAL_ADDRESS": f"127.0.0.1:{port}"}, capture_output=True, text=True
        )
        if ping.returncode == 0:
            break
        time.sleep(1)
    assert ping.stdout.startswith("pong"), ping.stderr
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "worker stopped" in out and "Traceback" not in out
    assert not devserver.port_in_use(port)  # the server is gone too


def test_start_dev_points_the_embedded_ui_at_a_codec_server_and_registers_the_attributes(tmp_path):
    cmd = devserver.command(tmp_path, 7233, 8233, headless=False, codec_endpoint="http://127.0.0.1:8081")
    assert cmd[cmd.index("--ui-codec-endpoint") + 1] == "http://127.0.0.1:8081"
    attributes = [cmd[i + 1] for i, arg in enumerate(cmd) if arg == "--search-attribute"]
    assert attributes == [
        "CcmState=Keyword",
        "CcmYear=Int",
        "CcmStage=Keyword",
        "CcmTheme=Keyword",
        "CcmOwner=Keyword",
        "CcmDue=Datetime",
    ]
    assert "journal_mode=wal" in cmd and "synchronous=normal" in cmd


def server_answers(port: int) -> bool:
    from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
    from temporalio.client import Client

    async def ask():
        client = await Client.connect(f"127.0.0.1:{port}")
        await client.workflow_service.get_system_info(GetSystemInfoRequest())

    try:
        asyncio.run(ask())
        return True
    except Exception:
        return False


@pytest.mark.parametrize("command", [["server", "start-dev", "--headless"], ["up", "--headless"]])
def test_sigterm_stops_the_server_child_too(tmp_path, command):
    """Docker, systemd and supervisors stop with SIGTERM: `temporal` must not live on."""
    port = devserver.free_port()
    env = os.environ | {"CCM_HOME": str(tmp_path)}
    log = tmp_path / "out.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [CCM, *command, "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT, text=True
        )

        def ready() -> bool:  # the server answers (and, for `up`, the worker polls)
            assert proc.poll() is None, log.read_text()
            return server_answers(port) and (command[0] != "up" or "worker polling" in log.read_text())

        wait_for(ready, seconds=60)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=40)
    out = log.read_text()
    assert proc.returncode == 0 and "Traceback" not in out, out
    deadline = time.monotonic() + 10
    while devserver.port_in_use(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not devserver.port_in_use(port)  # no orphan holds the port


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_demo_keep_stops_cleanly_on_sigint_and_sigterm_leaving_nothing_behind(tmp_path, sig):
    env = os.environ | {"CCM_HOME": str(tmp_path)}
    out, err = tmp_path / "demo.out", tmp_path / "demo.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        proc = subprocess.Popen([CCM, "demo", "--keep"], env=env, stdout=stdout, stderr=stderr, text=True)
        wait_for(lambda: "running until Ctrl-C" in err.read_text() or proc.poll() is not None, seconds=240)
        assert proc.poll() is None, err.read_text()
        port = int(re.search(r"Temporal: 127\.0\.0\.1:(\d+)", out.read_text())[1])
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert children  # the dev server, and the processes that draw letters
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == 0, err.read_text()
    assert "worker stopped" in err.read_text() and "Traceback" not in err.read_text()
    # 2016's three letters (January, June, before the 6MSP), and the President's letters to
    # the 76 States that had not sent their contributions, Italy's pledge and Peru's report apart.
    said = out.read_text()
    assert "100 calls for contributions (15 January), 90 second reminders (15 June)" in said, said
    assert "the 74 States that sent nothing (listed apart: 1 pledged, 1 reported, 7 partial)" in said, said
    assert not devserver.port_in_use(port)  # the server is gone with it
    wait_for(lambda: not [c for c in children if Path(f"/proc/{c}").exists()], seconds=20)
