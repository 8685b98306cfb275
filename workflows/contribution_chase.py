"""ContributionChase: one State, one financial year (id `chase-{year}-{ISO3}`).

The rules live in `domain.chase`; this module only waits for their times and for
commands, and hands the resulting effects to activities in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.records import LetterOutcome, LetterRequest
    from domain.chase import (
        Chase,
        ChaseInput,
        ChaseStatus,
        Close,
        Effect,
        Escalate,
        Pledge,
        RecordReceipt,
        Refusal,
        ReportPayment,
        SetMspDate,
    )

from workflows.common import ACTIVITY_OPTIONS, CCM_STAGE, CCM_STATE, CCM_YEAR, new_event, record


def _refused(check: Callable[[], None]) -> None:
    """Run a domain check; a refusal becomes an ApplicationError the caller reads."""
    try:
        check()
    except Refusal as e:
        raise ApplicationError(str(e), type="Refusal", non_retryable=True) from None


@workflow.defn
class ContributionChase:
    @workflow.init
    def __init__(self, input: ChaseInput) -> None:
        self.chase = Chase(input=input, started_at=workflow.now())
        self.lock = asyncio.Lock()  # effects run one at a time, in the order decided
        self.changed = False
        self.started = False  # a command that arrives with the start waits for the call
        self.stage = ""

    @workflow.run
    async def run(self, input: ChaseInput) -> ChaseStatus:
        async with self.lock:
            effects: list[Effect] = []
            _refused(lambda: effects.extend(self.chase.start()))
            workflow.upsert_search_attributes([CCM_STATE.value_set(input.state), CCM_YEAR.value_set(input.year)])
            await self._carry_out(effects)
            self.started = True
        while self.chase.outcome is None:
            action = self.chase.next_action()
            self.changed = False
            delay = action.at - workflow.now()
            if delay > timedelta(0):
                try:
                    await workflow.wait_condition(lambda: self.changed, timeout=delay)
                    continue  # a command changed the chase: plan again
                except TimeoutError:
                    pass
            async with self.lock:
                current = self.chase.next_action()
                if current is None or current.key != action.key or current.at > workflow.now():
                    continue
                await self._carry_out(self.chase.fire(current, workflow.now()))
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.chase.status()

    async def _carry_out(self, effects: list[Effect]) -> None:
        state = self.chase.input.state
        for effect in effects:
            event = new_event(effect.key, effect.event_type, state, actor=effect.actor,
                              office=effect.office, payload=effect.payload)
            if effect.letter:
                status = self.chase.status()
                context = status.model_dump(mode="json", include={
                    "year", "amount_due", "arrears", "received", "outstanding", "credit", "msp_date"})
                context["total_due"] = str(self.chase.total_due)
                if effect.letter == "reported_not_received":
                    context |= {"reported_on": effect.payload["reported_on"],
                                "reference": effect.payload["reference"]}
                request = LetterRequest(event=event, letter=effect.letter,
                                        language=self.chase.input.language, context=context)
                await workflow.execute_activity("send_letter", request, result_type=LetterOutcome,
                                                **ACTIVITY_OPTIONS)
            else:
                await record(event)
        if self.chase.stage != self.stage:
            self.stage = self.chase.stage
            workflow.upsert_search_attributes([CCM_STAGE.value_set(self.stage)])

    async def _command(self, apply: Callable[[], list[Effect]]) -> ChaseStatus:
        # Histories from before this patch let a command that arrived with the start run
        # ahead of the call for contributions; they must replay as they ran.
        if workflow.patched("commands-wait-for-start"):
            await workflow.wait_condition(lambda: self.started)
        async with self.lock:
            effects: list[Effect] = []
            _refused(lambda: effects.extend(apply()))  # refused before anything changed
            self.changed = True
            await self._carry_out(effects)
        return self.chase.status()

    @workflow.query
    def status(self) -> ChaseStatus:
        return self.chase.status()

    @workflow.update
    async def record_receipt(self, cmd: RecordReceipt) -> ChaseStatus:
        return await self._command(lambda: self.chase.record_receipt(cmd, workflow.now()))

    @record_receipt.validator
    def _check_receipt(self, cmd: RecordReceipt) -> None:
        _refused(lambda: self.chase.check_receipt(cmd, workflow.now().date()))

    @workflow.update
    async def report_payment(self, cmd: ReportPayment) -> ChaseStatus:
        return await self._command(lambda: self.chase.report_payment(cmd, workflow.now()))

    @report_payment.validator
    def _check_report(self, cmd: ReportPayment) -> None:
        _refused(lambda: self.chase.check_report(cmd, workflow.now().date()))

    @workflow.update
    async def pledge(self, cmd: Pledge) -> ChaseStatus:
        return await self._command(lambda: self.chase.pledge_payment(cmd, workflow.now()))

    @pledge.validator
    def _check_pledge(self, cmd: Pledge) -> None:
        _refused(lambda: self.chase.check_pledge(cmd, workflow.now().date()))

    @workflow.update
    async def set_msp_date(self, cmd: SetMspDate) -> ChaseStatus:
        return await self._command(lambda: self.chase.set_msp_date(cmd))

    @set_msp_date.validator
    def _check_msp_date(self, cmd: SetMspDate) -> None:
        _refused(lambda: self.chase.check_msp_date(cmd))

    @workflow.update
    async def escalate(self, cmd: Escalate) -> ChaseStatus:
        return await self._command(lambda: self.chase.escalate(cmd, workflow.now()))

    @escalate.validator
    def _check_escalate(self, cmd: Escalate) -> None:
        _refused(self.chase.check_escalate)

    @workflow.update
    async def waive(self, cmd: Close) -> ChaseStatus:
        return await self._command(lambda: self.chase.close("waived", cmd))

    @waive.validator
    def _check_waive(self, cmd: Close) -> None:
        _refused(lambda: self.chase.check_close(cmd))

    @workflow.update
    async def cancel(self, cmd: Close) -> ChaseStatus:
        return await self._command(lambda: self.chase.close("cancelled", cmd))

    @cancel.validator
    def _check_cancel(self, cmd: Close) -> None:
        _refused(lambda: self.chase.check_close(cmd))
