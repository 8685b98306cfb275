"""Every dialect imported through a `ccm worker` into the event log, on SQLite and on
PostgreSQL: each line logged once, with what became of it; the same file again, or its
lines reordered, writes nothing new; what the lines move is the closing balance less the
opening."""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner

from cli.main import cli
from domain.schedule import geneva_today
from tests.dialects import MT940_DIALECTS, Batch, camt
from tests.statements import Line

DAY = geneva_today()
LINES = [
    Line("", "500", DAY, text="Contribution from Atlantis"),
    Line("", "250", DAY, text="Interest"),
    Line("", "9.50", DAY, credit=False, text="Fee"),
]
CAMT = [
    Line("D1", "500", DAY, text="Contribution from Atlantis"),
    Batch("D2", DAY, [Line("D2-1", "100", DAY, text="a"), Line("D2-2", "150", DAY, text="b")]),
    Line("D3", "9.50", DAY, credit=False, text="Fee"),
]
ACCOUNTS = {"02": "CH8400762000000001000", "04": "CH5700762000000001001", "08": "CH3000762000000001002"}


def files() -> list[tuple[str, bytes, bytes]]:
    """(dialect, a statement, the same lines in another order or form)."""
    made = [
        (bank, write(LINES, opening=Decimal("100")), write(LINES, opening=Decimal("100")))
        for bank, write in MT940_DIALECTS.items()
    ]
    for version, account in ACCOUNTS.items():
        made.append(
            (
                f"camt.053.{version}",
                camt("camt.053", version, CAMT, opening=Decimal("100"), account=account),
                camt("camt.054", version, list(reversed(CAMT)), "NOTIFIED", account=account),
            )
        )
    return made


@pytest.fixture
def imported(db_url, tmp_path, worker_on):
    env = worker_on({"CCM_DATABASE_URL": db_url, "CCM_HOME": str(tmp_path)})
    runner = CliRunner()

    def run(data: bytes):
        path = tmp_path / "statement"
        path.write_bytes(data)
        result = runner.invoke(cli, ["bank", "import", str(path)], env=env)
        assert result.exit_code == 0, result.output
        return result.stdout

    return run


def test_every_dialect_is_logged_line_by_line_once_on_both_databases(db_url, imported):
    from activities.database import open_event_log

    log = open_event_log(db_url)
    for dialect, first, again in files():
        said = imported(first)
        assert ", 0 already imported;" in said, (dialect, said)
        assert " 0 matched" in said and "unmatched" in said
        repeated = imported(again)  # the same lines: the same names, nothing new
        assert "0 matched, 0 reversed, 0 unmatched, 0 ignored" in repeated, (dialect, repeated)
    entries = [e.payload["entry"] for e in log.query(event_type="bank.entry_*")]
    assert len(entries) == len(MT940_DIALECTS) * 3 + len(ACCOUNTS) * 4  # every line, once
    statements = [
        e.payload for e in log.query(event_type="bank.statement_imported") if e.payload["format"] != "camt.054"
    ]
    for s in statements:
        moved = sum(
            (
                Decimal(e["amount"]) if e["credit"] else -Decimal(e["amount"])
                for e in entries
                if e["account"] == s["account"]
            ),
            Decimal(0),
        )
        assert Decimal(s["closing"]) - Decimal(s["opening"]) == moved, s["id"]
    assert log.verify().ok
