"""What commands share: parameter types, `--output`, running async calls, errors."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date
from decimal import Decimal

import click


class StateType(click.ParamType):
    """A State by alpha-3, alpha-2 or name, in any case; answers its alpha-3 code."""

    name = "STATE"

    def convert(self, value, param, ctx):
        from domain.states import UnknownState, registry

        try:
            return registry().get(value).alpha3
        except UnknownState as e:
            self.fail(str(e), param, ctx)


class MoneyType(click.ParamType):
    name = "CHF"

    def __init__(self, positive: bool = False):
        self.positive = positive

    def convert(self, value, param, ctx):
        from domain.money import to_chf

        try:
            amount = to_chf(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)
        if amount < 0 or (self.positive and amount == 0):
            self.fail(f"{value} is not a {'positive' if self.positive else 'non-negative'} amount", param, ctx)
        return amount


class DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date (YYYY-MM-DD)", param, ctx)


STATE = StateType()
DATE = DateType()


def output_option(*choices: str):
    choices = choices or ("table", "json", "csv")
    return click.option("--output", "-o", type=click.Choice(choices), default=choices[0], show_default=True,
                        help="output format")


def as_option(default_office: str = ""):
    return click.option("--as", "acting", envvar="CCM_ACTOR", default="", metavar="PERSON@OFFICE",
                        help="who acts, as person@office or an office (env CCM_ACTOR)"
                             + (f"; office defaults to {default_office}" if default_office else ""))


OFFICES = ("president", "presidency", "isu", "member")


def office_of(text: str) -> str | None:
    """An office as the log records it: a State's alpha-3 code (any form accepted), or
    president, presidency, isu, member, coordinator:<theme>; None for anything else."""
    from domain.states import UnknownState, registry

    lowered = text.strip().lower()
    if lowered in OFFICES or (lowered.startswith("coordinator:") and len(lowered) > len("coordinator:")):
        return lowered
    try:
        return registry().get(text).alpha3
    except UnknownState:
        return None


def split_actor(acting: str, default_office: str = "") -> tuple[str, str]:
    """`Sheila Mweemba@isu` -> ("Sheila Mweemba", "isu"); `president` -> ("", "president");
    `Italy` -> ("", "ITA"); a bare name that is no office is the person."""
    if "@" in acting:
        person, _, office = acting.rpartition("@")
        return person.strip(), office_of(office) or office.strip()
    if office := office_of(acting):
        return "", office
    return acting.strip(), default_office


def settings():
    """The Settings of this invocation (read once; root options may override them)."""
    from cli.settings import Settings

    ctx = click.get_current_context()
    obj = ctx.find_root().obj
    if obj is None:
        obj = ctx.find_root().obj = Settings()
    return obj


def run(coro):
    """Run an async client call from a sync command; errors become one clear line."""
    import asyncio

    try:
        return asyncio.run(coro)
    except click.ClickException:
        raise
    except Exception as e:  # translated once, here, at the edge
        raise click.ClickException(describe_error(e)) from None


def describe_error(e: BaseException) -> str:
    from temporalio.client import (
        RPCError,
        WorkflowFailureError,
        WorkflowQueryFailedError,
        WorkflowUpdateFailedError,
    )
    from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

    from cli.codec import BadKeys
    from cli.temporal import Unreachable

    if isinstance(e, (Unreachable, BadKeys)):
        return str(e)
    if isinstance(e, WorkflowAlreadyStartedError):
        return f"{e.workflow_id} already exists (a workflow id is used once)"
    if isinstance(e, (WorkflowUpdateFailedError, WorkflowFailureError)):
        cause = e.cause
        while isinstance(cause, BaseException) and cause.__cause__ and not isinstance(cause, ApplicationError):
            cause = cause.__cause__
        return f"refused: {getattr(cause, 'message', None) or cause}"
    if isinstance(e, WorkflowQueryFailedError):
        return f"query failed: {e.message}"
    if isinstance(e, RPCError):
        message = e.message
        if "not found" in message.lower() and "update" in message.lower():
            message = "the workflow has already finished"
        if "already completed" in message.lower():
            message = "the workflow has already finished"
        return message
    return f"{type(e).__name__}: {e}"


def emit(rows: list[dict] | dict, output: str, columns: list[str] | None = None, title: str | None = None) -> None:
    """Print rows as a rich table, JSON (a list of objects) or CSV, to stdout."""
    if output == "json":
        click.echo(json.dumps(rows, indent=2, default=_json_default, ensure_ascii=False))
        return
    columns = columns or (list(rows[0]) if rows else [])
    if output == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buf.getvalue(), nl=False)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for c in columns:
            table.add_column(c, justify="right" if rows and isinstance(rows[0].get(c), (int, Decimal)) else "left")
        for r in rows:
            table.add_row(*("" if r.get(c) is None else str(r.get(c)) for c in columns))
        Console(file=sys.stdout, width=200 if not sys.stdout.isatty() else None).print(table)


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
