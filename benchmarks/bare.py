"""The bare Temporal floors: a workflow of the chase's shape written with nothing but the
SDK and the same letter engine (start; draw and store the call letter; a receipt update;
draw and store the thank-you letter; completion), and a worker for it with the SDK's
default settings. Its `bump` update does nothing: the floor of a bare update.

The fair floor (`BareLogged`) does the same and also appends, at each step, as many rows
as the chase's log holds for that step to a plain indexed table in the same kind of
database (SQLite with the event log's pragmas, one transaction per step, no hash chain, no
signature): what ccm must write, without what its design adds.

    .venv/bin/python -m benchmarks.bare worker --address HOST:PORT --namespace NS --task-queue Q

Its own module, so that the workflow sandbox imports it by name (a workflow defined in a
script run as __main__ would be run again by the sandbox's re-import)."""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import os
from datetime import date, timedelta
from pathlib import Path

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

LETTERS = Path(os.environ.get("BARE_LETTERS", "/tmp/bare-letters"))


@activity.defn
def draw(kind: str, n: int) -> int:
    """A letter drawn as ccm draws one (its template, Typst) and stored as a file."""
    from activities.letters import Contact, Letterhead, letter_values, render_letter

    figures = {
        "year": 2027,
        "amount_due": "1000.00",
        "total_due": "1000.00",
        "received": "1000.00",
        "outstanding": "1000.00",
        "msp_date": "2027-09-01",
        "letter_number": 1,
    }
    values = letter_values(kind, "ITA", figures, "en", date(2027, 1, 15), Letterhead(), Contact(address=("Geneva",)))
    LETTERS.mkdir(parents=True, exist_ok=True)
    (LETTERS / f"{kind}-{n}.pdf").write_bytes(render_letter(kind, "en", values).pdf())
    return n


# A floor's activity that fails twice fails its workflow, and the benchmark says so, rather
# than being retried for ever while the benchmark waits.
ONCE_AGAIN = RetryPolicy(maximum_attempts=2)


@activity.defn
def append(workflow_id: str, step: str, rows: int) -> int:
    """`rows` rows of the step in one transaction (`benchmarks.bare_rows`, imported here:
    this module is also a workflow module, which the sandbox imports again for each run)."""
    from benchmarks.bare_rows import append_rows

    return append_rows(workflow_id, step, rows)


@workflow.defn
class BareLogged:
    """The fair floor: the bare workflow, with the chase's rows appended at each step."""

    def __init__(self) -> None:
        self.received = False
        self.called = False

    @workflow.run
    async def run(self, n: int, rows: dict[str, int]) -> int:
        options = dict(start_to_close_timeout=timedelta(seconds=30), retry_policy=ONCE_AGAIN)
        wid = workflow.info().workflow_id
        await workflow.execute_activity(append, args=[wid, "started", rows["started"]], **options)
        await workflow.execute_activity(draw, args=["call_for_contributions", n], **options)
        await workflow.execute_activity(append, args=[wid, "call", rows["call"]], **options)
        self.called = True
        await workflow.wait_condition(lambda: self.received)
        await workflow.execute_activity(draw, args=["thank_you", n], **options)
        await workflow.execute_activity(append, args=[wid, "thanks", rows["thanks"]], **options)
        return n

    @workflow.update
    async def receive(self, rows: int) -> None:
        await workflow.execute_activity(
            append,
            args=[workflow.info().workflow_id, "receipt", rows],
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=ONCE_AGAIN,
        )
        self.received = True

    @workflow.update
    async def called_for(self) -> None:
        await workflow.wait_condition(lambda: self.called)


@workflow.defn
class Bare:
    def __init__(self) -> None:
        self.received = False
        self.called = False

    @workflow.run
    async def run(self, n: int) -> int:
        options = dict(start_to_close_timeout=timedelta(seconds=30), retry_policy=ONCE_AGAIN)
        await workflow.execute_activity(draw, args=["call_for_contributions", n], **options)
        self.called = True
        await workflow.wait_condition(lambda: self.received)
        await workflow.execute_activity(draw, args=["thank_you", n], **options)
        return n

    @workflow.signal
    def go(self) -> None:
        self.received = True

    @workflow.update
    async def receive(self) -> None:
        self.received = True

    @workflow.update
    async def called_for(self) -> None:
        """Answers once the call letter is drawn."""
        await workflow.wait_condition(lambda: self.called)

    @workflow.update
    async def bump(self, n: int) -> int:
        return n


async def serve(address: str, namespace: str, task_queue: str) -> None:
    from temporalio.client import Client
    from temporalio.worker import Worker

    client = await Client.connect(address, namespace=namespace)
    with concurrent.futures.ThreadPoolExecutor(16) as executor:
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=[Bare, BareLogged],
            activities=[draw, append],
            activity_executor=executor,
        ):
            print("bare worker polling", flush=True)
            await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["worker"])
    parser.add_argument("--address", required=True)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--task-queue", default="bare")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.address, args.namespace, args.task_queue))
    except KeyboardInterrupt:
        pass
