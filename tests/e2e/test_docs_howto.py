"""The how-to pages, run: every `ccm …` line they show that is a command line (not a
synopsis with placeholders, `tests/unit/test_docs_commands.py` parses those) is run in page
order against a real dev server and a `ccm` worker, and must do its work (exit 0), or end
as the page shows where it shows an output.

What a line needs that the page leaves to the reader is made first, and said here: the
files it names (from real sources where there is one: the UN scale shipped with `ccm`, the
demo's 2016 ledger), and the world it acts on (a meeting of 7 December 2016 recorded, a
concept note started). The pages were written in December 2026, their examples of the
coming year are of 2027: the test runs them for the year after today's (`2027` becomes
that year), so that they hold on any day. A command that runs a server (`ccm server
start-dev`, `ccm worker`, `ccm up`) is stood in for by the module's own."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from domain.schedule import geneva_today
from tests.docs import ROOT, Shown, matches, shown

NEXT = geneva_today().year + 1
PATTERN = re.compile(r"[\[\]<>…$|]|\b(FILE|DIR|PATH|ID|NAME|N|KEY|URL|PERSON|OFFICE|STATE|YEAR|DATE|REF)\b")
SERVES = ("ccm server start-dev", "ccm worker", "ccm up")  # the module's server and worker stand in


def runnable(page: str) -> list[Shown]:
    return [
        s for s in shown(ROOT / "docs" / page) if not PATTERN.search(s.command) and not s.command.startswith(SERVES)
    ]


@pytest.fixture(scope="module")
def ccm_env(ccm_env, tmp_path_factory):
    """The worker trusts the administrator whose key the keys page registers with, and holds
    that key for checkpoints (CCM_CHECKPOINT_KEY, as the compose's workers hold one); signatures
    are not required: the embedded default the pages start from."""
    from tests.e2e.test_signed_commands import new_key

    admin_dir = tmp_path_factory.mktemp("admin-keys")
    _, meta, public = new_key(ccm_env, admin_dir, "Administrator@isu")
    home = tmp_path_factory.mktemp("home")
    return ccm_env | {
        "CCM_ADMIN_KEYS": public,
        "CCM_TEST_ADMIN_PEM": str(meta.with_suffix(".pem")),
        "CCM_CHECKPOINT_KEY": str(meta.with_suffix(".pem")),
        "CCM_KEYS_DIR": str(home / ".config" / "ccm" / "keys"),
        "HOME": str(home),
    }


@pytest.fixture(scope="module")
def here(tmp_path_factory):
    """The folder the pages' lines run in, with the files they name."""
    from domain.scale import shipped_periods, shipped_scale

    folder = tmp_path_factory.mktemp("howto")
    scale = shipped_scale(shipped_periods()[-1][1])  # the newest UN scale shipped
    (folder / "rates.csv").write_text("state,rate\n" + "".join(f"{a},{r}\n" for a, r in sorted(scale.rates.items())))
    (folder / "amounts.csv").write_text("state,amount\nITA,12345.00\n")
    shutil.copy(ROOT / "domain" / "data" / "demo_ledger_2016.csv", folder / "ledger-2016.csv")
    (folder / "letters-2016.csv").write_text("state,date,kind,reference\nAFG,2016-01-15,call_for_contributions,\n")
    (folder / "agenda.txt").write_text(
        "Opening remarks by the President\nAdoption of the agenda\nUniversalization\n"
        "  Update by the coordinators\nDate of the next meeting\n"
    )
    (folder / "minutes.md").write_text("Minutes of the Coordination Committee meeting of 7 December 2016\n")
    (folder / "note.md").write_text("# Victim assistance\nInward- and outward-looking activities.\n")
    (folder / "plan.yaml").write_text(
        "steps:\n  - action: Reach out to States Parties with victim assistance obligations\n"
        f"    responsible: Italy\n    due: {geneva_today() + timedelta(days=60)}\n"
    )
    (folder / "reports.csv").write_text(
        "state,kind,period,submitted_on,reference\nNOR,art7-annual,2015,2016-04-29,A7-NOR-2015\n"
    )
    from tests.unit.test_votes import HEADER, row

    (folder / "ga-votes.csv").write_text(HEADER + row("IDN", "INDONESIA", "Y") + row("USA", "UNITED STATES", "A"))
    (folder / "unog-2029.csv").write_text("day,name\n2029-01-01,New Year's Day\n2029-03-30,Good Friday\n")
    return folder


def run_page(ccm, here: Path, monkeypatch, steps: list[Shown], at_least: int) -> None:
    """Each line in order, `2027` as the coming year, `~` the test's home; it must do its
    work, or print what the page shows."""
    monkeypatch.chdir(here)
    assert len(steps) >= at_least, [s.command for s in steps]
    for step in steps:
        words = [w.replace("2027", str(NEXT)) for w in shlex.split(step.command)[1:]]
        result = ccm(*words)
        assert result.exit_code == 0, (step.command, result.output)
        missing = [line for line in step.output if not matches(line, result.stdout)]
        assert missing == [], (step.command, result.stdout[-2000:])


def test_the_chases_page(ccm, worker, here, monkeypatch):
    # The President's decision is published at a meeting the log holds: 7 December 2016's,
    # on the year the page publishes, 2016, as the demo's ledger has it.
    assert ccm("meeting", "schedule", "--date", "2016-12-07", "--venue", "Permanent Mission of Germany").exit_code == 0
    assert ccm("import", "contributions", "--year", 2016, "--file", here / "ledger-2016.csv").exit_code == 0
    run_page(ccm, here, monkeypatch, runnable("how-to/chases.md"), at_least=9)


def test_the_letters_page(ccm, worker, here, monkeypatch):
    run_page(ccm, here, monkeypatch, runnable("how-to/letters.md"), at_least=3)
    assert (here / "call.pdf").read_bytes().startswith(b"%PDF")


def test_the_bank_statements_page(ccm, worker, here, monkeypatch):
    run_page(ccm, here, monkeypatch, runnable("how-to/bank-statements.md"), at_least=1)


def test_the_finances_page(ccm, worker, here, monkeypatch):
    """2016 as the demo has it: its ledger, the demo's budget file and spending."""
    from runtime.demo import BUDGET_2016, expenditure_2016

    (here / "budget-2016.csv").write_text(BUDGET_2016)
    (here / "expenditure-2016.csv").write_bytes(expenditure_2016())
    assert ccm("import", "contributions", "--year", 2016, "--file", here / "ledger-2016.csv").exit_code == 0
    steps = runnable("how-to/finances.md")
    run_page(ccm, here, monkeypatch, steps, at_least=3)
    assert any(s.command.startswith("ccm import expenditure") for s in steps)


def test_the_meetings_page(ccm, worker, here, monkeypatch):
    # The page's meetings: 4 November 2016 (whose agenda was adopted) and 7 December 2016
    # (the chases page recorded it), both held; the proposal goes to one ahead, on 20 January.
    venue = ["--venue", "Permanent Mission of Germany"]
    assert ccm("meeting", "schedule", "--date", "2016-11-04", *venue).exit_code == 0
    assert ccm("meeting", "schedule", "--date", f"{NEXT}-01-20", *venue, "--allow-holiday").exit_code == 0
    assert ccm("meeting", "set-next", "--meeting", "2016-11-04", "--date", "2016-12-07").exit_code == 0  # as minuted
    run_page(ccm, here, monkeypatch, runnable("how-to/meetings.md"), at_least=7)
    status = json.loads(ccm("meeting", "status", "--meeting", "2016-12-07", "-o", "json").stdout)
    assert status["stage"] == "minutes_approved" and status["attendance"] == ["DEU", "ICRC", "NZL"]


def test_the_concept_notes_page(ccm, worker, here, monkeypatch):
    meeting = geneva_today() + timedelta(days=7)
    start = ["plan", "start", "--theme", "victim-assistance", "--msp", "7MSP", "--meeting", meeting]
    assert ccm(*start, "--plan-due", meeting + timedelta(days=40)).exit_code == 0
    submitted = ccm(
        "plan", "submit", "--theme", "victim-assistance", "--file", here / "note.md", "--summary", "s", "--as", "ITA"
    )
    assert submitted.exit_code == 0, submitted.output
    run_page(ccm, here, monkeypatch, runnable("how-to/concept-notes.md"), at_least=5)
    status = json.loads(ccm("plan", "status", "--theme", "victim-assistance", "-o", "json").stdout)
    assert status["stage"] == "plan_approved"


def test_the_obligations_page(ccm, worker, here, monkeypatch):
    for kind, year in (("art7-annual", ["--year", "2016"]), ("art7-initial", [])):
        started = ccm("obligations", "start", "--kind", kind, *year, "--state", "NOR" if year else "FJI")
        assert started.exit_code == 0, started.output
    run_page(ccm, here, monkeypatch, runnable("how-to/obligations.md"), at_least=3)


def test_the_world_data_and_upgrading_pages(ccm, worker, here, monkeypatch):
    run_page(ccm, here, monkeypatch, runnable("how-to/world-data.md") + runnable("how-to/upgrading.md"), at_least=5)


def test_the_explanation_and_first_steps_pages(ccm, worker, here, monkeypatch):
    exported = ccm("audit", "export", "--out", here / "log.jsonl")
    assert exported.exit_code == 0, exported.output
    steps = runnable("explanation/event-log.md") + runnable("tutorial/first-steps.md")
    run_page(ccm, here, monkeypatch, steps, at_least=3)


def test_the_keys_page(ccm, worker, ccm_env, here, monkeypatch):
    """Both ways of bringing a person in. The key files the page names by their holder
    (`<Ana>.json`, `<Administrator>.pem`, fingerprints in real life) are the files `keys
    new` made for them, but the administrator's is the one the module's worker already trusts
    (its CCM_ADMIN_KEYS); Rosa's .json, "sent" to the administrator, is copied as rosa.json."""
    shutil.copy(ccm_env["CCM_TEST_ADMIN_PEM"], here / "admin.pem")
    keys = Path(ccm_env["CCM_KEYS_DIR"])

    def key_of(holder: str) -> Path:
        [made] = [p for p in keys.glob("*.json") if holder in p.read_text()]
        return made

    steps = [s for s in shown(ROOT / "docs" / "how-to" / "keys.md") if "<fingerprint>" not in s.command]
    for step in steps:
        if "<Ana>" in step.command:  # by then `keys new` has made Ana's
            # The administrator's key made on this page went "into the worker's CCM_ADMIN_KEYS":
            # the module's worker already trusts one, whose key stands in for it.
            assert key_of("Administrator").with_suffix(".pem").exists()
            step.command = step.command.replace("~/.config/ccm/keys/<Ana>.json", str(key_of("Ana Presidenta"))).replace(
                "~/.config/ccm/keys/<Administrator>.pem", ccm_env["CCM_TEST_ADMIN_PEM"]
            )
        elif "register rosa.json" in step.command:
            shutil.copy(key_of("Rosa Coordinator"), here / "rosa.json")
        if not PATTERN.search(step.command.replace(str(keys), "")):
            run_page(ccm, here, monkeypatch, [step], at_least=1)
        if 'keys new --as "Administrator@isu"' in step.command:
            # "its public key goes into CCM_ADMIN_KEYS", on this machine too: an
            # administrator's key is never taken to sign as the ISU (`audit checkpoint`).
            public = json.loads(key_of("Administrator").read_text())["public_key"]
            monkeypatch.setitem(ccm_env, "CCM_ADMIN_KEYS", f"{ccm_env['CCM_ADMIN_KEYS']},{public}")
    waived = {
        s: json.loads(ccm("chase", "status", "--state", s, "--year", NEXT, "-o", "json").stdout)[0]
        for s in ("MUS", "SLE")
    }
    assert {s: w["stage"] for s, w in waived.items()} == {"MUS": "waived", "SLE": "waived"}
