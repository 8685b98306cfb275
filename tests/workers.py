"""The workers `ccm worker` runs, for a test: built by the production factory
(`runtime.worker.make_workers`: every workflow, the signature interceptor, the letters'
queue `<queue>-letters` beside the task queue), on a test's activities and task queue."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from runtime.worker import make_workers
from services.settings import Settings


@contextlib.asynccontextmanager
async def Worker(client, *, task_queue: str, activities, activity_executor) -> AsyncIterator[None]:  # noqa: N802
    """`activities`: a `CcmActivities`, its log and mailbox the test's own."""
    settings = Settings(task_queue=task_queue)
    async with contextlib.AsyncExitStack() as stack:
        for worker in make_workers(client, settings, activities, activity_executor):
            await stack.enter_async_context(worker)
        yield
