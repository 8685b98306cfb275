"""LogCheckpoint: sign the event log's head, run daily by a Temporal Schedule
(`ccm audit schedule-checkpoints`).

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.records import CheckpointRequest
    from workflows.common import Activities


@workflow.defn
class LogCheckpoint:
    @workflow.run
    async def run(self, request: CheckpointRequest | None = None) -> dict[str, Any]:
        # Retried for an hour (a database down for a while); a missing key or a request
        # the worker refuses is not retried. A start with no input is a person's request
        # from no office, which the worker refuses.
        return await workflow.execute_activity_method(
            Activities.checkpoint_log,
            request or CheckpointRequest(),
            start_to_close_timeout=timedelta(minutes=5),
            schedule_to_close_timeout=timedelta(hours=1),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=10), maximum_interval=timedelta(minutes=5)),
        )
