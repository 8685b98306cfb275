"""`ccm audit …`: read and verify the event log."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import click

from cli.common import emit, output_option, settings

LOG_COLUMNS = ["seq", "occurred_at", "workflow_id", "subject", "event_type", "actor", "office", "payload"]


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date or time (ISO 8601)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _open_log():
    from activities.database import open_event_log

    s = settings()
    try:
        return open_event_log(s.database_url)
    except Exception as e:
        raise click.ClickException(f"cannot open the event log {s.shown()['database_url']}: "
                                   f"{str(e).splitlines()[0]}") from None


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
    rows = _open_log().query(workflow_id=workflow, subject=subject, event_type=event_type,
                             since=_when(since), until=_when(until), actor=actor)
    if output == "json":  # one object per line keeps memory constant
        for ev in rows:
            click.echo(ev.model_dump_json())
        return
    emit([{**ev.model_dump(include=set(LOG_COLUMNS)), "payload": json.dumps(ev.payload, ensure_ascii=False)}
          for ev in rows], output, LOG_COLUMNS)


@audit.command("verify")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="verify an export (JSON lines) instead of the database")
def audit_verify(path):
    """Check the hash chain; print the rows checked and the chain head to record outside
    the database. On a break, name the first bad row and exit 1."""
    from domain.events import Event, verify_chain

    if path:
        with path.open(encoding="utf-8") as f:
            try:
                rows = (Event.model_validate_json(line) for line in f if line.strip())
                result = verify_chain(rows, from_genesis=False)
            except ValueError as e:
                raise click.ClickException(f"{path} is not an export of the event log: "
                                           f"{str(e).splitlines()[0]}") from None
    else:
        result = _open_log().verify()
    if not result.ok:
        raise click.ClickException(f"chain broken at row {result.first_break.seq}: {result.first_break.reason} "
                                   f"({result.rows} rows read)")
    anchor = f" (anchored on row {first_seq(path)})" if path else ""
    click.echo(f"ok: {result.rows} rows{anchor}, chain head {result.head}")


def first_seq(path: Path) -> int:
    from domain.events import Event

    with path.open(encoding="utf-8") as f:
        return Event.model_validate_json(f.readline()).seq


@audit.command("export")
@click.option("--since", help="from this time (ISO 8601); the chain is verified from the first row exported")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="JSON-lines file to write")
def audit_export(since, out):
    """Write rows with their hashes so a third party can re-verify them without the database."""
    log = _open_log()
    tmp = out.with_name(out.name + ".tmp")
    count = 0
    rows = log.query()
    if since:  # from the first row since then, every later row: one unbroken chain
        first = next(log.query(since=_when(since), batch=1), None)
        rows = log.query(from_seq=first.seq) if first else iter(())
    with tmp.open("w", encoding="utf-8") as f:
        for ev in rows:
            f.write(ev.model_dump_json() + "\n")
            count += 1
    tmp.replace(out)  # nothing half-written
    click.echo(f"exported {count} rows to {out}")
