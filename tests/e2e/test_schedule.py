"""The annual cycle on a Temporal Schedule, on a dev server of its own (its chases for
this year must not meet those of the other CLI tests)."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import pytest_asyncio
from click.testing import CliRunner

from cli.main import cli
from domain.cycle import billed
from domain.schedule import geneva_today
from domain.states import registry
from tests.conftest import start_dev_server, start_worker, wait_for
from tests.e2e.conftest import event_log

YEAR = geneva_today().year


@pytest_asyncio.fixture(scope="module")
async def own_server():
    env = await start_dev_server()
    yield env
    await env.shutdown()


@pytest.fixture(scope="module")
def env(own_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("cycle")
    values = {
        "CCM_TEMPORAL_ADDRESS": own_server.client.service_client.config.target_host,
        "CCM_HOME": str(home),
        "CCM_TASK_QUEUE": f"cycle-{uuid.uuid4().hex[:6]}",
        "CCM_HEARTBEAT_FILE": str(home / "hb"),
    }
    worker = start_worker(values, home / "worker.log")
    yield values
    worker.terminate()
    worker.wait(timeout=20)


def next_run(month: int, day: int) -> date:
    """The next 08:00 UTC on that day, as the schedule computes it."""
    now = datetime.now(timezone.utc)
    this_year = datetime(now.year, month, day, 8, tzinfo=timezone.utc)
    return (this_year if this_year > now else this_year.replace(year=now.year + 1)).date()


def ccm(env, *args):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def record_a_scale_where_none_ships(env, tmp_path) -> None:
    """From 2028 no shipped scale covers the year: the operator records one, as the README
    tells (`ccm data add-scale`). The stand-in is the latest shipped period's rates."""
    from domain.scale import ScaleError, shipped_periods, shipped_scale

    try:
        shipped_scale(YEAR)
        return
    except ScaleError:
        pass
    last = shipped_scale(shipped_periods()[-1][1])
    rates = tmp_path / "scale.csv"
    rates.write_text("state,rate\n" + "".join(f"{a},{r}\n" for a, r in last.rates.items()))
    first = shipped_periods()[-1][1] + 3 * ((YEAR - shipped_periods()[-1][1] - 1) // 3) + 1
    r = ccm(env, "data", "add-scale", rates, "--period", f"{first}-{first + 2}", "--source", "test stand-in")
    assert r.exit_code == 0, r.output


@pytest.mark.slow
def test_the_schedule_starts_the_years_chases_once_and_can_be_shown_paused_and_deleted(env, tmp_path):
    budget = tmp_path / "budget.csv"
    budget.write_text("line,amount,kind\n7a,150000,mandatory\n7b,150000,voluntary\n7c,200000,voluntary\n")
    record_a_scale_where_none_ships(env, tmp_path)
    # No --scale: each year is billed by the UN scale of its period, shipped with ccm.
    r = ccm(env, "chase", "schedule", "--day", "01-15", "--budget-file", budget)
    assert r.exit_code == 0 and r.output.strip() == "ccm-annual-contribution-cycle created", r.output
    shown = ccm(env, "chase", "schedule", "--show").output
    assert "active, every 01-15 at 08:00 UTC" in shown and f"next run {next_run(1, 15)}" in shown
    r = ccm(env, "chase", "schedule", "--day", "01-20", "--budget-file", budget)
    assert r.output.strip() == "ccm-annual-contribution-cycle updated"
    assert "every 01-20" in ccm(env, "chase", "schedule", "--show").output

    assert "triggered" in ccm(env, "chase", "schedule", "--trigger").output

    n = sum(1 for s in registry() if billed(s, int(YEAR), "any-day"))  # 112 in 2026

    def all_started():
        r = ccm(env, "chase", "status", "--year", YEAR, "-o", "json")  # "no chases" until the first
        rows = json.loads(r.output) if r.exit_code == 0 else []
        return rows if len(rows) == n else None

    rows = wait_for(all_started, 90)
    by_state = {r["state"]: r for r in rows}
    assert sum(Decimal(r["amount_due"]) for r in rows) == Decimal("500000.00")
    assert Decimal(by_state["DEU"]["amount_due"]) > Decimal(by_state["ITA"]["amount_due"]) > Decimal("100")
    assert by_state["VAT"]["amount_due"] == "100.00"  # no UN rate: the minimum

    ccm(env, "chase", "schedule", "--trigger")  # a second run starts none twice
    log = event_log(env)
    runs = wait_for(lambda: (r := list(log.query(event_type="cycle.chases_started"))) and len(r) == 2 and r, 60)
    assert [(len(r.payload["started"]), len(r.payload["existing"])) for r in runs] == [(n, 0), (0, n)]

    assert "paused" in ccm(env, "chase", "schedule", "--pause").output
    assert ": paused," in ccm(env, "chase", "schedule", "--show").output
    assert "deleted" in ccm(env, "chase", "schedule", "--delete").output
    gone = ccm(env, "chase", "schedule", "--show")
    assert gone.exit_code == 1 and len(gone.output.strip().splitlines()) == 1


def test_a_schedule_with_bad_files_is_refused_before_anything_is_created(env, tmp_path):
    scale = tmp_path / "scale.csv"
    scale.write_text("state,rate\nItlay,3\n")
    budget = tmp_path / "budget.csv"
    budget.write_text("line,amount,kind\n7a,100,mandatory\n")
    r = ccm(env, "chase", "schedule", "--budget-file", budget, "--scale", scale)
    assert r.exit_code == 1 and "did you mean Italy (ITA)?" in r.output
    amounts = tmp_path / "amounts.csv"
    amounts.write_text("state,amount\nITA,38486\n")
    # a day no year has, refused before anything connects (no server listens at that address)
    r = ccm(env | {"CCM_TEMPORAL_ADDRESS": "127.0.0.1:9"}, "chase", "schedule", "--day", "02-30", "--amounts", amounts)
    assert r.exit_code == 2 and "--day" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.output
