"""BankStatementImport: one bank statement reconciled with the chases, on the worker
(`bank-statement-<account>-<sha256>`). Its one activity checks who sends it, then settles
each entry and logs it once; a worker killed midway leaves the activity to its next
attempt, which finishes what was begun (`activities.bank`)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.records import StatementInput
    from workflows.common import Activities


@workflow.defn
class BankStatementImport:
    @workflow.run
    async def run(self, input: StatementInput) -> list[dict]:
        return await workflow.execute_activity_method(
            Activities.import_statement, input, start_to_close_timeout=timedelta(minutes=30),
            heartbeat_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1)))
