"""A property of every import, through a `ccm worker` on SQLite and on PostgreSQL, over
generated statements (hypothesis): imported in two parts and then whole and reordered,
every line is logged once and ends matched, reversed, unmatched (with its reason) or
ignored; the money the chases received moved by exactly the matched credits less the
reversed ones; nothing is counted twice or lost."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal

from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schwifty import IBAN

from cli.main import cli
from domain.bank import creditor_reference
from domain.schedule import geneva_today
from tests.statements import Line, camt053

YEAR = geneva_today().year
STATES = ("AUT", "BEL", "CHL")
ACCOUNTS = itertools.count(3000)

statements = st.lists(
    st.tuples(st.integers(1, 50_000), st.sampled_from([None, 0, 1, 2]), st.booleans(), st.booleans()),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)  # no shrinking: each example is an import
@given(rows=statements, cut=st.integers(0, 8), order=st.randoms(use_true_random=False))
def test_every_line_ends_once_and_the_chases_receive_exactly_what_was_matched(
    db_url, tmp_path, worker_on, rows, cut, order
):
    env = _started(worker_on, db_url, tmp_path)
    runner = CliRunner()
    number = next(ACCOUNTS)  # each example on an account of its own
    account = IBAN.generate("CH", bank_code="00762", account_code=str(number)).compact
    day = geneva_today()
    # A credit (or, when marked, a reversal of one) of an amount, naming a chase or none.
    lines = [
        Line(
            f"P{number}-{n}",
            Decimal(cents) / 100,
            day,
            credit=not reversal,
            reversal=reversal,
            reference=creditor_reference(YEAR, STATES[who]) if who is not None else "",
            text="" if who is not None or not other else "interest",
        )
        for n, (cents, who, reversal, other) in enumerate(rows)
    ]

    def received() -> dict[str, Decimal]:
        out = runner.invoke(cli, ["chase", "status", "--year", str(YEAR), "-o", "json"], env=env)
        return {r["state"]: Decimal(r["received"]) for r in json.loads(out.stdout) if r["state"] in STATES}

    def imported(part: list[Line], name: str, opening: Decimal) -> None:
        path = tmp_path / f"{name}.xml"
        path.write_bytes(camt053(part, name, opening=opening, account=account))
        result = runner.invoke(cli, ["bank", "import", str(path)], env=env)
        assert result.exit_code == 0, result.output

    before = received()
    cut = min(cut, len(lines))
    first, second = lines[:cut], lines[cut:]
    opening = Decimal("0.00")
    for n, part in enumerate(p for p in (first, second) if p):
        imported(part, f"S{n}", opening)
        opening += sum((Decimal(x.amount) if x.credit else -Decimal(x.amount) for x in part), Decimal(0))
    shuffled = list(lines)
    order.shuffle(shuffled)
    imported(shuffled, "WHOLE", Decimal("0.00"))  # the same lines again: nothing new

    rows_ = json.loads(runner.invoke(cli, ["bank", "status", "-o", "json"], env=env).stdout)
    mine = {r["entry"]: r for r in rows_ if r["entry"] in {x.ref for x in lines}}
    assert set(mine) == {x.ref for x in lines}  # every line, once
    for line in lines:
        row = mine[line.ref]
        assert row["outcome"] in ("matched", "reversed", "unmatched", "ignored")
        assert row["outcome"] != "unmatched" or row["reason"]
    after = received()
    for state in STATES:
        credited = sum(
            (Decimal(r["amount"]) for r in mine.values() if r["outcome"] == "matched" and r["chase"].endswith(state)),
            Decimal(0),
        )
        reversed_ = sum(
            (Decimal(r["amount"]) for r in mine.values() if r["outcome"] == "reversed" and r["chase"].endswith(state)),
            Decimal(0),
        )
        assert after[state] - before[state] == credited - reversed_, state


_ENVS: dict[str, dict] = {}


def _started(worker_on, db_url: str, tmp_path) -> dict:
    """One worker and three chases per database for all the examples (amounts no receipt
    here can pay, so every chase stays open)."""
    if db_url not in _ENVS:
        env = worker_on({"CCM_DATABASE_URL": db_url, "CCM_HOME": str(tmp_path)})
        for state in STATES:
            result = CliRunner().invoke(
                cli, ["chase", "start", "--state", state, "--year", str(YEAR), "--amount", "9999999"], env=env
            )
            assert result.exit_code == 0, result.output
        _ENVS[db_url] = env
    return _ENVS[db_url]
