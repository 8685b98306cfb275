"""`ccm outbox …`: messages written but not delivered (no SMTP server then, no address,
or a delivery that gave up after a day of retries), and sending them again."""

from __future__ import annotations

import click

from cli.client import as_option, connect, run
from cli.common import emit, output_option, settings

OUTBOX_COLUMNS = ["message_id", "to", "subject", "written", "status"]


def waiting_messages():
    """(intent event, status) of every message still in `outbox/new/`, oldest first."""
    from activities.letters import event_key_of
    from cli.common import open_log
    from domain.event_types import Sent, typed
    from runtime.worker import mailbox

    box, log = mailbox(settings()), open_log()
    files = sorted(p for p in (box.outbox / "new").iterdir() if p.is_file())  # nothing else is a message
    keys = [event_key_of(p) for p in files]
    if all(keys):  # each message names the row that logged it: no scan of the log
        # only a row that logged a message: a file naming any other row (a receipt) is no message
        intents = [ev for ev in map(log.get, keys) if ev is not None and isinstance(typed(ev), Sent)]
    else:  # messages written before they carried their key
        waiting = {p.name for p in files}
        intents = [ev for ev in log.query() if isinstance(p := typed(ev), Sent) and p.message_id.strip("<>") in waiting]
    found = []
    for ev in sorted(intents, key=lambda e: e.seq):
        failed = log.get(f"{ev.idempotency_key}-delivery-failed")
        status = (
            ("delivery failed: " + typed(failed).reason)
            if failed
            else ("no address" if not typed(ev).to else "waiting for delivery")
        )
        found.append((ev, status))
    return box, log, found


@click.group()
def outbox():
    """Messages in the outbox that have not been delivered."""


@outbox.command("list")
@output_option()
def outbox_list(output):
    """Every message still in the outbox, with why: no SMTP server configured, no address
    for its State, waiting, or a delivery that gave up (its reason)."""
    from domain.event_types import typed
    from domain.schedule import geneva_time

    _, _, found = waiting_messages()
    rows = [
        {
            "message_id": p.message_id,
            "to": p.to,
            "subject": p.subject,
            "written": geneva_time(ev.occurred_at),
            "status": status,
        }
        for ev, status in found
        if (p := typed(ev))
    ]
    emit(rows, output, OUTBOX_COLUMNS, title="Outbox")


@outbox.command("retry")
@click.argument("message_ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="every message with an address still in the outbox")
@as_option("isu")
def outbox_retry(message_ids, everything, acting):
    """Send messages of the outbox by SMTP now (by Message-ID, or --all) and log each
    delivery once; a message already delivered is not sent again. The worker sends them
    and writes the log (it is the log's one writer): this command hands them over."""
    if not (message_ids or everything) or (message_ids and everything):
        raise click.UsageError("give Message-IDs, or --all")
    from domain.event_types import typed

    _, _, found = waiting_messages()
    wanted = {m.strip("<>") for m in message_ids}
    chosen = [ev for ev, _ in found if typed(ev).to and (everything or typed(ev).message_id.strip("<>") in wanted)]
    missing = wanted - {typed(ev).message_id.strip("<>") for ev in chosen}
    if missing:
        raise click.ClickException(f"not in the outbox with an address: {', '.join(sorted(missing))}")
    if not chosen:
        return

    async def hand_over():
        from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

        from domain.records import OutboxRetryInput, outbox_retry_arguments
        from services.commands import check_polled, request_id, result_or_why
        from services.keystore import sign_start
        from workflows.record import OutboxRetry

        client, queue = await connect(), settings().task_queue
        await check_polled(client, queue)
        workflow_id = f"outbox-retry-{request_id()}"
        inp = OutboxRetryInput(
            intent_keys=[ev.idempotency_key for ev in chosen], actor=acting.actor, office=acting.office
        )
        inp = sign_start(inp, workflow_id, "retry_outbox", outbox_retry_arguments(inp))
        handle = await client.start_workflow(
            OutboxRetry.run,
            inp,
            id=workflow_id,
            task_queue=queue,
            result_type=list[dict],
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        )
        return await result_or_why(handle)

    failed = 0
    for row in run(hand_over()):
        click.echo(f"{row['message_id']}: {row['outcome']}", err=row["outcome"].startswith("not"))
        failed += row["outcome"].startswith("not")
    if failed:
        raise click.ClickException(f"{failed} of {len(chosen)} not delivered; they stay in the outbox")
