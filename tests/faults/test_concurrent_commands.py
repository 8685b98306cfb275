"""Commands of every kind at once on the same chases, the worker killed and restarted in the
middle: every history must still replay, and every figure must be the one the commands
add up to, in whatever order they were applied.

The probe that found chases poisoned (`../shared/histories/poisoned/`) sent a handful of
commands at once to each chase on a loaded machine: each run answered them all, then
failed every workflow task after the next worker restart, because an update was accepted
while another update's local activity was resolved across a workflow-task boundary.
Process workflows now run no local activity (`workflows.common.call`); this test is the
load that found it, made worse (a slow log append, a worker SIGKILLed), with every
history replayed at the end. Marked `slow`; CI runs it."""

from __future__ import annotations

import asyncio
import threading
import uuid
from decimal import Decimal

import pytest

from activities.database import open_event_log
from domain.chase import ChaseStatus, CorrectDue, RecordReceipt, ReportPayment, ReverseReceipt
from domain.schedule import geneva_today
from services.commands import update_id
from tests.faults.test_faults import YEAR, Cluster, connect, persist, start_chases

pytestmark = pytest.mark.slow

STATES = ["AUT", "BEL", "CHE", "DEU", "ESP", "FRA", "ITA", "MEX", "NOR", "PER"]
RECEIPT = Decimal("100.00")
IN_FLIGHT = 8
CORRECTIONS = [Decimal(v) for v in ("4000", "4100", "4200", "4300", "4400")]


@pytest.fixture
def slow_cluster(tmp_path):
    # Every append to the log waits 50 ms (a test setting of the worker): commands pile up
    # behind each other on each chase, as on a loaded machine.
    c = Cluster(tmp_path)
    c.env["CCM_TEST_APPEND_DELAY"] = "0.05"
    yield c
    c.close()


def commands(state: str, round_: int) -> list[tuple[str, object]]:
    """20 commands on one chase: 5 receipts, 5 corrections of the amount due, 5 reports of
    payment, 5 reversals of the two receipts recorded before (`to_reverse`): two accepted,
    the others refused."""
    today = geneva_today()
    refs = [f"R{round_}-{state}-{i}" for i in range(5)]
    reversed_refs = [cmd.reference for _, cmd in to_reverse(state, round_)]
    out: list[tuple[str, object]] = []
    out += [("record_receipt", RecordReceipt(amount=RECEIPT, date=today, reference=r, budget_line="7a")) for r in refs]
    out += [
        ("correct_due", CorrectDue(amount=a, reason=f"round {round_} correction {i}"))
        for i, a in enumerate(CORRECTIONS)
    ]
    out += [
        ("report_payment", ReportPayment(date=today, reference=f"SAID-{round_}-{i}", office=state)) for i in range(5)
    ]
    out += [
        ("reverse_receipt", ReverseReceipt(reference=reversed_refs[i % 2], reason=f"returned by the bank {i}"))
        for i in range(5)
    ]
    return out


def to_reverse(state: str, round_: int) -> list[tuple[str, object]]:
    return [
        (
            "record_receipt",
            RecordReceipt(amount=RECEIPT, date=geneva_today(), reference=f"X{round_}-{state}-{i}", budget_line="7a"),
        )
        for i in range(2)
    ]


async def send_all(cluster: Cluster, round_: int, burst) -> dict[str, list[str]]:
    """All 200 commands at once; each retried across the killed worker with its one update
    id. Returns, per State, the names of the commands that were accepted."""
    from temporalio.client import WorkflowUpdateFailedError

    client = await connect(cluster)
    accepted: dict[str, list[str]] = {s: [] for s in STATES}
    # Temporal takes at most 10 updates in flight on one workflow (`history.maxInFlightUpdates`)
    # and answers more with ResourceExhausted, which clients retry: the test keeps under it.
    in_flight = {s: asyncio.Semaphore(IN_FLIGHT) for s in STATES}

    async def one(state: str, name: str, cmd) -> None:
        wid = f"chase-{YEAR}-{state}"
        uid = update_id(wid, name, cmd) + f"-{round_}-{uuid.uuid4().hex[:6]}"
        async with in_flight[state]:
            try:
                await persist(lambda: client.get_workflow_handle(wid).execute_update(name, cmd, id=uid))
                accepted[state].append(name)
            except WorkflowUpdateFailedError:
                pass  # refused: a second reversal of one receipt

    await asyncio.gather(*(one(s, n, c) for s in STATES for n, c in burst(s, round_)))
    return accepted


async def histories_and_statuses(cluster: Cluster):
    from temporalio.worker import Replayer

    from runtime.codec import CCM_CONVERTER
    from workflows.contribution_chase import ContributionChase

    client = await connect(cluster)
    replayer = Replayer(workflows=[ContributionChase], data_converter=CCM_CONVERTER)
    failures, statuses = {}, {}
    for state in STATES:
        handle = client.get_workflow_handle(f"chase-{YEAR}-{state}")
        history = await handle.fetch_history()
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        if result.replay_failure is not None:
            failures[state] = str(result.replay_failure)[:300]
        markers = [e for e in history.events if e.HasField("marker_recorded_event_attributes")]
        assert not markers, f"{state}: a process workflow ran a local activity"
        statuses[state] = await persist(lambda h=handle: h.query("status", result_type=ChaseStatus))
    return failures, statuses


def test_twenty_commands_at_once_on_ten_chases_with_a_worker_killed_leave_histories_that_replay(slow_cluster):
    cluster = slow_cluster
    cluster.start_worker()
    start_chases(cluster, STATES)
    for round_ in range(2):
        asyncio.run(send_all(cluster, round_, to_reverse))
        print(f"round {round_}: receipts to reverse recorded", flush=True)
        stop = threading.Event()

        def killer(stop=stop):  # once, while the commands are being applied
            if not stop.wait(2):
                cluster.kill_worker()
                cluster.start_worker(wait=False)

        thread = threading.Thread(target=killer)
        thread.start()
        try:
            accepted = asyncio.run(send_all(cluster, round_, commands))
        finally:
            stop.set()
            thread.join()
        print(f"round {round_}: burst answered", flush=True)
        for state, names in accepted.items():
            # A correction to the amount already due is refused: round 1's first may be.
            assert names.count("record_receipt") == 5 and names.count("correct_due") >= 4, (state, names)
            assert names.count("report_payment") == 5, (state, names)
            assert names.count("reverse_receipt") == 2, (state, names)  # two receipts, each reversed once
    # A restart after the load: the new worker replays every chase from its history.
    cluster.kill_worker()
    cluster.start_worker()
    print("restarted", flush=True)
    failures, statuses = asyncio.run(histories_and_statuses(cluster))
    assert failures == {}
    for state, status in statuses.items():
        # 2 rounds of 7 receipts of 100, 2 reversed in each: 10 receipts stand.
        assert status.received == RECEIPT * 10, (state, status)
        assert len(status.receipts) == 14 and sum(r.reversed for r in status.receipts) == 4
        assert status.amount_due in CORRECTIONS
        assert status.outstanding == status.amount_due - status.received
    # The log says the same: each receipt once, each reversal once, the chain whole.
    log = open_event_log(f"sqlite:///{cluster.home / 'eventlog.db'}", create=False)
    for state, status in statuses.items():
        rows = list(log.query(workflow_id=f"chase-{YEAR}-{state}"))
        recorded = [e for e in rows if e.event_type == "chase.receipt_recorded"]
        reversed_ = [e for e in rows if e.event_type == "chase.receipt_reversed"]
        assert len(recorded) == 14 and len({e.payload["reference"] for e in recorded}) == 14
        assert len(reversed_) == 4
        assert (
            sum(Decimal(e.payload["amount"]) for e in recorded) - sum(Decimal(e.payload["amount"]) for e in reversed_)
            == status.received
        )
    assert log.verify().ok
    assert cluster.kills >= 3
