"""The SDK's `Worker` as `ccm worker` runs it: beside the worker on the task queue, one on
its letters' queue (`<queue>-letters`) when it has the letter activity, so that a test's
processes have their letters drawn as they would be in production."""

from __future__ import annotations

import contextlib

from temporalio import worker as sdk

from workflows.common import letters_queue


class Worker:
    def __init__(self, client, *, task_queue: str, activities=(), **options):
        self._workers = [sdk.Worker(client, task_queue=task_queue, activities=activities, **options)]
        letters = [a for a in activities if getattr(a, "__name__", "") == "write_letter"]
        if letters:
            self._workers.append(
                sdk.Worker(
                    client,
                    task_queue=letters_queue(task_queue),
                    activities=letters,
                    activity_executor=options.get("activity_executor"),
                )
            )
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self):
        for w in self._workers:
            await self._stack.enter_async_context(w)
        return self._workers[0]

    async def __aexit__(self, *exc):
        return await self._stack.__aexit__(*exc)
