"""The published status-of-contributions page, opened in headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest

from activities.reports import publish
from domain.contributions import BudgetLine, ContributionsReport, Receipt, StateContribution

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Makefile: make chromium)")


def report() -> ContributionsReport:
    return ContributionsReport(
        year=2016,
        as_of=date(2016, 11, 4),
        states=[
            StateContribution(state="DEU", name="Germany", amount_due="43650", received="43650"),
            StateContribution(state="ITA", name="Italy", amount_due="38486", outstanding="38486"),
        ],
        budget_lines=[
            BudgetLine(line="7a", amount="150000", kind="mandatory", received="96433"),
            BudgetLine(line="7b", amount="150000", kind="voluntary", received="110922"),
            BudgetLine(line="7c", amount="200000", kind="voluntary", received="170481"),
        ],
        receipts=[
            Receipt(on=date(2016, 3, 1), amount=Decimal("200000")),
            Receipt(on=date(2016, 9, 1), amount=Decimal("177836")),
        ],
    )


def test_the_page_renders_its_tables_and_chart_in_chromium(tmp_path):
    from PIL import Image

    page = publish(report(), tmp_path / "site")
    profile = tmp_path / "profile"
    common = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}"]
    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr
    assert '<table id="states">' in dom.stdout and "Germany" in dom.stdout
    assert '<path class="receipts"' in dom.stdout and 'class="budget"' in dom.stdout

    shot = tmp_path / "page.png"
    subprocess.run(
        [*common, f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    image = Image.open(shot).convert("RGB")
    assert image.size == (1000, 1400)
    colours = image.getcolors(maxcolors=1_000_000)
    counts = {rgb: n for n, rgb in colours}
    blue = sum(n for rgb, n in counts.items() if rgb[2] > 150 and rgb[0] < 80)  # the receipts line, #1f6fb2
    red = sum(n for rgb, n in counts.items() if rgb[0] > 160 and rgb[1] < 90 and rgb[2] < 90)  # budget, #c0392b
    assert blue > 300 and red > 100, (blue, red)
    assert len(counts) > 50  # text and lines were drawn, not a blank page
