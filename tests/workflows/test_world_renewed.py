"""The annual cycle after the shipped world runs out: the time-skipping server's clock moved
to 2 January 2028 and to 31 December 2030. With no UN scale for the year the cycle says
what is missing, logs it and starts nothing; once the operator records the year's scale
through the worker (`ccm data add-scale` → `RecordCommand` add_data), the same cycle bills
the year by it.

The 2028-2030 scale does not exist yet (the General Assembly adopts it in December 2027):
the stand-in recorded here is the 2025-2027 scale's rates, said to be so in its source."""

from __future__ import annotations

import concurrent.futures
import csv
import io
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from activities.database import open_event_log
from activities.letters import Mailbox
from activities.records import CcmActivities
from domain.cycle import CycleInput, CycleResult
from domain.event_types import ScaleAdded
from domain.events import NewEvent
from domain.records import RecordInput
from domain.scale import _shipped_text
from tests.conftest import sleep_until
from tests.letters import write_contacts
from tests.workers import Worker
from workflows.annual_cycle import AnnualContributionCycle
from workflows.record import RecordCommand


def stand_in_scale() -> ScaleAdded:
    rates = {
        row["alpha3"]: Decimal(row["rate_2025_2027"])
        for row in csv.DictReader(io.StringIO(_shipped_text()))
        if row["rate_2025_2027"]
    }
    return ScaleAdded(
        period="2028-2030",
        rates=rates,
        source="test stand-in: the rates of A/RES/79/249 (2025-2027) under the 2028-2030 period",
    )


@pytest.mark.parametrize(
    "moment", [datetime(2028, 1, 2, 6, tzinfo=timezone.utc), datetime(2030, 12, 31, 12, tzinfo=timezone.utc)]
)
async def test_the_cycle_says_what_is_missing_then_bills_the_year_by_the_scale_the_operator_recorded(
    time_skipping_env, task_queue, tmp_path, moment, request
):
    if request.config.getoption("--clock"):
        pytest.skip("this test sets its own clock: `make test-dates` has nothing to add")
    env = time_skipping_env
    if await env.get_current_time() > moment:
        pytest.skip(f"the server's clock is past {moment:%Y-%m-%d} already")
    await sleep_until(env, moment)
    log = open_event_log(f"sqlite:///{tmp_path / 'eventlog.db'}")
    acts = CcmActivities(log, Mailbox(tmp_path, "isu@example.org"), write_contacts(tmp_path / "contacts.csv"))
    year = moment.year
    # The clock stays on that day: nothing here waits on a timer, and the server would
    # otherwise skip ahead while a result is awaited.
    with concurrent.futures.ThreadPoolExecutor(4) as pool, env.auto_time_skipping_disabled():
        async with Worker(
            env.client,
            task_queue=task_queue,
            activities=acts,
            activity_executor=pool,
        ):
            inp = CycleInput(budget=Decimal("1000000"))  # the year it runs in, by the shipped scale
            missing: CycleResult = await env.client.execute_workflow(
                AnnualContributionCycle.run, inp, id=f"annual-contribution-cycle-{year}", task_queue=task_queue
            )
            assert missing.year == year and missing.started == []
            assert f"no one is billed for {year}: no shipped UN scale covers {year}" in missing.missing
            assert "ccm data add-scale" in missing.missing
            said = [e for e in log.query(event_type="cycle.*")]
            assert [(e.event_type, e.actor) for e in said] == [("cycle.not_billed", "unnamed")]
            assert not list(log.query(event_type="chase.*"))

            added = stand_in_scale()
            event = NewEvent(
                idempotency_key="data/scale/0123456789abcdef",
                workflow_id="data",
                subject="scale",
                event_type="data.scale_added",
                occurred_at=moment,
                actor="Sheila Mweemba",
                office="isu",
                payload=added.model_dump(mode="json"),
            )
            await env.client.execute_workflow(
                RecordCommand.run,
                RecordInput(command="add_data", events=[event], actor="Sheila Mweemba", office="isu"),
                id=f"record-add-data-{year}",
                task_queue=task_queue,
            )
            billed: CycleResult = await env.client.execute_workflow(
                AnnualContributionCycle.run, inp, id=f"annual-contribution-cycle-{year}-again", task_queue=task_queue
            )
            assert billed.missing == "" and len(billed.started) > 100, billed
            started = next(iter(log.query(workflow_id=f"chase-{year}-DEU", event_type="chase.started")))
            assert Decimal(started.payload["amount_due"]) > 0
