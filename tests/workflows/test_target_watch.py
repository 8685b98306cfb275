"""A universalization target watched on the time-skipping server: nothing is logged before
its day; the day after, it is counted from the registry the log holds and logged met or
missed; a target whose day has passed is judged at once."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone

from domain.states import registry
from domain.target_watch import TargetWatchInput
from domain.universalization import Target, targets
from tests.conftest import sleep_until
from workflows.target_watch import UniversalizationTarget


async def watch(env, task_queue, target: Target):
    return await env.client.start_workflow(
        UniversalizationTarget.run,
        TargetWatchInput(target=target),
        id=f"target-{target.id}-{uuid.uuid4().hex[:6]}",
        task_queue=task_queue,
    )


async def test_a_target_is_judged_the_day_after_its_day_from_the_registry(time_skipping_env, task_queue, worker, log):
    env = time_skipping_env
    today = (await env.get_current_time()).date()
    parties_now = len(registry().parties(today))
    by = today + timedelta(days=10)
    reachable = Target(id="reach", target=f"{parties_now} States Parties", measure="parties", count=parties_now,
                       by=by, source="test")  # fmt: skip
    beyond = reachable.model_copy(update={"id": "beyond", "target": "one more", "count": parties_now + 1})
    met, missed = await watch(env, task_queue, reachable), await watch(env, task_queue, beyond)

    await sleep_until(env, datetime.combine(by, time(23), tzinfo=timezone.utc))
    assert (await met.query(UniversalizationTarget.status)).stage == "watching"
    assert [e.event_type for e in log.query(workflow_id=met.id)] == ["target.watched"]

    assert (await met.result()).stage == "met" and (await missed.result()).stage == "missed"
    [judged] = [e for e in log.query(workflow_id=missed.id) if e.event_type == "target.missed"]
    assert {k: judged.payload[k] for k in ("count", "reached", "by")} == {
        "count": parties_now + 1,
        "reached": parties_now,
        "by": by.isoformat(),
    }
    assert judged.occurred_at.date() == by + timedelta(days=1)  # on the day after, not before


async def test_a_target_whose_day_has_passed_is_judged_at_once(time_skipping_env, task_queue, worker, log):
    """130 States Parties by 2020, missed: 108 on 31 December 2020 (the shipped registry)."""
    [by_2020] = [t for t in targets() if t.id == "130-by-2020"]
    handle = await watch(time_skipping_env, task_queue, by_2020)
    result = await handle.result()
    assert (result.stage, result.reached) == ("missed", 108)
    assert by_2020.by == date(2020, 12, 31)
    assert [e.event_type for e in log.query(workflow_id=handle.id)] == ["target.watched", "target.missed"]
