"""The bare Temporal floor: a workflow of the chase's shape written with nothing but the
SDK (start, one no-op activity, one signal, completion), and a worker for it with the
SDK's default settings.

    .venv/bin/python -m benchmarks.bare worker --address HOST:PORT --namespace NS --task-queue Q

Its own module, so that the workflow sandbox imports it by name (a workflow defined in a
script run as __main__ would be run again by the sandbox's re-import)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def noop(n: int) -> int:
    return n


@workflow.defn
class Bare:
    def __init__(self) -> None:
        self.signalled = False

    @workflow.run
    async def run(self, n: int) -> int:
        await workflow.execute_activity(noop, n, start_to_close_timeout=timedelta(seconds=30))
        await workflow.wait_condition(lambda: self.signalled)
        return n

    @workflow.signal
    def go(self) -> None:
        self.signalled = True

    @workflow.update
    async def bump(self, n: int) -> int:
        return n


async def serve(address: str, namespace: str, task_queue: str) -> None:
    from temporalio.client import Client
    from temporalio.worker import Worker

    client = await Client.connect(address, namespace=namespace)
    async with Worker(client, task_queue=task_queue, workflows=[Bare], activities=[noop]):
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
