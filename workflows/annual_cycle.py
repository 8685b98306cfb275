"""AnnualContributionCycle: each January, one chase per State Party for the new year.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

Started by a Temporal Schedule (`ccm chase schedule`). The chases are children that
outlive this workflow; one that already exists is left alone, so a re-run starts none
twice. Unpaid balances of last year's chases become this year's arrears, and credits
this year's opening credit; a State that withdrew is chased for its arrears alone."""

from __future__ import annotations

from decimal import Decimal

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from domain.chase import ChaseInput, chase_summary, workflow_id
    from domain.contributions import split_by_line
    from domain.cycle import CycleInput, CycleResult
    from domain.offices import permit
    from domain.schedule import geneva_date

    # What every workflow shares holds no state: imported once, not again for each run
    # (re-importing the workflow modules was the largest cost of starting one, measured).
    from workflows.common import Activities, call, new_event, record
    from workflows.process import check_started, start_proof, starter

from workflows.contribution_chase import ContributionChase


@workflow.defn
class AnnualContributionCycle:
    @workflow.run
    async def run(self, input: CycleInput) -> CycleResult:
        await check_started(input, lambda by: permit("cycle", "start", by.office))
        year = input.year or geneva_date(workflow.now()).year
        due = await call(Activities.cycle_amounts, input.model_copy(update={"year": year}))
        by = input.started_by.model_copy(update={"signature": None}) if input.started_by else None
        who = starter(input)
        proof = start_proof(input)
        signed = {"signed": proof} if proof else {}
        if due.missing:  # the world ccm knows ends before this year: said, logged, nothing started
            result = CycleResult(year=year, started=[], existing=[], missing=due.missing)
            await record(
                new_event(
                    f"{year}/not-billed",
                    "cycle.not_billed",
                    f"{year}",
                    **who,
                    payload={"missing": due.missing} | signed,
                )
            )
            return result
        started, existing = [], []
        zero = Decimal("0.00")
        # Each chase names who started the cycle (its signature stays with the cycle's start,
        # which it covers); a cycle its Schedule started is the system's.
        for state in due.chased():
            amount = due.amounts.get(state, zero)
            chase = ChaseInput(
                state=state,
                year=year,
                amount_due=amount,
                budget_split=split_by_line(amount, due.budget_lines),
                arrears=due.arrears.get(state, zero),
                credit_carried=due.credits.get(state, zero),
                membership_rule=input.membership_rule,
                msp_date=input.msp_date(year),
                language=due.languages.get(state, input.language),
                state_name=due.names.get(state, ""),
                auto_escalate_days=input.auto_escalate_days,
                started_by=by,
                parent_proof=proof,
            )
            summary, details = chase_summary(chase)
            try:
                await workflow.start_child_workflow(
                    ContributionChase.run,
                    chase,
                    id=workflow_id(year, state),
                    parent_close_policy=ParentClosePolicy.ABANDON,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    static_summary=summary,
                    static_details=details,
                )
                started.append(state)
            except WorkflowAlreadyStartedError:
                existing.append(state)
        result = CycleResult(year=year, started=started, existing=existing)
        await record(
            new_event(
                f"{year}", "cycle.chases_started", f"{year}", **who, payload=result.model_dump(mode="json") | signed
            )
        )
        return result
