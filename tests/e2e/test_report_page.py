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


def axe_violations(pages: list) -> dict[str, list[str]]:
    """axe-core's violations (WCAG 2 A and AA, and best practice) on each page, opened in
    Chromium: {page: [rule ids]}."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    found = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            for path in pages:
                page = browser.new_page()
                page.goto(path.as_uri())
                options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "best-practice"]}}
                results = Axe().run(page, options=options)
                found[path.name] = sorted({v["id"] for v in results.response["violations"]})
                page.close()
        finally:
            browser.close()
    return found


def test_every_published_page_passes_axe_core(tmp_path):
    """The pages in the three languages, the obligations page and the finance update: no
    violation of WCAG 2 A/AA or of axe's best practice (landmarks, captions, header cells)."""
    from activities.reports import finances_html, publish_obligations
    from domain.finances import Finances, MonthEnd

    site = tmp_path / "site"
    english = publish(report(), site)
    pages = [english, english.with_suffix(".fr.html"), english.with_suffix(".es.html")]
    pages.append(publish_obligations([], date(2016, 11, 4), {}, site, False))
    fin = Finances(
        year=2016,
        as_of=date(2016, 11, 4),
        budget=report().budget_lines,
        received=Decimal("377836"),
        projection=[MonthEnd(month=date(2016, 12, 1), receipts=0, spending=100, balance=-50)],
    )
    (site / "finances.html").write_text(finances_html(fin, report(), ["a sentence"], "fr"))
    pages.append(site / "finances.html")
    assert axe_violations(pages) == {p.name: [] for p in pages}
    html = english.read_text()
    assert '<nav class="languages">' in html and ">Français</a>" in html and ">Español</a>" in html
    assert "<caption>Contributions by State</caption>" in html and '<th scope="row">Germany</th>' in html
    assert '<tfoot><tr class="total"><th scope="row">Total</th>' in html
