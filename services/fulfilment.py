"""Action items closed by the command they name (`ActionItemInput.fulfilled_by`): the
Presidency's decision to send individual letters is closed when `ccm chase escalate
--all-unpaid` runs for its year, a meeting's "turn the concept note into an operational
plan" when the plan is approved. The command that ran closes them, with a reference to
what it did; an item already closed is left as it is, so a re-run closes none twice."""

from __future__ import annotations


async def fulfil_items(client, key: str, reference: str, acting) -> list[str]:
    """Close every open action item that names `key`; the ids closed."""
    from domain.action_items import ActionItemStatus, Fulfil
    from services.commands import read_status, update

    closed = []
    query = "WorkflowType = 'ActionItem' AND ExecutionStatus = 'Running'"
    for wid in sorted({wf.id async for wf in client.list_workflows(query)}):
        status = await read_status(client, wid, ActionItemStatus)
        if status.fulfilled_by == key and status.stage in ("open", "overdue"):
            await update(
                client, wid, "fulfil", Fulfil(by=key, reference=reference, **acting.model_dump()), check_worker=False
            )
            closed.append(wid)
    return closed


def presidents_lists(report) -> dict[str, list[str]]:
    """Whom the President writes to, as the minutes define it ("all States that had still not
    sent their contributions"): the States Parties that sent nothing, with no pledge or
    reported payment standing (`states`); those with a pledge (`pledged`) or a reported
    payment (`reported`) are listed apart for the Presidency, and those that paid part
    (`partial`) are not written to unless the decision names them."""
    owing = [row for row in report.parties if row.outstanding > 0 and row.outcome not in ("waived", "cancelled")]
    return {
        "states": [r.state for r in owing if r.received == 0 and not r.pledged and not r.reported],
        "pledged": [r.state for r in owing if r.received == 0 and r.pledged],
        "reported": [r.state for r in owing if r.received == 0 and r.reported and not r.pledged],
        "partial": [r.state for r in owing if r.received > 0],
    }


async def record_history_decision(
    client, log, task_queue: str, year: int, acting, budget_path
) -> dict[str, list[str]] | None:
    """For a year whose contributions were imported (no chase of it runs): the Presidency's
    decision to send individual letters recorded, with the States that sent nothing and,
    apart, those that pledged, reported paying or paid part (`presidents_lists`), and
    nothing sent. The lists, or None when the log holds nothing of the year."""
    from datetime import datetime, timezone

    from domain.events import NewEvent
    from services.commands import record
    from services.reports import contributions_report

    report = contributions_report(log, year, budget_path)
    if not report.states:
        return None
    lists = presidents_lists(report)
    event = NewEvent(
        idempotency_key=f"decisions/escalation/{year}",
        workflow_id=f"decisions-{year}",
        workflow_type="",
        subject=str(year),
        event_type="decision.recorded",
        occurred_at=datetime.now(timezone.utc),
        actor=acting.actor,
        office=acting.office,
        payload={
            "decision": "individual letters from the President to the States Parties that have not paid",
            "year": year,
            **lists,
            "sent": False,
            "why": "the year is history: its contributions were imported and no chase of it runs",
        },
    )
    await record(client, task_queue, "record_decision", [event], acting)
    return lists
