"""RecordCommand: a command that only records (`domain.records`), written by the worker;
OutboxRetry: messages of the outbox sent again, their deliveries logged by the worker.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

One run per command (`record-<command>-<request id>`): a retry of the same invocation
finds the run and its result; its activity checks who sends it before it writes."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.records import OutboxRetryInput, RecordInput, RecordResult
    from workflows.common import Activities, call


@workflow.defn
class RecordCommand:
    @workflow.run
    async def run(self, input: RecordInput) -> RecordResult:
        return await call(Activities.record_command, input)


@workflow.defn
class OutboxRetry:
    @workflow.run
    async def run(self, input: OutboxRetryInput) -> list[dict[str, Any]]:
        """Each message's outcome: delivered, already delivered, or not delivered and why
        (it stays in the outbox). One attempt per message: a person is waiting for the answer."""
        return await call(Activities.retry_outbox, input)
