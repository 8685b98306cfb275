"""`ccm plan` end to end on the real dev server and a `ccm worker`: the happy path and
each refusal, one clear line and a non-zero exit."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from domain.schedule import geneva_today
from tests.conftest import wait_for  # noqa: E402

TODAY = geneva_today()
MEETING = TODAY + timedelta(days=7)
DUE = TODAY + timedelta(days=40)
THEME = ["--theme", "victim-assistance", "--msp", "9MSP"]

GOOD_PLAN = f"""steps:
  - action: Reach out to States Parties with victim assistance obligations
    responsible: Italy
    due: {TODAY + timedelta(days=60)}
    targets: [Chad, Lebanon]
  - action: Disseminate the Guidance on an integrated approach to Victim Assistance
    responsible: CHL
    due: {TODAY + timedelta(days=90)}
    budget: 5000
"""

BAD_PLAN = """steps:
  - action: Workshop
    responsible: Atlantis
    due: 2017-13-01
"""


def test_a_concept_note_becomes_an_approved_plan_with_tracked_steps(ccm, worker, tmp_path, ccm_env):
    assert ccm("plan", "start", *THEME, "--meeting", MEETING, "--plan-due", DUE).exit_code == 0
    note = tmp_path / "note.md"
    note.write_text("# Victim assistance\nInward- and outward-looking activities.\n")
    r = ccm(
        "plan",
        "submit",
        *THEME,
        "--file",
        note,
        "--summary",
        "Focal points by the end of 2016",
        "--as",
        "Silvia Cattaneo@Italy",
    )
    assert r.exit_code == 0, r.output
    assert "circulated, note version 1" in r.output
    assert "in comment" in ccm("plan", "comment", *THEME, "--text", "Why these countries?", "--as", "ICRC").output

    refused = ccm("plan", "approve-final", *THEME, "--as", "CHL")
    assert refused.exit_code == 1
    assert refused.output.strip() == "Error: refused: only the Presidency may approve final, not CHL"
    ok = ccm("plan", "approve-final", *THEME, "--as", "Michael Biontino@president")
    assert ok.exit_code == 0 and "plan due" in ok.output
    # Published in the worker's data directory.
    assert (Path(ccm_env["CCM_HOME"]) / "site" / "concept-notes" / "9MSP-victim-assistance.html").exists()

    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_PLAN)
    r = ccm("plan", "submit-plan", *THEME, "--file", bad, "--as", "ITA")
    assert r.exit_code == 1
    assert "has 2 problems" in r.output and "line 3: unknown State 'Atlantis'" in r.output
    assert "line 4: due:" in r.output
    status = json.loads(ccm("plan", "status", *THEME, "-o", "json").output)
    assert status["stage"] == "plan_due" and status["plan"] is None  # nothing was submitted

    good = tmp_path / "plan.yaml"
    good.write_text(GOOD_PLAN)
    assert "plan submitted" in ccm("plan", "submit-plan", *THEME, "--file", good, "--as", "ITA").output
    r = ccm("plan", "request-changes", *THEME, "--comments", "x", "--as", "isu")
    assert r.exit_code == 1 and "only the Presidency may request changes" in r.output
    r = ccm("plan", "approve", *THEME, "--as", "president")
    assert r.exit_code == 0 and "plan approved, note version 1, plan version 1, 2 action items" in r.output

    items = wait_for(lambda: json.loads(ccm("task", "list", "--owner", "ITA", "-o", "json").output))
    assert [i["id"] for i in items if i["source"].startswith("concept-note-9MSP")] == [
        "action-plan-9MSP-victim-assistance-1"
    ]
    table = ccm("plan", "status", "--msp", "9MSP")
    assert "victim-assistance" in table.output and "plan_approved" in table.output


def test_plan_commands_refuse_bad_input(ccm):
    r = ccm("plan", "submit", "--theme", "victims", "--file", "x", "--summary", "s")
    assert r.exit_code == 2 and "unknown theme 'victims': one of victim-assistance, universalization" in r.output
    r = ccm(
        "plan",
        "start",
        "--theme",
        "universalization",
        "--msp",
        "seventh",
        "--meeting",
        MEETING,
        "--plan-due",
        DUE,
        env={"CCM_TEMPORAL_ADDRESS": "127.0.0.1:1"},
    )
    assert r.exit_code == 1 and "Traceback" not in r.output


def test_each_refusal_is_one_line_and_changes_nothing(ccm, worker, tmp_path):
    theme = ["--theme", "transparency-measures", "--msp", "9MSP"]
    assert ccm("plan", "start", *theme, "--meeting", MEETING, "--plan-due", DUE).exit_code == 0
    note = tmp_path / "note.md"
    note.write_text("22 States Parties with overdue initial reports\n")
    refusals = [
        (
            ["submit", "--file", note, "--summary", "s", "--as", "NZL"],
            "only the theme's coordinators (ZMB) may submit version, not NZL",
        ),
        (["comment", "--text", "x", "--as", "ICRC"], "cannot comment while the note is drafting"),
        (["approve-final", "--as", "president"], "cannot approve the final version while the note is drafting"),
        (["set-due", "--date", DUE, "--as", "NOR"], "only the Presidency or the ISU may set plan due"),
        (
            ["withdraw", "--reason", "x", "--as", "member"],
            "only the theme's coordinators (ZMB) or the Presidency may withdraw",
        ),
        (["submit", "--file", note, "--summary", "s"], "say who acts"),
    ]
    for args, message in refusals:
        r = ccm("plan", args[0], *theme, *args[1:])
        assert r.exit_code in (1, 2) and message in r.output, (args, r.output)
        assert len(r.output.strip().splitlines()) == 1 or r.exit_code == 2
    status = json.loads(ccm("plan", "status", *theme, "-o", "json").output)
    assert status["stage"] == "drafting" and status["versions"] == [] and status["comments"] == []
    assert ccm("plan", "withdraw", *theme, "--reason", "test over", "--as", "Zambia").exit_code == 0


def test_two_versions_of_a_megabyte_and_a_half_travel_as_documents(ccm, worker, tmp_path, ccm_env):
    """Temporal refuses a payload past 2 MB: the note is stored once in the event log and
    the workflow carries its SHA-256, so status, approval and the published page work."""
    import hashlib

    theme = ["--theme", "stockpile-destruction", "--msp", "9MSP"]
    assert ccm("plan", "start", *theme, "--meeting", MEETING, "--plan-due", DUE).exit_code == 0
    texts = []
    for version in (1, 2):
        text = f"Version {version}: " + "Stockpile destruction deadlines, Article 3. " * 35_000 + "END\n"
        path = tmp_path / f"note-{version}.md"
        path.write_text(text)
        texts.append(text)
        r = ccm("plan", "submit", *theme, "--file", path, "--summary", "Deadlines", "--as", "Croatia")
        assert r.exit_code == 0 and f"version {version}" in r.output, r.output
    assert len(texts[1]) > 1_500_000
    status = json.loads(ccm("plan", "status", *theme, "-o", "json").stdout)
    assert [v["document"]["sha256"] for v in status["versions"]] == [
        hashlib.sha256(t.encode()).hexdigest() for t in texts
    ]
    assert len(json.dumps(status)) < 10_000  # the status carries references, not megabytes
    assert ccm("plan", "approve-final", *theme, "--as", "president").exit_code == 0
    page = wait_for(
        lambda: (
            (p := Path(ccm_env["CCM_HOME"]) / "site" / "concept-notes" / "9MSP-stockpile-destruction.html").exists()
            and p.read_text()
        )
    )
    assert "Version 2:" in page and page.rstrip().count("END") == 1
    assert ccm("plan", "withdraw", *theme, "--reason", "test over", "--as", "president").exit_code == 0
