"""Bad input, table-driven, over every command group: each case exits non-zero with one
line on stderr and no traceback, and nothing is written: the event log and the
workflows on the server are the same after the whole table as before it."""

from __future__ import annotations

import asyncio
import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from domain.schedule import geneva_today
from tests.conftest import open_day, wait_for
from tests.e2e.conftest import event_log

TODAY = geneva_today()
NEXT = TODAY.year + 1  # chases of their own: SWE, SMR and MLT next year
MEETING = open_day(TODAY + timedelta(days=61))
SATURDAY = TODAY + timedelta(days=70 + (5 - (TODAY + timedelta(days=70)).weekday()) % 7)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad-files")
    made = {
        "signatory.csv": "state,amount\nAngola,100\n",
        "decimals.csv": "state,amount\nITA,10.005\n",
        "header.csv": "country,chf\nITA,1\n",
        "budget-negative.csv": "line,amount,kind\n7a,-5,mandatory\n",
        "budget.csv": "line,amount,kind\n7a,5,mandatory\n",
        "budget-duplicate.csv": "line,amount,kind\n7a,5,mandatory\n7a,6,mandatory\n",
        "budget-unknown.csv": "line,amount,kind\nzzz,5,voluntary\n",
        "rates.csv": "state,rate\nDEU,6.389\n",
        "amounts.csv": "state,amount\nITA,100\n",
        "letters-2015.csv": "state,date,kind,reference\nAUT,2015-01-15,call_for_contributions,\n",
        "phasing-short.csv": "month,percent\n" + "".join(f"{m},8\n" for m in range(1, 13)),
        "spent-bidi.csv": "date,budget_line,amount,description,document\n2016-01-31,7b,10,rent\u202egnp,D1\n",
        "spent-nodoc.csv": "date,budget_line,amount,description,document\n2016-01-31,7b,10,salaries,\n",
        "ledger-2099.csv": "state,amount_due,date,amount,reference,budget_line\nITA,100,2016-01-05,100,R,7a\n",
        "long-reference.csv": "state,amount_due,date,amount,reference,budget_line\nITA,100,2016-01-05,100,"
        + "R" * 5000
        + ",7a\n",
        "reports-1900.csv": "state,kind,period,submitted_on,reference\nNOR,art7-annual,2015,1900-01-01,A\n",
        "plan.yaml": "steps:\n  - action: x\n    responsible: Atlantis\n    due: 2027-01-01\n",
        "note.md": "A concept note\n",
        "people.csv": "email\nx@example.org\n",
        "crlf.csv": 'name,email\n"Toralf Pilz","pilz@example.org\r\nBcc: all@example.org"\n',
        "not-a-statement.sta": ":20:X\n:25:CH123\n:28C:1\n:60F:C\n",
    }
    for name, text in made.items():
        (d / name).write_text(text, encoding="utf-8")
    (d / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (d / "nan.csv").write_text("state,rate\nITA,NaN\n")
    (d / "infinity.csv").write_text("state,rate\nITA,Infinity\n")
    (d / "empty.jsonl").write_text("")
    (d / "checkpoint-huge.json").write_text(
        '{"seq": 1000000000000000000000000000000, "head": "00", "at": "2026-01-01T00:00:00", "fingerprint": "SHA256:x"}'
    )
    (d / "plan-300.yaml").write_text(
        "steps:\n"
        + "".join(
            f"  - action: step {n}\n    responsible: ITA\n    due: {TODAY + timedelta(days=60)}\n" for n in range(300)
        )
    )
    os.mkfifo(d / "fifo")
    return d


def cases(f) -> list[tuple[list, str]]:
    chase = ["--state", "SWE", "--year", NEXT]
    m = ["--meeting", MEETING]
    theme = ["--theme", "victim-assistance", "--msp", "11MSP"]
    return [
        # chase start and start-all
        (["chase", "start", "--state", "Itlay", "--amount", "10"], "did you mean Italy (ITA)?"),
        (["chase", "start", "--state", "AGO", "--amount", "10"], "is a signatory, not a State Party"),
        (["chase", "start", "--state", "ITA", "--amount", "-5"], "is not a positive amount"),
        (["chase", "start", "--state", "ITA", "--amount", "10.005"], "more than two decimals"),
        (["chase", "start", "--state", "ITA", "--amount", "1e22"], "more than CHF 100 million"),
        (["chase", "start", "--state", "ITA", "--amount", "1e30"], "more than CHF 100 million"),
        (["chase", "start", "--state", "ITA", "--amount", "NaN"], "not an amount of money"),
        (["chase", "start", "--state", "ITA", "--amount", "10", "--year", "2099"], "2099 is not in the range"),
        (["chase", "start", "--state", "ITA", "--amount", "10", "--year", "2009"], "2009 is not in the range"),
        (["chase", "start", "--state", "ITA", "--amount", "10", "--msp-date", "2027-13-01"], "is not a date"),
        (["chase", "start", "--state", "ITA", "--amount", "10", "--msp-date", "2027-W01-1"], "is not a date"),
        (["chase", "start", "--state", "ITA", "--amount", "10", "--language", "de"], "'de' is not one of"),
        (["chase", "start", "--state", "ITA", "--amount", "10", "--year", TODAY.year - 1], "has already ended"),
        (["chase", "start-all", "--amounts", f / "signatory.csv"], "is a signatory, not a State Party"),
        (["chase", "start-all", "--amounts", f / "decimals.csv"], "more than two decimals"),
        (["chase", "start-all", "--amounts", f / "header.csv"], "the header must be state,amount"),
        (["chase", "start-all"], "give --budget N (shared by the UN scale of the year), or --amounts FILE"),
        (["chase", "start-all", "--amounts", f / "header.csv", "--budget", "5"], "give either --amounts"),
        (["chase", "start-all", "--amounts", f / "missing.csv"], "does not exist"),
        # receipts and other chase commands
        (["chase", "receive", *chase, "--amount", "0"], "is not a positive amount"),
        (["chase", "receive", *chase, "--amount", "10.005"], "more than two decimals"),
        (["chase", "receive", *chase, "--amount", "1e22"], "more than CHF 100 million"),
        (["chase", "receive", *chase, "--amount", "5", "--date", "1900-01-01"], "is before"),
        (["chase", "receive", *chase, "--amount", "5", "--date", "2027-W01-1"], "is not a date"),
        (["chase", "receive", *chase, "--amount", "5", "--date", f"{NEXT}-12-31"], "is in the future"),
        (["chase", "receive", *chase, "--amount", "5", "--budget-line", "zzz"], "'zzz' is not one of"),
        (["chase", "receive", *chase, "--amount", "5", "--lines", "7a=2"], "add up to 2.00, not to the amount 5.00"),
        (["chase", "receive", *chase, "--amount", "5", "--lines", "7a=2,7a=3"], "line 7a is named twice"),
        (["chase", "receive", *chase, "--amount", "5", "--lines", "7a=two"], "'7a=two' is not LINE=AMOUNT"),
        (["chase", "receive", *chase, "--amount", "5", "--lines", "7d=5"], "unknown line '7d'"),
        (
            ["chase", "receive", *chase, "--amount", "5", "--excess", "credit", "--excess-line", "7c"],
            "not with --excess credit",
        ),
        (["chase", "receive", *chase, "--amount", "5", "--excess", "gift"], "'gift' is not one of"),
        (
            ["chase", "receive", *chase, "--amount", "5", "--lines", "7a=" + "9" * 5000],
            "(5000 characters) is more than",
        ),
        (["chase", "receive", *chase, "--amount", "5", "--lines", "7a=NaN"], "not an amount of money"),
        (["chase", "receive", *chase, "--amount", "6", "--reference", "SE-1"], "already recorded on"),
        (["chase", "receive", *chase, "--amount", "5", "--as", "Nobody@Atlantis"], "unknown office 'Atlantis'"),
        (["chase", "receive", *chase, "--amount", "5", "--as", "a@b@c"], "unknown office 'c'"),
        (["chase", "receive", *chase, "--amount", "5", "--as", "France"], "only the ISU may record receipt, not FRA"),
        (["chase", "receive", "--state", "AGO", "--year", NEXT, "--amount", "5"], "not a State Party"),
        (["chase", "report-payment", *chase, "--as", "Italy"], "only the ISU or the State itself (SWE)"),
        (["chase", "report-payment", *chase, "--date", f"{NEXT}-12-31"], "is in the future"),
        (["chase", "report-payment", *chase, "--amount", "-1"], "is not a positive amount"),
        (["chase", "pledge", *chase, "--expected-date", f"{NEXT + 8}-01-01"], "pledge a date within the year"),
        (["chase", "pledge", *chase, "--expected-date", "2016-01-01"], "must be after today"),
        (["chase", "set-msp-date", *chase, "--date", f"{NEXT + 1}-09-01"], f"must fall in {NEXT}"),
        (["chase", "escalate", *chase, "--as", "Italy"], "only the Presidency may escalate, not ITA"),
        (["chase", "escalate", "--year", NEXT], "give --state, or --all-unpaid"),
        (
            ["chase", "waive", "--state", "SMR", "--year", NEXT, "--reason", "x", "--as", "San Marino"],
            "only the Presidency may waive, not SMR",
        ),
        (["chase", "waive", *chase, "--as", "president"], "Missing option '--reason'"),
        (["chase", "cancel", *chase, "--reason", "x"], "only the Presidency may cancel, not an unnamed office"),
        (["chase", "reverse-receipt", *chase, "--reason", "x"], "give --reference or --receipt"),
        (
            ["chase", "reverse-receipt", *chase, "--reference", "NOPE", "--reason", "x"],
            "no standing receipt with bank reference 'NOPE'",
        ),
        (["chase", "correct-due", *chase, "--amount", "-1", "--reason", "x"], "is not a non-negative amount"),
        (["chase", "correct-due", *chase, "--amount", "1000", "--reason", "x"], "the amount due is already 1000.00"),
        (["chase", "status", "--state", "MLT", "--year", "2010"], "no chase for MLT in 2010"),
        (["chase", "schedule", "--day", "13-01", "--amounts", f / "amounts.csv"], "is not a day of every year"),
        (["chase", "schedule", "--day", "02-29", "--amounts", f / "amounts.csv"], "29 February is not"),
        (
            ["chase", "schedule", "--day", "01-15", "--msp-day", "02-30", "--amounts", f / "amounts.csv"],
            "'02-30' is not a day of every year",
        ),
        # meetings and tasks
        (["meeting", "schedule", "--date", "2027-02-30", "--venue", "x"], "is not a date"),
        (["meeting", "schedule", "--date", MEETING, "--start", "25:00", "--venue", "x"], "is not a time"),
        (
            ["meeting", "schedule", "--date", MEETING, "--start", "12:00", "--end", "11:00", "--venue", "x"],
            "must end after it starts",
        ),
        (
            ["meeting", "schedule", "--date", MEETING, "--venue", "x", "--participants", f / "people.csv"],
            "the header must include name",
        ),
        (
            ["meeting", "schedule", "--date", MEETING, "--venue", "x", "--participants", f / "crlf.csv"],
            "holds a line break",
        ),
        (["meeting", "propose-item", *m, "--title", "x", "--as", "Nobody@Atlantis"], "unknown office 'Atlantis'"),
        (["meeting", "propose-item", *m, "--title", "x"], "only an office may propose item, not an unnamed office"),
        (["meeting", "attendance", *m, "--present", "DEU"], "before the meeting has started"),
        (
            ["meeting", "minutes", "approve", *m, "--at-meeting", TODAY, "--as-a-correct-record", "--as", "ITA"],
            "only the Presidency may approve minutes, not ITA",
        ),
        (
            ["meeting", "schedule", "--date", SATURDAY, "--venue", "x"],
            f"{SATURDAY} is a Saturday: give --allow-holiday to set the meeting for it all the same",
        ),
        (
            ["task", "add", "--owner", "NOR", "--text", "x", "--due", NEXT_DAY(), "--fulfilled-by", "letters"],
            "'letters' names no command: escalation:YEAR or plan:concept-note-7MSP-THEME",
        ),
        (
            ["meeting", "minutes", "approve", *m, "--at-meeting", TODAY, "--as", "president"],
            "say how the Committee approved them: --as-a-correct-record or --with-corrections TEXT",
        ),
        (["meeting", "minutes", "circulate", *m, "--file", f / "note.md"], "after the meeting is held"),
        (
            ["meeting", "set-next", *m, "--date", MEETING - timedelta(days=1), "--allow-holiday"],
            "must come after this one",
        ),
        (["meeting", "cancel", *m, "--reason", "x", "--as", "ITA"], "only the Presidency or the ISU may cancel"),
        (["meeting", "status", "--meeting", "yesterday"], "is not a meeting"),
        (["task", "add", "--owner", "Narnia", "--text", "x", "--due", NEXT_DAY()], "unknown State 'Narnia'"),
        (["task", "add", "--owner", "ITA", "--text", "x"], "give --due, --next-meeting or --meeting"),
        (
            ["task", "add", "--owner", "ITA", "--text", "x", "--due", NEXT_DAY(), "--next-meeting"],
            "give --due or --next-meeting, not both",
        ),
        (["task", "done", "action-nothing-1", "--as", "ITA"], "not found"),
        # concept notes and plans
        (["plan", "start", "--theme", "victims", "--meeting", MEETING], "unknown theme 'victims'"),
        (
            [
                "plan",
                "start",
                "--theme",
                "victim-assistance",
                "--msp",
                "seventh",
                "--meeting",
                MEETING,
                "--plan-due",
                NEXT_DAY(),
            ],
            "String should match pattern",
        ),
        (["plan", "submit", *theme, "--file", f / "note.md", "--summary", "s"], "say who acts"),
        (["plan", "submit-plan", *theme, "--file", f / "plan.yaml", "--as", "ITA"], "unknown State 'Atlantis'"),
        (["plan", "approve", *theme, "--as", "Nobody@Atlantis"], "unknown office 'Atlantis'"),
        # obligations
        (["obligations", "start", "--kind", "art7-annual"], "an annual report needs --year"),
        (["obligations", "start", "--kind", "art9-other"], "'art9-other' is not one of"),
        (
            ["obligations", "start", "--kind", "art7-annual", "--year", "2016", "--reminder-days", "0"],
            "days between 1 and 365",
        ),
        (["obligations", "fulfil", "--state", "Atlantis", "--kind", "art3-stockpiles"], "unknown State 'Atlantis'"),
        (
            ["obligations", "confirm-overdue", "--state", "NOR", "--kind", "art7-annual", "--year", "2016"],
            "Missing option '--reason'",
        ),
        (
            ["obligations", "rebuild", "--state", "NOR", "--kind", "art7-annual", "--reason", "x"],
            "an annual report needs --year",
        ),
        (
            ["obligations", "rebuild", "--state", "NOR", "--kind", "art3-stockpiles", "--reason", "x"],
            "the log holds no row of obligation-NOR-art3-stockpiles-eif: there is nothing to rebuild",
        ),
        (["task", "rebuild", "action-none-1", "--reason", "x"], "the log holds no row of action-none-1"),
        (["report", "arrears", "--older-than", "-1"], "-1 is not in the range 0<=x<=100"),
        (
            ["meeting", "rebuild", "--meeting", "meeting-cc-2016-01-06", "--reason", "x"],
            "the log holds no row of meeting-cc-2016-01-06",
        ),
        (
            ["plan", "rebuild", "--theme", "victim-assistance", "--msp", "99MSP", "--reason", "x"],
            "the log holds no row of concept-note-99MSP-victim-assistance",
        ),
        (["plan", "rebuild", "--theme", "victim-assistance", "--reason", " "], "--reason"),
        (
            [
                "obligations",
                "exempt",
                "--state",
                "PER",
                "--kind",
                "art3-stockpiles",
                "--reason",
                "x",
                "--as",
                "Nobody@x",
            ],
            "unknown office 'x'",
        ),
        (["import", "obligations", "--file", f / "missing.csv"], "does not exist"),
        (
            ["states", "record", "--state", "Atlantis", "--event", "accession", "--deposited", "2018-03-01"],
            "'Atlantis' is not a country",
        ),
        (["states", "list", "--as-of", "2018-02-30"], "is not a date"),
        (["states", "targets", "--as-of", "2017-02-29"], "is not a date"),
        (["event", "list", "--target", "Atlantis"], "not a State of the world"),
        (["report", "theme", "--theme", "universalization", "--language", "de"], "'de' is not one of"),
        (["import", "votes", "--file", f / "missing.csv", "--resolution", "A/RES/70/54"], "does not exist"),
        (["event", "outcome", "event-2016-01-01-x", "--file", f / "missing.md"], "does not exist"),
        (
            ["states", "legislation", "--state", "ITA", "--status", "maybe", "--source", "isu"]
            + ["--as-of", "2016-01-01"],
            "'maybe' is not one of",
        ),
        (["report", "legislation", "--as-of", "2099-01-01"], "2099-01-01"),
        (["coordinators", "list", "--term", "XMSP"], "'XMSP' is no term"),
        (["action-plan", "--on", "2009-01-01"], "no action plan was in force on 2009-01-01"),
        (["action-plan", "--on", "2016-02-30"], "is not a date"),
        (["report", "publish-themes", "--theme", "nothing"], "unknown theme 'nothing'"),
        (["report", "publish-themes", "--as-of", "2017-02-29"], "is not a date"),
        (["coordinators", "set", "--term", "5MSP", "--presidency", "NOR", "--source", "x"], "'5MSP' is no term"),
        (
            ["coordinators", "set", "--term", "14MSP", "--theme", "universalization", "--states", "FRA,ESP,PER"]
            + ["--source", "x"],
            "one or two States coordinate a theme",
        ),
        (
            ["coordinators", "set", "--term", "14MSP", "--theme", "universalization", "--presidency", "NOR"]
            + ["--source", "x"],
            "give --presidency, or --theme with --states",
        ),
        (
            ["coordinators", "set", "--term", "14MSP", "--states", "FRA", "--source", "x"],
            "give --presidency, or --theme with --states",
        ),
        (
            ["coordinators", "set", "--term", "14MSP", "--theme", "country-coalitions", "--states", "FRA"]
            + ["--source", "x"],
            "'country-coalitions' is no coordinated theme",
        ),
        (
            ["coordinators", "set", "--term", "14MSP", "--presidency", "NOR", "--source", "line\nbreak"],
            "--source",
        ),
        (["import", "contributions", "--year", "2099", "--file", f / "ledger-2099.csv"], "2099 is not in the range"),
        (
            ["import", "contributions", "--year", "2016", "--file", f / "long-reference.csv"],
            "line 2, reference: longer than 300 characters",
        ),
        (["import", "obligations", "--file", f / "reports-1900.csv"], "'1900-01-01' is not a date between"),
        (["import", "letters", "--year", "2099", "--file", f / "ledger-2099.csv"], "2099 is not in the range"),
        (["import", "letters", "--year", "2015", "--file", f / "letters-2015.csv"], "no chase of AUT for 2015"),
        (["import", "expenditure", "--file", f / "spent-nodoc.csv"], "line 2, document: every row names its document"),
        (
            [
                "budget",
                "set",
                "--year",
                "2016",
                "--file",
                f / "budget-negative.csv",
                "--decision",
                "x",
                "--approved-on",
                "2015-09-11",
            ],
            "must not be negative",
        ),  # fmt: skip
        (
            [
                "budget",
                "set",
                "--year",
                "2016",
                "--file",
                f / "budget-negative.csv",
                "--decision",
                "x",
                "--approved-on",
                "2015-02-30",
            ],
            "is not a date",
        ),  # fmt: skip
        (["report", "finances", "--year", "2016", "--as-of", "2099-01-01"], "2099-01-01"),
        (["import", "expenditure", "--file", f / "spent-bidi.csv"], "line 2, description: one line of at most 300"),
        (
            [
                "budget",
                "set",
                "--year",
                "2016",
                "--file",
                f / "budget.csv",
                "--decision",
                "1RC\nATTENDEE:x",
                "--approved-on",
                "2015-09-11",
            ],
            "U+000A",
        ),  # fmt: skip
        (
            [
                "budget",
                "set",
                "--year",
                "2016",
                "--file",
                f / "budget.csv",
                "--decision",
                "x",
                "--approved-on",
                "2015-09-11",
                "--phasing",
                f / "phasing-short.csv",
            ],
            "sum to 96, not to 100",
        ),  # fmt: skip
        (
            ["states", "record", "--state", "LKA", "--event", "accession", "--deposited", "2099-03-01"],
            "is not a day an instrument could be deposited",
        ),
        # the rest
        (["states", "show", "Atlantis"], "unknown State 'Atlantis'"),
        (
            ["report", "contributions", "--year", TODAY.year, "--budget", f / "budget-negative.csv"],
            "must not be negative",
        ),
        (["report", "contributions", "--year", TODAY.year, "--budget", f / "budget-duplicate.csv"], "appears twice"),
        (
            ["report", "contributions", "--year", TODAY.year, "--budget", f / "budget-unknown.csv"],
            "unknown budget line 'zzz'",
        ),
        (["audit", "verify", "--file", f / "missing.jsonl"], "does not exist"),
        (["audit", "export", "--out", f / "amounts.csv"], "exists: give --force"),
        (["outbox", "retry"], "give Message-IDs, or --all"),
        (["outbox", "list", "--output", "xml"], "'xml' is not one of"),
        (["offices", "--output", "xml"], "'xml' is not one of"),
        (["config", "show", "--output", "csv"], "'csv' is not one of"),
        (["server", "start-dev", "--port", "0"], "0 is not in the range"),
        (["worker", "--metrics-port", "70000"], "70000 is not in the range"),
        (["worker", "--promote"], "set CCM_BUILD_ID"),  # no version to promote
        (["doctor", "--attempts", "1"], "1 is not in the range"),
        (["codec-server", "--port", "0"], "0 is not in the range"),
        (
            ["report", "contributions", "--year", TODAY.year, "--output", "md", "--out", f / "note.md"],
            "exists: give --force",
        ),
        (["nosuch"], "No such command 'nosuch'"),
        # Files that are not files a person means: a device that never ends, a FIFO that
        # would block, bytes that are not text.
        (["bank", "import", "/dev/zero"], "/dev/zero is not a regular file"),
        (["bank", "import", f / "fifo"], "fifo is not a regular file"),
        (["bank", "import", f / "not-a-statement.sta"], "not a bank statement: expected camt.053/camt.054"),
        (["import", "contributions", "--year", 2016, "--file", "/dev/zero"], "/dev/zero is not a regular file"),
        (
            ["chase", "start-all", "--year", NEXT, "--budget", "1000", "--scale", f / "binary.csv", "--dry-run"],
            "binary.csv is not UTF-8 text",
        ),
        (["plan", "submit-plan", *theme, "--file", f / "binary.csv", "--as", "ITA"], "is not UTF-8 text"),
        # Dates out of the window their meaning allows (each window is in --help).
        (["report", "contributions", "--as-of", "2040-01-01"], "2040-01-01 is outside 2010-08-01 to today"),
        (["report", "publish", "--year", "2040"], "2040 is not in the range 2010<="),
        (["chase", "status", "--as-of", "2099-01-01"], "is outside 2010-08-01 to today"),
        (
            ["task", "add", "--owner", "ITA", "--text", "x", "--due", "2001-01-01"],
            "2001-01-01 is outside today to 5 years from today",
        ),
        (["meeting", "schedule", "--date", "1999-05-05", "--venue", "x"], "1999-05-05 is outside 2010-08-01"),
        (
            [
                "chase",
                "start",
                "--state",
                "ITA",
                "--year",
                NEXT,
                "--amount",
                "10",
                "--msp-date",
                f"{int(NEXT) + 5}-09-01",
            ],
            "is not in the chase's year",
        ),
        # Text that would reorder or hide what a reader sees, and control characters.
        (
            ["chase", "receive", *chase, "--amount", "5", "--reference", "UBS-\u202e1-GNP"],
            "reference: holds the character U+202E (RIGHT-TO-LEFT OVERRIDE)",
        ),
        (["chase", "receive", *chase, "--amount", "5", "--reference", "UBS\x07"], "holds the character U+0007"),
        (["chase", "waive", *chase, "--reason", "x\u2066y", "--as", "president"], "U+2066"),
        (["task", "add", "--owner", "ITA", "--text", "pay\u202eyap", "--due", NEXT_DAY()], "U+202E"),
        (["chase", "receive", *chase, "--amount", "5", "--as", "Sheila\nMweemba@isu"], "one line"),
        # Values a hostile probe found ending in a traceback.
        (
            ["chase", "start-all", "--year", NEXT, "--budget", "1000", "--scale", f / "nan.csv", "--dry-run"],
            "line 2, rate: 'NaN' is not a number",
        ),
        (
            ["chase", "start-all", "--year", NEXT, "--budget", "1000", "--scale", f / "infinity.csv", "--dry-run"],
            "line 2, rate: 'Infinity' is not a number",
        ),
        (["audit", "verify", "--file", f / "empty.jsonl"], "empty.jsonl is empty: not an export of the event log"),
        (
            ["task", "add", "--owner", "NOR", "--text", "x", "--due", NEXT_DAY(), "--as", "a" * 5000 + "@isu"],
            "who acts must be one line of at most 300 characters",
        ),
        (
            ["task", "add", "--owner", "NOR", "--text", "x", "--due", NEXT_DAY(), "--as", "Anna\nEvil@isu"],
            "who acts must be one line",
        ),
        (
            ["task", "add", "--owner", "NOR", "--text", "x" * 120_000, "--due", NEXT_DAY()],
            "has 120,000 characters: at most 2,000",
        ),
        (
            ["plan", "submit-plan", *theme, "--file", f / "plan-300.yaml", "--as", "ITA"],
            "300 steps: a plan has at most 200",
        ),
        (["meeting", "schedule", "--date", NEXT_DAY(), "--venue", " "], "Invalid value for '--venue': is empty"),
        (["chase", "schedule", "--show"], "there is no schedule yet: create it with `ccm chase schedule"),
        (["chase", "schedule", "--trigger"], "there is no schedule yet"),
        (
            ["audit", "verify", "--checkpoint", f / "checkpoint-huge.json"],
            "is not a checkpoint: seq: Input should be less than or equal to 9223372036854775807",
        ),
    ]


def NEXT_DAY() -> date:  # noqa: N802  (reads as a constant in the table)
    return open_day(TODAY + timedelta(days=1))


def test_every_bad_input_is_one_line_and_changes_nothing(ccm, worker, ccm_env, client, files):
    # What the refusals act on: chases with a receipt, and a meeting still to come.
    setup = [
        ["chase", "start", "--state", "SWE", "--year", NEXT, "--amount", "1000"],
        ["chase", "start", "--state", "SMR", "--year", NEXT, "--amount", "100"],
        ["chase", "receive", "--state", "SWE", "--year", NEXT, "--amount", "5", "--reference", "SE-1"],
        ["meeting", "schedule", "--date", MEETING, "--venue", "Permanent Mission of Germany"],
        [
            "plan",
            "start",
            "--theme",
            "victim-assistance",
            "--msp",
            "11MSP",
            "--meeting",
            MEETING,
            "--plan-due",
            MEETING + timedelta(days=30),
        ],
    ]
    for args in setup:
        result = ccm(*args)
        assert result.exit_code == 0, (args, result.output)
    log = event_log(ccm_env)
    settled = {
        (f"chase-{NEXT}-SWE", "chase.receipt_recorded"),
        (f"chase-{NEXT}-SMR", "chase.reminder_sent"),
        (f"meeting-cc-{MEETING.isoformat()}", "meeting.scheduled"),
        ("concept-note-11MSP-victim-assistance", "concept.started"),
    }
    wait_for(lambda: settled <= {(e.workflow_id, e.event_type) for e in log.query()}, seconds=30)

    def look():
        async def workflows():
            return sorted([(wf.id, wf.run_id, wf.status.name) async for wf in client.list_workflows()])

        return [e.hash for e in log.query()], asyncio.run(workflows())

    def snapshot():
        """The log and the workflows once they hold still (visibility and the worker's log
        writes settle): two looks a moment apart that agree."""
        seen = [look()]
        wait_for(lambda: seen.append(look()) or seen[-1] == seen[-2], seconds=30)
        return seen[-1]

    before = snapshot()
    table = cases(files)
    for args, expected in table:
        result = ccm(*args)
        where = f"ccm {' '.join(map(str, args))}: {result.output!r}"
        assert result.exit_code in (1, 2), where
        assert "Traceback" not in result.output, where
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), where
        assert expected in lines[0], where
        assert result.stdout == "", where
    assert snapshot() == before


# Commands with no row in the table: each takes no input a person could get wrong here,
# or its bad input is refused in a module of its own (named).
NOT_IN_THE_TABLE = {
    "universalization target",
    "universalization outreach",
    "universalization close",
    "universalization list",
    "universalization rebuild",  # test_universalization_cli
    "universalization watch",  # no input
    "universalization letter",  # test_universalization_cli: the ISU, --out alone, no campaign
    "event add",
    "event funding",
    "event cancel",
    "coalition set",  # test_outreach_cli: bad days, funding without a funder, unknown events
    "event ics",
    "coalition list",  # no input
    "audit checkpoint",
    "audit schedule-checkpoints",  # test_signed_commands, test_audit_cli
    "audit history",
    "audit log",  # test_audit_cli
    "bank match",
    "bank statements",
    "bank status",  # test_bank_cli
    "budget show",  # a year only: test_finances_cli
    "chase rebuild",  # test_broken_runs
    "completion",
    "demo",
    "health",
    "ping",
    "up",
    "db upgrade",  # no input, or test_cli / test_deployment
    "data add-holidays",
    "data add-scale",
    "data checked-registry",
    "data list",  # test_data_cli
    "keys list",
    "keys new",
    "keys register",
    "keys revoke",  # test_signed_commands
    "letters contacts",
    "letters held",
    "letters preview",  # test_letters_cli
    "meeting agenda",
    "meeting agenda-adopted",
    "meeting ics",
    "meeting reschedule",  # test_meeting_cli
    "obligations decide-extension",
    "obligations list",
    "obligations override-due",  # test_obligations_cli
    "obligations request-extension",
    "report obligations",
    "plan approve-final",
    "plan comment",
    "plan request-changes",
    "plan set-due",
    "plan status",  # test_plan_cli
    "plan withdraw",
    "task cancel",
    "task extend",
    "task list",
    "task reassign",  # test_follow_ups
}


def test_the_table_has_a_row_for_every_command_but_those_named(tmp_path):
    """A row lost from the table (or a command added without one) is seen: the commands it
    covers and the ones named as covered elsewhere are every command of the CLI."""
    import click

    from cli.main import cli

    def leaves(group, path=()):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from leaves(command, path + (name,))
            else:
                yield " ".join(path + (name,))

    every = set(leaves(cli))
    rows = [[str(a) for a in args] for args, _ in cases(tmp_path)]
    covered = {c for c in every for row in rows if row[: len(c.split())] == c.split()}
    assert covered | NOT_IN_THE_TABLE == every and not covered & NOT_IN_THE_TABLE


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("CCM_SMTP_PORT", "99999", "CCM_SMTP_PORT: Input should be less than or equal to 65535"),
        ("CCM_TEMPORAL_ADDRESS", "", "CCM_TEMPORAL_ADDRESS: '' is not HOST:PORT"),
        ("CCM_TEMPORAL_ADDRESS", "localhost", "CCM_TEMPORAL_ADDRESS: 'localhost' is not HOST:PORT"),
        ("CCM_HOME", " ", "CCM_HOME: is empty"),
        ("CCM_BUILD_ID", "1.0\nx", "CCM_BUILD_ID: String should match pattern"),
        ("CCM_BUILD_ID", "v" * 101, "CCM_BUILD_ID: String should match pattern"),
        ("CCM_DEPLOYMENT_NAME", "../ccm", "CCM_DEPLOYMENT_NAME: String should match pattern"),
        ("CCM_ISU_NAME", "联合国日内瓦办事处", "CCM_ISU_NAME: letters could not print it: the text"),
    ],
)
def test_a_setting_that_cannot_work_is_one_line_naming_its_variable(ccm, variable, value, message):
    result = ccm("chase", "status", "--state", "ITA", "--year", NEXT, env={variable: value})
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {message}"), result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_a_task_whose_text_is_a_formula_is_text_in_the_csv(ccm, worker):
    """OWASP's CSV injection: a cell that begins `=HYPERLINK(…)` would run when the CSV is
    opened in a spreadsheet; it is written with a leading apostrophe."""
    added = ccm("task", "add", "--owner", "NOR", "--text", '=HYPERLINK("http://evil.example","x")', "--due", NEXT_DAY())
    assert added.exit_code == 0, added.output
    item = added.stdout.split()[-1]
    listed = wait_for(lambda: (r := ccm("task", "list", "-o", "csv")) and item in r.stdout and r)
    assert "'=HYPERLINK(" in listed.stdout and ",=HYPERLINK(" not in listed.stdout


def test_a_logo_that_is_no_image_is_one_line_naming_the_variable(ccm, tmp_path):
    text = tmp_path / "logo.png"
    text.write_text("not an image")
    result = ccm("config", "show", env={"CCM_LOGO": str(text)})
    assert result.exit_code == 1 and result.stderr.strip() == (
        f"Error: CCM_LOGO: {text} is not an image (PNG, JPEG, GIF or SVG)"
    ), result.output


def test_the_outbox_lists_around_a_folder_or_a_planted_file_without_a_message_id(ccm, ccm_env):
    """What someone leaves in `outbox/new` (a folder, a file that is no message of ccm's)
    is passed over: the list is printed, with no traceback."""
    new = Path(ccm_env["CCM_HOME"]) / "outbox" / "new"
    (new / "a-folder").mkdir(parents=True, exist_ok=True)
    (new / "planted").write_text("Subject: hello\n\nnot one of ccm's messages\n")
    try:
        listed = ccm("outbox", "list", "-o", "json")
        assert listed.exit_code == 0 and "Traceback" not in listed.output, listed.output
        assert "planted" not in listed.stdout and "a-folder" not in listed.stdout
    finally:
        (new / "planted").unlink()
        (new / "a-folder").rmdir()
