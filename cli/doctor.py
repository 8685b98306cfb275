"""`ccm doctor`: stuck work, seen rather than guessed, for a person or a cron job."""

from __future__ import annotations

import click

from cli.client import connect, run
from cli.common import emit, output_option

# What a person does about a run whose tasks fail (docs/RELIABILITY.md, "A run that fails").
WHAT_TO_DO = "read the failure in the worker's log or the web UI; where its history no longer replays, "


def what_to_do(workflow_type: str) -> str:
    """The advice for a run of `workflow_type` whose tasks fail: rebuilt from the log where
    its process can be (`domain.rebuild.REBUILT`), else terminated."""
    from domain.rebuild import REBUILT

    if workflow_type in REBUILT:
        return WHAT_TO_DO + f"carry it on from the event log (`{REBUILT[workflow_type]}`)"
    return WHAT_TO_DO + "terminate the run (`temporal workflow terminate`): what it wrote stays in the event log"


async def stuck_workflows(attempts: int) -> tuple[int, list[dict]]:
    """(running workflows, findings): an activity retried `attempts` times or more, or a
    workflow task that keeps failing (a bug, or a workflow type no worker knows)."""
    client = await connect()
    running, findings = 0, []
    async for wf in client.list_workflows("ExecutionStatus = 'Running'"):
        running += 1
        raw = (await client.get_workflow_handle(wf.id, run_id=wf.run_id).describe()).raw_description
        for pending in raw.pending_activities:
            if pending.attempt >= attempts:
                reason = pending.last_failure.message.splitlines()[0] if pending.last_failure.message else ""
                findings.append(
                    {
                        "what": "activity retrying",
                        "where": wf.id,
                        "details": f"{pending.activity_type.name}, attempt {pending.attempt}: {reason}",
                    }
                )
        if raw.HasField("pending_workflow_task") and raw.pending_workflow_task.attempt > 1:
            findings.append(
                {
                    "what": "workflow task failing",
                    "where": wf.id,
                    "details": f"{wf.workflow_type}, attempt {raw.pending_workflow_task.attempt}: "
                    + what_to_do(wf.workflow_type),
                }
            )
    return running, findings


@click.command()
@click.option(
    "--attempts",
    type=click.IntRange(2),
    default=5,
    show_default=True,
    help="an activity retried this many times counts as stuck",
)
@output_option("table", "json")
def doctor(attempts, output):
    """List what is stuck: workflows with an activity past --attempts or a failing workflow
    task, messages whose delivery gave up, and the event log's verification. Exit 1 when
    anything is wrong, so a cron job or a health check can page someone. Warn (stderr) of
    the world's tables that run out within six months (`ccm data list`)."""
    from cli.common import open_log
    from cli.outbox import waiting_messages
    from domain.event_types import typed

    running, findings = run(stuck_workflows(attempts))
    _, _, messages = waiting_messages()
    for ev, status in messages:
        if status.startswith("delivery failed"):
            findings.append({"what": "message not delivered", "where": typed(ev).message_id, "details": status})
    check = open_log().verify()
    if not check.ok:
        findings.append(
            {"what": "event log broken", "where": f"row {check.first_break.seq}", "details": check.first_break.reason}
        )
    from cli.data import coverage_warnings

    # The world's tables running out are warned of, not failed on: nothing is stuck yet.
    for line in coverage_warnings():
        click.echo(f"warning: {line}", err=True)
    if output == "json":
        emit(findings, "json")
    elif findings:
        emit(findings, "table", ["what", "where", "details"], title="Needs attention")
    else:
        click.echo(
            f"ok: {running} workflows running, none stuck; {len(messages)} messages in the outbox, "
            f"none failed; event log verified ({check.rows} rows)"
        )
    if findings:
        raise SystemExit(1)
