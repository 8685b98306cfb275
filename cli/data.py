"""`ccm data …`: how far the world ccm ships reaches (the UN scale, the UN Office at
Geneva's holidays, the depositary's status), and what the operator adds to it without a
release, each addition recorded in the event log with its source (`domain.coverage`)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from pathlib import Path

import click

from cli.client import as_option
from cli.common import DATE, emit, output_option, read_input
from domain.clock import geneva_today


def recorded_additions():
    """The operator's additions, folded from the event log."""
    from cli.common import open_log
    from domain.coverage import fold_added

    return fold_added(open_log().query(event_type="data.*"))


def coverage_warnings() -> list[str]:
    """The lines `ccm doctor` and the worker print: tables running out within six months."""
    from domain.coverage import coverage, warnings

    return warnings(coverage(recorded_additions()), geneva_today())


def _record(kind: str, event_type: str, payload: dict, acting) -> int:
    from cli.client import record
    from domain.canonical import canonical_bytes
    from domain.events import NewEvent

    digest = hashlib.sha256(canonical_bytes(payload)).hexdigest()[:16]  # the same facts again: written once
    event = NewEvent(
        idempotency_key=f"data/{kind}/{digest}",
        workflow_id="data",
        subject=kind,
        event_type=event_type,
        occurred_at=datetime.now(timezone.utc),
        actor=acting.actor,
        office=acting.office,
        payload=payload,
    )
    return record("add_data", [event], acting).written


def _source(text: str) -> str:
    text = text.strip()
    if not text or len(text) > 2_000 or not text.isprintable():
        raise click.BadParameter(
            "say where it comes from, on one line (a resolution, an announcement, a URL)", param_hint="--source"
        )
    return text


@click.group()
def data():
    """The world's tables ccm bills and schedules by, and how far they reach."""


@data.command("list")
@output_option()
def data_list(output):
    """Each table: the last day it covers, the shipped file, the source to extend it from,
    and the additions recorded in the log. Warnings on stderr six months ahead."""
    from domain.coverage import coverage, warnings

    tables = coverage(recorded_additions())
    emit(
        [t.model_dump(mode="json") for t in tables],
        output,
        ["what", "until", "added", "file", "extend"],
        title="The world as ccm knows it",
    )
    for line in warnings(tables, geneva_today()):
        click.echo(f"warning: {line}", err=True)


@data.command("add-scale")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--period", required=True, help="the scale's three years, 2028-2030")
@click.option("--source", required=True, help="the General Assembly resolution that adopted it (A/RES/…)")
@as_option("isu")
def add_scale(file, period, source, acting):
    """Record a UN scale of assessments (CSV state,rate: rates in percent, as --scale
    takes) for its three years: the annual cycle bills those years by it."""
    from domain.event_types import ScaleAdded
    from domain.scale import ScaleError, read_scale
    from domain.states import registry

    m = re.fullmatch(r"(\d{4})-(\d{4})", period.strip())
    if not m or int(m[2]) - int(m[1]) != 2 or not 2010 <= int(m[1]) <= 2100:
        raise click.BadParameter(f"{period!r} is not a UN scale's three years (2028-2030)", param_hint="--period")
    try:
        scale = read_scale(read_input(file), registry(), str(file))
    except ScaleError as e:
        raise click.ClickException(f"{file}: {e}") from None
    if not scale.rates:
        raise click.ClickException(f"{file}: no rates")
    added = ScaleAdded(period=period.strip(), rates=scale.rates, source=_source(source))
    written = _record("scale", "data.scale_added", added.model_dump(mode="json"), acting)
    click.echo(
        f"{'recorded' if written else 'already recorded'}: the UN scale {added.period} "
        f"({len(added.rates)} rates; {added.source})"
    )


@data.command("add-holidays")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", required=True, help="where the UN Office at Geneva announced them")
@as_option("isu")
def add_holidays(file, source, acting):
    """Record days the UN Office at Geneva keeps (CSV day,name, as the shipped file): the
    Committee's meetings are refused on them, as on the shipped ones."""
    from domain.coverage import read_holidays
    from domain.event_types import HolidaysAdded
    from domain.process import Refusal

    try:
        days = read_holidays(read_input(file))
    except Refusal as e:
        raise click.ClickException(f"{file}: {e}") from None
    added = HolidaysAdded(days=days, source=_source(source))
    written = _record("holidays", "data.holidays_added", added.model_dump(mode="json"), acting)
    click.echo(
        f"{'recorded' if written else 'already recorded'}: {len(days)} holidays, "
        f"{min(days)} to {max(days)} ({added.source})"
    )


@data.command("checked-registry")
@click.option("--as-of", "as_of", type=DATE, required=True, help="the date of the depositary's status you read")
@click.option("--source", required=True, help="where (the UNTC page, its date)")
@as_option("isu")
def checked_registry(as_of, source, acting):
    """Record that the depositary's status was read on a day and the log holds every change
    it shows (`ccm states record`): the membership is then known five months past it."""
    from domain.event_types import RegistryChecked
    from domain.obligations import OPENED_FOR_SIGNATURE

    if not OPENED_FOR_SIGNATURE <= as_of <= geneva_today():
        raise click.BadParameter(
            f"{as_of} is not a day the depositary's status could be read: from "
            f"{OPENED_FOR_SIGNATURE} (opened for signature) up to today",
            param_hint="--as-of",
        )
    checked = RegistryChecked(as_of=as_of, source=_source(source))
    _record("registry", "data.registry_checked", checked.model_dump(mode="json"), acting)
    click.echo(f"recorded: the States Parties checked as of {as_of} ({checked.source})")
