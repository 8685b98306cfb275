"""`ccm audit …`: read and verify the event log."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import click

from cli.client import as_option
from cli.common import check_out, emit, open_log, out_options, output_option, read_input, settings, write_out

LOG_COLUMNS = ["seq", "occurred_at", "workflow_id", "subject", "event_type", "actor", "office", "payload"]


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date or time (ISO 8601)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def text_or_document(path: Path, acting) -> dict:
    """A file's text for a command: inline when short; a long one is stored once in the
    event log (named by its SHA-256) and the workflow gets its `DocumentRef`, never the
    text, so no payload nears Temporal's 2 MB limit."""
    from activities.documents import document_events
    from cli.client import record
    from domain.contract import MAX_INLINE_TEXT

    text = read_input(path)
    if not text.strip():
        raise click.BadParameter(f"{path} is empty", param_hint="--file")
    if len(text) <= MAX_INLINE_TEXT:
        return {"text": text}
    try:
        ref, rows = document_events(text, path.name, acting.actor, acting.office)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--file") from None
    record("store_document", rows, acting)  # the worker writes it: a command then names it by its hash
    return {"document": ref}


@click.group()
def audit():
    """The event log, for auditors: list, verify, export."""


@audit.command("log")
@click.option("--workflow", help="one workflow id")
@click.option("--subject", help="a State (alpha-3), theme or meeting")
@click.option("--type", "event_type", help="an event type; a trailing * matches a prefix ('chase.*')")
@click.option("--since", help="from this time (ISO 8601, UTC unless given)")
@click.option("--until", help="before this time")
@click.option("--actor", help="the person who acted")
@output_option()
def audit_log(workflow, subject, event_type, since, until, actor, output):
    """Events of the log in order, streamed (constant memory on large logs)."""
    rows = open_log().query(
        workflow_id=workflow,
        subject=subject,
        event_type=event_type,
        since=_when(since),
        until=_when(until),
        actor=actor,
    )
    flat = (
        {**ev.model_dump(include=set(LOG_COLUMNS)), "payload": json.dumps(ev.payload, ensure_ascii=False)}
        for ev in rows
    )
    if output == "json":  # JSON lines and CSV stream row by row: constant memory on any log
        for ev in rows:
            click.echo(ev.model_dump_json())
    elif output == "csv":
        import csv
        import sys

        from cli.common import safe_for_spreadsheets

        writer = csv.DictWriter(sys.stdout, fieldnames=LOG_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(safe_for_spreadsheets(row) for row in flat)
    else:  # a table is read by people: times in Geneva, with the zone
        from domain.schedule import geneva_time

        emit([row | {"occurred_at": geneva_time(row["occurred_at"])} for row in flat], output, LOG_COLUMNS)


@audit.command("verify")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="verify an export (JSON lines) instead of the database",
)
@click.option(
    "--signatures",
    is_flag=True,
    help="also re-verify every signed command's signature against the keys registered in the log "
    "and the administrators' keys (CCM_ADMIN_KEYS)",
)
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="also prove the log up to a published checkpoint (`audit checkpoint --out`) was not rewritten",
)
def audit_verify(path, signatures, checkpoint_file):
    """Check the hash chain; print the rows checked and the chain head to record outside
    the database. On a break, name the first bad row and exit 1."""
    from domain.events import Event, verify_chain

    checkpoint = _read_checkpoint(checkpoint_file) if checkpoint_file else None
    if path and not read_input(path).strip():
        raise click.ClickException(f"{path} is empty: not an export of the event log")
    if path:
        with path.open(encoding="utf-8") as f:
            try:
                rows = (Event.model_validate_json(line) for line in f if line.strip())
                result = verify_chain(rows, from_genesis=False)
            except ValueError as e:
                raise click.ClickException(
                    f"{path} is not an export of the event log: {str(e).splitlines()[0]}"
                ) from None
    else:
        result = open_log().verify()
    if not result.ok:
        raise click.ClickException(
            f"chain broken at row {result.first_break.seq}: {result.first_break.reason} ({result.rows} rows read)"
        )
    anchor = f" (anchored on row {first_seq(path)})" if path else ""
    writers = None if path else _verify_writers()
    click.echo(f"ok: {result.rows} rows{anchor}, chain head {result.head}")
    if writers:
        click.echo(writers)
    if signatures:
        click.echo(_verify_signatures(path))
    if checkpoint:
        click.echo(_verify_checkpoint(path, checkpoint))


def _verify_writers() -> str:
    """Each row signed by the worker that wrote it, from the first signed row on: a row
    appended by whoever holds the database (a recomputed hash passes the chain) is named
    and the command fails. Signatures are checked against the administrators' keys and the
    keys registered for the ISU where CCM_ADMIN_KEYS is set; without it, only an unsigned
    row among signed ones is found."""
    from domain.signatures import REGISTRY_ID, KeyRing, verify_writers

    log = open_log()
    admins = settings().admin_keyring
    ring = KeyRing.from_events(admins, log.query(workflow_id=REGISTRY_ID)) if admins else None
    check = verify_writers(log.writers(), ring.writer_key if ring else None)
    if check.first_bad is not None:
        raise click.ClickException(f"row {check.first_bad} was not written by ccm's worker: {check.reason}")
    if check.first_signed is None:
        return ""
    checked = "signatures checked" if ring else "signatures not checked: set CCM_ADMIN_KEYS"
    return f"writers: rows {check.first_signed} to {check.rows} signed by the worker that wrote them ({checked})"


def _read_checkpoint(path: Path):
    from pydantic import ValidationError

    from domain.signatures import Checkpoint

    try:
        return Checkpoint.model_validate_json(read_input(path))
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(map(str, err["loc"])) or "the file"
        raise click.ClickException(f"{path} is not a checkpoint: {where}: {err['msg']}") from None


def _verify_checkpoint(path: Path | None, cp) -> str:
    """The checkpoint was signed by an administrator or the ISU's registered key, and the
    log's row `cp.seq` still ends the chain in the hash it signed."""
    from activities.trust import checkpoint_signer
    from domain.process import Refusal

    ring, rows = _key_ring(path)
    row = next((e for e in rows(cp.seq) if e.seq == cp.seq), None)
    try:
        who = checkpoint_signer(ring, cp)
    except Refusal as e:
        raise click.ClickException(str(e)) from None
    if row is None:
        raise click.ClickException(f"row {cp.seq} of the checkpoint is not in the log")
    if row.hash != cp.head:
        raise click.ClickException(
            f"the log was rewritten: row {cp.seq} ends in {row.hash[:16]}…, the checkpoint "
            f"of {cp.at:%Y-%m-%d %H:%M} UTC signed {cp.head[:16]}…"
        )
    return f"ok: the log up to row {cp.seq} is the one checkpointed on {cp.at:%Y-%m-%d %H:%M} UTC, signed by {who}"


@audit.command("checkpoint")
@out_options("also write the signed checkpoint to this JSON file, to publish")
@as_option("isu")
def audit_checkpoint(out, force, acting):
    """Sign the log's head (row and hash) with the ISU's key (the worker's
    CCM_CHECKPOINT_KEY) and log the checkpoint; published, it proves the log up to that row
    was not rewritten since. The worker signs and writes it (a run of LogCheckpoint), once
    it has checked who asks (the ISU; signed where signatures are required). With nothing
    written since the last checkpoint, that one stands and is shown."""
    from cli.client import connect_polled, run
    from domain.signatures import Checkpoint

    check_out(out, force)

    async def go():
        from domain.records import CheckpointRequest, checkpoint_arguments
        from services.commands import request_id, result_or_why
        from services.keystore import sign_start
        from workflows.checkpoint import LogCheckpoint

        client = await connect_polled()
        workflow_id = f"checkpoint-{request_id()}"
        inp = CheckpointRequest(actor=acting.actor, office=acting.office)
        inp = sign_start(inp, workflow_id, "checkpoint", checkpoint_arguments(inp))
        handle = await client.start_workflow(LogCheckpoint.run, inp, id=workflow_id, task_queue=settings().task_queue)
        return await result_or_why(handle)

    cp = Checkpoint.model_validate(run(go()))
    if out:
        write_out(out, cp.model_dump_json(indent=2) + "\n")
    click.echo(f"checkpoint: row {cp.seq}, head {cp.head}, signed by {cp.fingerprint}" + (f" -> {out}" if out else ""))


def _exported(path: Path):
    from domain.events import Event

    with path.open(encoding="utf-8") as f:
        yield from (Event.model_validate_json(line) for line in f if line.strip())


def _key_ring(path: Path | None):
    """(the registered keys, checked against CCM_ADMIN_KEYS; `rows(from_seq)`, the rows
    from there on) of an export, or of the database."""
    from domain.signatures import REGISTRY_ID, KeyRing

    admins = settings().admin_keyring
    if not admins:
        raise click.ClickException("no administrators' keys to verify against: set CCM_ADMIN_KEYS")
    if path:
        ring = KeyRing.from_events(admins, (e for e in _exported(path) if e.workflow_id == REGISTRY_ID))
        return ring, lambda first: (e for e in _exported(path) if e.seq >= first)
    log = open_log()
    return KeyRing.from_events(admins, log.query(workflow_id=REGISTRY_ID)), lambda first: log.query(from_seq=first)


def _verify_signatures(path: Path | None) -> str:
    """Every signed command of the export (or the database) checked offline."""
    from domain.audit import verify_signed_events

    ring, rows = _key_ring(path)
    commands, count, problem = verify_signed_events(ring, rows(1))
    if problem:
        raise click.ClickException(
            f"signature check failed at {problem} ({commands} signed commands verified before it)"
        )
    return f"ok: {commands} signed commands verified ({count} events), {len(ring.keys)} keys registered"


def first_seq(path: Path) -> int:
    from domain.events import Event

    with path.open(encoding="utf-8") as f:
        return Event.model_validate_json(f.readline()).seq


@audit.command("export")
@click.option("--since", help="from this time (ISO 8601); the chain is verified from the first row exported")
@out_options("JSON-lines file to write", required=True)
def audit_export(since, out, force):
    """Write rows with their hashes so a third party can re-verify them without the database."""
    check_out(out, force)
    log = open_log()
    count = 0
    rows = log.query()
    if since:  # from the first row since then, every later row: one unbroken chain
        first = next(log.query(since=_when(since), batch=1), None)
        rows = log.query(from_seq=first.seq) if first else iter(())

    def export(f) -> None:
        nonlocal count
        for ev in rows:
            f.write(ev.model_dump_json().encode("utf-8") + b"\n")
            count += 1

    write_out(out, export)  # nothing half-written
    click.echo(f"exported {count} rows to {out}")


# Temporal history events worth an auditor's line, and where each keeps its details.
_HISTORY_DETAILS = {
    "WORKFLOW_EXECUTION_STARTED": ("workflow_execution_started_event_attributes", ["input"]),
    "WORKFLOW_EXECUTION_COMPLETED": ("workflow_execution_completed_event_attributes", ["result"]),
    "WORKFLOW_EXECUTION_FAILED": ("workflow_execution_failed_event_attributes", []),
    "WORKFLOW_EXECUTION_TERMINATED": ("workflow_execution_terminated_event_attributes", []),
    "WORKFLOW_EXECUTION_SIGNALED": ("workflow_execution_signaled_event_attributes", ["input"]),
    "WORKFLOW_EXECUTION_UPDATE_ACCEPTED": ("workflow_execution_update_accepted_event_attributes", []),
    "WORKFLOW_EXECUTION_UPDATE_COMPLETED": ("workflow_execution_update_completed_event_attributes", []),
    "TIMER_STARTED": ("timer_started_event_attributes", []),
    "TIMER_FIRED": ("timer_fired_event_attributes", []),
    "ACTIVITY_TASK_SCHEDULED": ("activity_task_scheduled_event_attributes", ["input"]),
    "ACTIVITY_TASK_COMPLETED": ("activity_task_completed_event_attributes", ["result"]),
    "ACTIVITY_TASK_FAILED": ("activity_task_failed_event_attributes", []),
    "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES": ("upsert_workflow_search_attributes_event_attributes", []),
    "MARKER_RECORDED": ("marker_recorded_event_attributes", []),
}


def _payload(p):
    """A payload as the JSON it carries (the pydantic converter writes json/plain)."""
    try:
        return json.loads(p.data)
    except ValueError:
        return f"<{p.metadata.get('encoding', b'?').decode()} payload>"


def _payloads(payloads) -> list:
    return [_payload(p) for p in payloads.payloads] if payloads is not None else []


def _history_line(event) -> dict | None:
    from temporalio.api.enums.v1 import EventType

    kind = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
    if kind not in _HISTORY_DETAILS:
        return None
    field, payload_fields = _HISTORY_DETAILS[kind]
    attrs = getattr(event, field)
    if kind == "MARKER_RECORDED":  # a local activity's result (the log, the outbox), or a patch
        if attrs.marker_name != "core_local_activity":
            return None
        data = (_payloads(attrs.details.get("data")) or [{}])[0]
        details = {
            "activity": data.get("activity_type", "?") if isinstance(data, dict) else "?",
            "result": _payloads(attrs.details.get("result")),
        }
        if attrs.HasField("failure"):
            details["message"] = attrs.failure.message
        return {
            "time": event.event_time.ToDatetime(tzinfo=timezone.utc),
            "source": "temporal",
            "what": "local_activity_" + ("failed" if attrs.HasField("failure") else "completed"),
            "details": details,
        }
    details: dict = {}
    for name in payload_fields:
        details[name] = _payloads(getattr(attrs, name))
    if kind == "WORKFLOW_EXECUTION_STARTED":
        details["workflow_type"] = attrs.workflow_type.name
    elif kind == "WORKFLOW_EXECUTION_SIGNALED":
        details["signal"] = attrs.signal_name
    elif kind == "WORKFLOW_EXECUTION_UPDATE_ACCEPTED":
        details["update"] = attrs.accepted_request.input.name
        details["args"] = _payloads(attrs.accepted_request.input.args)
    elif kind == "WORKFLOW_EXECUTION_UPDATE_COMPLETED":
        outcome = attrs.outcome
        details["outcome"] = "failure" if outcome.HasField("failure") else "success"
        if outcome.HasField("failure"):
            details["message"] = outcome.failure.message
    elif kind == "TIMER_STARTED":
        details["fires_in"] = str(attrs.start_to_fire_timeout.ToTimedelta())
    elif kind == "ACTIVITY_TASK_SCHEDULED":
        details["activity"] = attrs.activity_type.name
    elif kind in {"ACTIVITY_TASK_FAILED", "WORKFLOW_EXECUTION_FAILED"}:
        details["message"] = attrs.failure.message
    elif kind == "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES":
        details = {k: _payload(v) for k, v in attrs.search_attributes.indexed_fields.items()}
    return {
        "time": event.event_time.ToDatetime(tzinfo=timezone.utc),
        "source": "temporal",
        "what": kind.lower(),
        "details": details,
    }


@audit.command("history")
@click.argument("workflow_id")
@output_option("table", "json")
def audit_history(workflow_id, output):
    """One timeline of a workflow: Temporal's own history (starts, timers, signals, updates
    with their inputs, activity results) merged with its event-log rows, each marked
    with its source."""
    from cli.client import connect, run

    async def fetch():
        client = await connect()
        return await client.get_workflow_handle(workflow_id).fetch_history()

    history = run(fetch())
    lines = [line for line in map(_history_line, history.events) if line]
    lines += [
        {
            "time": ev.recorded_at,
            "source": "eventlog",
            "what": ev.event_type,
            "details": {"seq": ev.seq, "actor": ev.actor, "office": ev.office, "payload": ev.payload},
        }
        for ev in open_log().query(workflow_id=workflow_id)
    ]
    lines.sort(key=lambda line: (line["time"], line["source"] == "eventlog"))
    if output == "json":
        emit(lines, "json")
        return
    emit(
        [
            {
                "time": line["time"].isoformat(timespec="seconds"),
                "source": line["source"],
                "what": line["what"],
                "details": json.dumps(line["details"], ensure_ascii=False, default=str)[:120],
            }
            for line in lines
        ],
        "table",
        ["time", "source", "what", "details"],
        title=workflow_id,
    )


CHECKPOINT_SCHEDULE_ID = "ccm-log-checkpoint"


@audit.command("schedule-checkpoints")
@click.option("--hour", type=click.IntRange(0, 23), default=2, show_default=True, help="hour of the day, UTC")
@click.option("--delete", is_flag=True, help="delete the schedule")
def schedule_checkpoints(hour, delete):
    """Sign a checkpoint of the log every day, by a Temporal Schedule that starts the
    LogCheckpoint workflow (the worker signs with CCM_CHECKPOINT_KEY)."""
    from cli.client import run

    click.echo(run(_schedule_checkpoints(hour, delete)))


async def _schedule_checkpoints(hour: int, delete: bool) -> str:
    from temporalio.client import (
        Schedule,
        ScheduleActionStartWorkflow,
        ScheduleAlreadyRunningError,
        ScheduleCalendarSpec,
        ScheduleOverlapPolicy,
        SchedulePolicy,
        ScheduleRange,
        ScheduleSpec,
        ScheduleUpdate,
    )

    from cli.client import connect
    from domain.records import CheckpointRequest
    from workflows.checkpoint import LogCheckpoint

    client = await connect()
    handle = client.get_schedule_handle(CHECKPOINT_SCHEDULE_ID)
    if delete:
        await handle.delete()
        return f"{CHECKPOINT_SCHEDULE_ID} deleted"
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            LogCheckpoint.run, CheckpointRequest(daily=True), id="log-checkpoint", task_queue=settings().task_queue
        ),
        spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(hour)])]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await client.create_schedule(CHECKPOINT_SCHEDULE_ID, schedule)
        done = "created"
    except ScheduleAlreadyRunningError:
        await handle.update(lambda _: ScheduleUpdate(schedule=schedule))
        done = "updated"
    return f"{CHECKPOINT_SCHEDULE_ID} {done}: a checkpoint every day at {hour:02d}:00 UTC"
