"""`ccm coordinators` against a real dev server and a `ccm worker` process: the shipped
terms with their sources, a term the operator records, and the processes that follow it
(a concept note written by the term's coordinators, an action item they own)."""

from __future__ import annotations

import json
from datetime import timedelta

from domain.office_holders import term_on
from domain.schedule import geneva_today
from tests.conftest import wait_for  # noqa: E402

SOURCE = "https://www.clusterconvention.org/universalization/"


def listed(ccm, *args) -> dict[str, dict]:
    result = ccm("coordinators", "list", *args, "-o", "json")
    assert result.exit_code == 0, result.output
    return {row["office"]: row for row in json.loads(result.stdout)}


def test_the_minutes_term_is_shipped_with_its_sources(ccm):
    rows = listed(ccm, "--on", "2016-11-04")
    assert rows["presidency"]["states"] == "DEU"
    assert rows["universalization"]["states"] == "FRA, ZMB"
    assert "minutes of the Coordination Committee of 4 November 2016" in rows["universalization"]["source"]
    assert rows["country-coalitions"]["states"] == "the Presidency"
    later = listed(ccm, "--term", "9MSP")
    assert (later["victim-assistance"]["states"], later["victim-assistance"]["carried_from"]) == ("IRL, ITA", "8MSP")


def test_a_recorded_term_is_the_one_its_notes_and_items_follow(ccm, worker, tmp_path):
    term = term_on(geneva_today())
    first = ccm("coordinators", "set", "--term", term, "--theme", "universalization", "--states", "MWI,ESP",
                "--source", SOURCE)  # fmt: skip
    assert first.exit_code == 0 and first.stdout.strip() == f"{term} universalization: MWI, ESP", first.output
    again = ccm("coordinators", "set", "--term", term, "--theme", "universalization", "--states", "Norway,Peru",
                "--source", SOURCE, "--as", "Sheila Mweemba@isu")  # fmt: skip
    assert again.exit_code == 0 and again.stdout.strip() == f"{term} universalization: NOR, PER (changed)"
    presidency = ccm("coordinators", "set", "--term", term, "--presidency", "Laos", "--source", SOURCE)
    assert presidency.exit_code == 0, presidency.output
    rows = listed(ccm, "--term", term)
    assert (rows["universalization"]["states"], rows["universalization"]["carried_from"]) == ("NOR, PER", "")
    assert rows["presidency"]["states"] == "LAO"
    refused = ccm("coordinators", "set", "--term", term, "--presidency", "NOR", "--source", SOURCE, "--as", "NOR")
    assert refused.exit_code == 1 and "only the ISU or the Presidency may" in refused.stderr, refused.output

    # A concept note of the term is written by its coordinators as recorded.
    meeting, due = geneva_today() + timedelta(days=7), geneva_today() + timedelta(days=40)
    theme = ["--theme", "universalization", "--msp", term]
    assert ccm("plan", "start", *theme, "--meeting", meeting, "--plan-due", due).exit_code == 0
    path = tmp_path / "note.md"
    path.write_text("# Universalization\nTarget lists by region.\n")
    france = ccm("plan", "submit", *theme, "--file", path, "--summary", "Target lists", "--as", "FRA")
    assert france.exit_code == 1 and "only the theme's coordinators (NOR or PER)" in france.stderr, france.output
    peru = ccm("plan", "submit", *theme, "--file", path, "--summary", "Target lists", "--as", "PER")
    assert peru.exit_code == 0, peru.output
    status = json.loads(ccm("plan", "status", *theme, "-o", "json").stdout)
    assert status["coordinators"] == ["NOR", "PER"]

    # An action item the theme's coordinators own: Norway (recorded, not shipped) may mark it done.
    added = ccm("task", "add", "--owner", "coordinator:universalization", "--text", "Regional target lists",
                "--due", geneva_today() + timedelta(days=20))  # fmt: skip
    assert added.exit_code == 0, added.output
    item = added.stdout.split()[-1]
    wait_for(lambda: any(r["id"] == item for r in json.loads(ccm("task", "list", "-o", "json").stdout)))
    done = ccm("task", "done", item, "--note", "lists circulated", "--as", "NOR")
    assert done.exit_code == 0, done.output
