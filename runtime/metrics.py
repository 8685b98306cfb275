"""The worker's metrics page for Prometheus: the SDK's own (task latencies and failures,
slots, pollers) and ccm's. Counters are kept where things happen (letters, deliveries and
bank lines in `activities.records`, refusals in `workflows.common.count_refusal`, rows
written here); the gauges here describe the state of the whole deployment, read every
CCM_METRICS_INTERVAL seconds (30) from Temporal's visibility and the outbox. Every worker
serving the processes exports the same gauges: the dashboard and the alert rules take
their `max`, whichever worker answered."""

from __future__ import annotations

import asyncio
import time
import typing
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from domain.chase import LetterKind

if TYPE_CHECKING:
    from temporalio.client import Client
    from temporalio.common import MetricMeter
    from temporalio.runtime import Runtime


def metrics_runtime(bind: str) -> Runtime:
    """A Temporal runtime serving its metrics on `bind` (`HOST:PORT`)/metrics, named as
    Prometheus names them: counters end in `_total`, units are suffixed, durations are in
    seconds."""
    from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

    try:
        return Runtime(
            telemetry=TelemetryConfig(
                metrics=PrometheusConfig(
                    bind_address=bind, counters_total_suffix=True, unit_suffix=True, durations_as_seconds=True
                )
            )
        )
    except ValueError as e:  # the SDK's core says it so: "Failed starting Prometheus exporter: Address already in use"
        raise MetricsUnavailable(f"cannot serve metrics on {bind}: {str(e).split(': ', 1)[-1]}") from None


class MetricsUnavailable(Exception):
    """The metrics page cannot be served where asked (a port in use, an address not ours)."""


def count_appends(log, meter: MetricMeter) -> None:
    """`ccm_eventlog_appends_total`: rows this worker wrote to the event log (a retried
    activity's second write writes no row, and is not counted);
    `ccm_eventlog_transactions_total`: the transactions that wrote them (appends gathered
    by the group commit share one); and among the rows
    `ccm_deliveries_failed_total`, the messages given up on after a day of attempts
    (`*.delivery_failed`)."""
    appended, given_up = counter(meter, "ccm_eventlog_appends"), counter(meter, "ccm_deliveries_failed")
    transactions = counter(meter, "ccm_eventlog_transactions")

    def written(types: list[str]) -> None:
        appended.add(len(types))
        transactions.add(1)
        if failed := sum(t.endswith(".delivery_failed") for t in types):
            given_up.add(failed)

    log.on_written = written


# The letters a chase writes, each a label of the letters' counters.
LETTER_KINDS = typing.get_args(LetterKind)

# The counters an alert or a panel reads, at 0 from the worker's start: a counter that
# first appears at 1 has no increase() until its second change, and an alert on it would
# miss the first failure. Those whose labels cannot be listed (refusals' codes) appear
# with their first count.
ZERO_FROM_START = {
    "ccm_eventlog_appends": [{}],
    "ccm_eventlog_transactions": [{}],
    "ccm_messages_delivered": [{}],
    "ccm_delivery_attempts_failed": [{}],
    "ccm_deliveries_failed": [{}],
    "ccm_bank_lines": [{"outcome": o} for o in ("matched", "unmatched", "reversed", "ignored")],
    "ccm_bank_unmatched_amount": [{"currency": "CHF"}],
    # A letter held (no address, nothing to pay) is a State not written to: the panel and
    # its increase() count the first one.
    "ccm_letters_held": [
        {"kind": kind, "language": language} for kind in LETTER_KINDS for language in ("en", "fr", "es")
    ],
}


def counter(meter: MetricMeter, name: str):
    from domain.contract import COUNTERS

    return meter.create_counter(name, COUNTERS[name])


def declare_counters(meter: MetricMeter) -> None:
    for name, label_sets in ZERO_FROM_START.items():
        for labels in label_sets:
            counter(meter, name).add(0, labels or None)


def outbox_state(outbox: Path, now: float | None = None) -> tuple[int, float]:
    """How many messages wait in the outbox for delivery, and the age in seconds of the
    oldest (0 when it is empty)."""
    times = []
    for path in (outbox / "new").iterdir():
        try:
            times.append(path.stat().st_mtime)
        except FileNotFoundError:  # delivered while we looked
            continue
    return len(times), (max(0.0, (now or time.time()) - min(times)) if times else 0.0)


async def stage_counts(client: Client, workflow_type: str) -> Counter[str]:
    """Running processes of one type, by the stage their search attribute shows."""
    from workflows.common import CCM_STAGE

    counts: Counter[str] = Counter()
    async for run in client.list_workflows(f"WorkflowType = '{workflow_type}' AND ExecutionStatus = 'Running'"):
        counts[run.typed_search_attributes.get(CCM_STAGE) or "starting"] += 1
    return counts


class Observer:
    """The deployment's gauges: the outbox, chases by stage, obligations overdue."""

    def __init__(self, client: Client, outbox: Path, meter: MetricMeter, interval: float = 30):
        self.client = client
        self.interval = interval
        self.outbox = outbox
        self.waiting = meter.create_gauge("ccm_outbox_messages", "messages in the outbox waiting for delivery")
        # Gauges get no unit suffix from the SDK: the name carries it.
        self.oldest = meter.create_gauge_float(
            "ccm_outbox_oldest_message_age_seconds", "age of the oldest message waiting in the outbox"
        )
        self.chases = meter.create_gauge("ccm_chases", "contribution chases running, by stage")
        self.overdue = meter.create_gauge("ccm_obligations_overdue", "obligations running past their due date")
        self.stages_seen: set[str] = set()

    async def observe(self) -> None:
        depth, age = await asyncio.to_thread(outbox_state, self.outbox)
        self.waiting.set(depth)
        self.oldest.set(age)
        chases = await stage_counts(self.client, "ContributionChase")
        # A stage no chase is in any more reads 0, not its last count.
        self.stages_seen |= set(chases)
        for stage in self.stages_seen:
            self.chases.set(chases[stage], {"stage": stage})
        self.overdue.set((await stage_counts(self.client, "Obligation"))["overdue"])

    async def run(self, stop: asyncio.Event, say=print) -> None:
        while not stop.is_set():
            try:
                await self.observe()
            except Exception as e:  # a gauge not refreshed is no reason to stop the worker
                say(f"metrics: could not observe the deployment ({type(e).__name__}: {e})")
            try:
                await asyncio.wait_for(stop.wait(), self.interval)
            except TimeoutError:
                pass
