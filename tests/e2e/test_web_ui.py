"""Temporal's web UI, at the version the compose deploys (the dev server's own), opened in
headless Chromium by Playwright: a chase's current details read as `ccm chase status`
says after each command, and `temporal workflow describe` and `metadata` agree."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml

from domain.schedule import geneva_today
from runtime import devserver
from tests.conftest import bundled, start_worker

ROOT = Path(__file__).parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As the machine's notes advise: no sandbox as root, no calls to Google's hosts.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Makefile: make chromium)"),
    pytest.mark.slow,
]


def current_details(page) -> str:
    """The chase page's Current Details: the UI renders each metadata text in a frame of its own."""
    page.get_by_role("tab", name="User Metadata").click()
    page.get_by_text("Current Details").wait_for(timeout=60_000)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for frame in page.frames:
            if frame != page.main_frame and (text := frame.inner_text("body").strip()).startswith("Stage:"):
                return text
        time.sleep(0.5)
    raise AssertionError("no current details on the page")


def agrees(details: str, status: dict) -> None:
    assert details.startswith(
        f"Stage: {status['stage']}. Due CHF {status['amount_due']}, received CHF "
        f"{status['received']}, outstanding CHF {status['outstanding']}."
    ), (details, status)
    assert f"Next: {status['next_action']}" in details, (details, status)


def test_the_ui_shows_a_chases_current_details_as_ccm_chase_status_says_after_each_command(tmp_path):
    from playwright.sync_api import sync_playwright

    port, ui_port = devserver.free_port(), devserver.free_port()
    server = devserver.start(tmp_path / "server", port, ui_port, headless=False)
    env = {
        "CCM_TEMPORAL_ADDRESS": f"127.0.0.1:{port}",
        "CCM_HOME": str(tmp_path),
        "CCM_TASK_QUEUE": f"ui-{uuid.uuid4().hex[:6]}",
    }
    worker = start_worker(env, tmp_path / "worker.log")
    ccm = str(Path(sys.executable).parent / "ccm")
    year = geneva_today().year + 1
    chase = f"chase-{year}-ITA"

    def run(*args: str) -> str:
        done = subprocess.run([ccm, *args], env=os.environ | env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def status() -> dict:
        return json.loads(run("chase", "status", "--state", "ITA", "--year", str(year), "-o", "json"))[0]

    try:
        run("chase", "start", "--state", "ITA", "--year", str(year), "--amount", "12345")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{ui_port}/namespaces/default/workflows/{chase}")
            # The UI is the version the compose deploys.
            compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
            version = compose["temporal-ui"]["image"].split(":")[1]
            page.wait_for_function("v => document.body.innerText.includes(v)", arg=version, timeout=60_000)
            before = status()
            assert before["stage"] != "paid"
            agrees(current_details(page), before)
            run(
                "chase",
                "receive",
                "--state",
                "ITA",
                "--year",
                str(year),
                "--amount",
                "12345",
                "--date",
                geneva_today().isoformat(),
                "--reference",
                "UI-1",
            )
            page.reload()
            after = status()
            assert after["stage"] == "paid"
            agrees(current_details(page), after)
            browser.close()
        # The CLI an operator uses says the same: the static summary, then the current details.
        temporal = [bundled("temporal"), "workflow", "--address", f"127.0.0.1:{port}", "-w", chase]
        described = subprocess.run(
            [*temporal[:2], "describe", *temporal[2:]], capture_output=True, text=True, check=True
        ).stdout
        assert f'StaticSummary  "Italy — CHF 12\'345.00 due for {year}"' in described, described
        assert "CcmStage:" in described and '\\"paid\\"' in described
        metadata = subprocess.run(
            [*temporal[:2], "metadata", *temporal[2:]], capture_output=True, text=True, check=True
        ).stdout
        agrees(metadata.split("Current Details:", 1)[1].strip(), after)
        assert re.search(r"record_receipt\s+Money received", metadata), metadata
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        devserver.stop(server)
