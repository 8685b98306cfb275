"""Machine-readable output is only that: every command with `-o json` or `-o csv` prints
the document alone on stdout (what it says besides goes to stderr), so `jq` and a CSV
reader take it whole. Each such command is run on a log with something in it, and its
output parsed."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import click
import pytest

from cli.main import cli
from domain.bank import creditor_reference
from domain.schedule import geneva_today
from tests.conftest import open_day
from tests.e2e.conftest import ROOT
from tests.statements import Line, camt053

TODAY = geneva_today()
NEXT = TODAY.year + 1


def commands_with_documents() -> list[tuple[str, str]]:
    """(command, format) for every command that offers json or csv."""
    found = []

    def walk(group, prefix=""):
        for name, cmd in group.commands.items():
            if isinstance(cmd, click.Group):
                walk(cmd, f"{prefix}{name} ")
                continue
            for p in cmd.params:
                if p.name == "output" and isinstance(p.type, click.Choice):
                    found.extend((f"{prefix}{name}", f) for f in p.type.choices if f in ("json", "csv"))

    walk(cli)
    return found


MEETING = open_day(TODAY + timedelta(days=20))
# What each command needs besides its format, on the log this module makes.
ARGS = {
    "states show": ["ITA"],
    "audit history": [f"chase-{NEXT}-ITA"],
    "bank import": ["{statement}"],
    "budget show": ["--year", "2016"],
    "chase status": ["--year", str(NEXT)],
    "meeting status": ["--meeting", MEETING.isoformat()],
    "report arrears": ["--year", "2016"],
    "report finances": ["--year", "2016", "--as-of", "2016-11-04"],
    "letters held": ["--year", str(NEXT)],
    "report theme": ["--theme", "victim-assistance"],
}


@pytest.fixture(scope="module")
def world(ccm_env, worker, tmp_path_factory):
    from click.testing import CliRunner

    def ccm(*args):
        return CliRunner().invoke(cli, [str(a) for a in args], env=ccm_env, catch_exceptions=False)

    folder = tmp_path_factory.mktemp("documents")
    ledger = ROOT / "domain" / "data" / "demo_ledger_2016.csv"
    assert ccm("import", "contributions", "--year", 2016, "--file", ledger).exit_code == 0
    (folder / "budget.csv").write_text(
        "line,amount,kind\n7a,191200,mandatory\n7b,113000,voluntary\n7c,173800,voluntary\n"
    )
    budget = ccm(
        "budget", "set", "--year", 2016, "--file", folder / "budget.csv", "--decision", "1RC",
        "--approved-on", "2015-09-11",
    )  # fmt: skip
    assert budget.exit_code == 0, budget.output
    assert ccm("chase", "start", "--state", "ITA", "--year", NEXT, "--amount", "1000").exit_code == 0
    scheduled = ccm("meeting", "schedule", "--date", MEETING, "--start", "10:00", "--end", "11:30", "--venue", "Geneva")
    assert scheduled.exit_code == 0, scheduled.output
    note = ccm(
        "plan", "start", "--theme", "victim-assistance", "--meeting", MEETING, "--plan-due",
        MEETING + timedelta(days=40),
    )  # fmt: skip
    assert note.exit_code == 0, note.output
    statement = folder / "statement.xml"
    statement.write_bytes(
        camt053(
            [
                Line("M-1", "400.00", TODAY, reference=creditor_reference(NEXT, "ITA")),
                Line("M-2", "9.00", TODAY, text="no one we know"),  # unmatched: listed
            ],
            "STMT-M",
        )
    )
    return {"statement": str(statement)}


def values(text: str) -> list:
    """The JSON values `text` holds, as jq reads them: one document, or a stream of them
    (`audit log` streams one event a line, in constant memory); anything else is an error."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(text.rstrip()):
        value, at = decoder.raw_decode(text, at)
        found.append(value)
        while at < len(text) and text[at].isspace():
            at += 1
    return found


@pytest.mark.parametrize("command, form", commands_with_documents(), ids=lambda v: v)
def test_the_document_is_all_that_stdout_holds(ccm, world, command, form):
    args = [a.format(**world) for a in ARGS.get(command, [])]
    result = ccm(*command.split(), *args, "--output", form)
    assert result.exit_code == 0, (command, result.output)
    if form == "json":
        assert values(result.stdout)
    else:
        rows = list(csv.reader(io.StringIO(result.stdout)))
        assert rows and all(len(r) == len(rows[0]) for r in rows), result.stdout[:2000]


def test_every_command_with_a_document_is_run_here():
    assert len(commands_with_documents()) >= 40
    assert {c for c, _ in commands_with_documents()} >= {"bank import", "chase status", "report finances"}
