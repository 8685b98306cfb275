"""What commands share: parameter types, `--output`, settings, printing rows."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import click

from domain.clock import geneva_today


class StateType(click.ParamType):
    """A State by alpha-3, alpha-2 or name, in any case; answers its alpha-3 code. One the
    shipped registry does not know may have joined by a change recorded in the event log."""

    name = "STATE"

    def convert(self, value, param, ctx):
        return self.state(value, param, ctx).alpha3

    def state(self, value, param, ctx):
        from domain.states import UnknownState, registry

        try:
            return registry().get(value)
        except UnknownState as e:
            try:
                return log_registry().get(value)
            except UnknownState:
                self.fail(str(e), param, ctx)


class TextType(click.ParamType):
    """A text a person types for a record: not empty, at most `limit` characters."""

    name = "TEXT"

    def __init__(self, limit: int, lines: bool = True):
        self.limit, self.lines = limit, lines

    def convert(self, value, param, ctx):
        from domain.text import clean_text

        text = str(value).strip()
        if not text:
            self.fail("is empty", param, ctx)
        if len(text) > self.limit:
            self.fail(f"has {len(text):,} characters: at most {self.limit:,}", param, ctx)
        try:
            clean_text(text, lines=self.lines)  # a line break only where a text runs over lines
        except ValueError as e:
            self.fail(str(e), param, ctx)
        return text


def rebuild_reason(f):
    """`--reason` of a `… rebuild` command: recorded with the broken run's termination."""
    return click.option(
        "--reason", type=TextType(300), required=True, help="why the run is rebuilt (recorded with its termination)"
    )(f)


class MoneyType(click.ParamType):
    name = "CHF"

    def __init__(self, positive: bool = False):
        self.positive = positive

    def convert(self, value, param, ctx):
        from domain.money import parse_amount

        try:
            amount = parse_amount(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)
        if amount < 0 or (self.positive and amount == 0):
            self.fail(f"{value} is not a {'positive' if self.positive else 'non-negative'} amount", param, ctx)
        return amount


class Years(int):
    """A window's bound in calendar years from today: 29 February goes to 28 February."""


def years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year without one
        return day.replace(year=day.year + years, day=28)


class DateType(click.ParamType):
    """A calendar date written YYYY-MM-DD, and only so (`date.fromisoformat` also takes
    week dates such as 2027-W01-1 and compact forms); with a window, a date outside it is
    refused saying the window (`earliest`/`latest` are dates, or days from today)."""

    name = "YYYY-MM-DD"

    def __init__(self, earliest: date | int | None = None, latest: date | int | None = None):
        self.earliest, self.latest = earliest, latest

    @staticmethod
    def _day(bound) -> date | None:
        from datetime import timedelta

        if isinstance(bound, Years):
            return years_from(geneva_today(), int(bound))
        return geneva_today() + timedelta(days=bound) if isinstance(bound, int) else bound

    def window(self) -> str:
        """The window in words, for --help: `2010-08-01 to today`."""

        def said(bound) -> str:
            if not isinstance(bound, int):
                return str(bound)
            if isinstance(bound, Years):
                return f"{int(bound)} years from today"
            return {0: "today", 1: "tomorrow"}.get(bound, f"{bound} days from today")

        if self.earliest is None and self.latest is None:
            return ""
        if self.latest is None:
            return f"from {said(self.earliest)}"
        return (
            f"up to {said(self.latest)}" if self.earliest is None else f"{said(self.earliest)} to {said(self.latest)}"
        )

    def convert(self, value, param, ctx):
        import re

        if isinstance(value, date):
            day = value
        else:
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
                    raise ValueError
                day = date.fromisoformat(value.strip())
            except ValueError:
                self.fail(f"{value!r} is not a date (YYYY-MM-DD)", param, ctx)
        earliest, latest = self._day(self.earliest), self._day(self.latest)
        if (earliest and day < earliest) or (latest and day > latest):
            self.fail(f"{day} is outside {self.window()}", param, ctx)
        return day


class PartyType(StateType):
    """A State Party: only they are chased for contributions."""

    name = "STATE"

    def convert(self, value, param, ctx):
        state = self.state(value, param, ctx)
        alpha3 = state.alpha3
        if not state.ever_party:  # a State that withdrew is still chased for its arrears
            self.fail(
                f"{state.name} ({alpha3}) is a {state.status}, not a State Party: only States Parties are chased",
                param,
                ctx,
            )
        return alpha3


def year_option(f):
    """`--year`: a financial year the Convention has had (from 2010) up to next year."""
    this_year = geneva_today().year
    return click.option(
        "--year",
        type=click.IntRange(2010, this_year + 1),
        default=this_year,
        show_default="this year",
        help=f"financial year (2010 to {this_year + 1})",
    )(f)


def chase_year_option(f):
    """`--year` of a command on one State's chase: by default the year of its open chase."""
    this_year = geneva_today().year
    return click.option(
        "--year",
        type=click.IntRange(2010, this_year + 1),
        default=None,
        show_default="the year of the State's open chase, else this year",
        help=f"financial year (2010 to {this_year + 1})",
    )(f)


class AnyStateType(StateType):
    """Any State of the world (`domain.states.world`): a State Party, a signatory, or one that
    has done neither (a universalization target)."""

    def convert(self, value, param, ctx):
        from domain.states import UnknownState, registry, world

        try:
            return registry().get(value).alpha3
        except UnknownState as e:
            import pycountry

            try:
                code = pycountry.countries.lookup(str(value).strip()).alpha_3
            except LookupError:
                code = None
            if code in {w.alpha3 for w in world()}:
                return code
            self.fail(str(e).replace("unknown State", "not a State of the world"), param, ctx)


STATE = StateType()
ANY_STATE = AnyStateType()
PARTY = PartyType()
DATE = DateType()
CONVENTION_IN_FORCE = date(2010, 8, 1)  # no record of the Convention's work is older (domain.obligations.IN_FORCE)
PAST = DateType(CONVENTION_IN_FORCE, 0)  # a day the log can be read as of: 2010-08-01 to today
AHEAD = DateType(0, Years(5))  # a deadline set now: today to five years ahead, to the day
MEETING_DAY = DateType(CONVENTION_IN_FORCE, Years(2))  # a Committee meeting, held or planned
MONEY = MoneyType(positive=True)


def output_option(*choices: str):
    choices = choices or ("table", "json", "csv")
    return click.option(
        "--output", "-o", type=click.Choice(choices), default=choices[0], show_default=True, help="output format"
    )


MAX_INPUT = 20 * 1024 * 1024  # bytes: years of a secretariat's records, short of a file picked by mistake


def read_input(path: Path, text: bool = True, limit: int = MAX_INPUT) -> str | bytes:
    """A file a person gives a command: a regular file (not a device, a FIFO or a folder,
    which could block or never end), read no further than `limit`, and UTF-8 text when
    `text` (a byte-order mark is dropped). Anything else is one line, exit 1."""
    import stat

    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise click.ClickException(f"{path} is not a regular file")
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise click.ClickException(f"{path}: {e.strerror or e}") from None
    if len(data) > limit:
        raise click.ClickException(f"{path} is more than {limit:,} bytes")
    if not text:
        return data
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text") from None


def file_problems(path, problems: list[str]) -> click.ClickException:
    """A file refused: one problem on one line; several, each on a line of its own."""
    if len(problems) == 1:
        return click.ClickException(f"{path}: {problems[0]}")
    return click.ClickException(f"{path} has {len(problems)} problems:\n  " + "\n  ".join(problems))


def out_options(help: str, required: bool = False):
    """`--out FILE` and `--force`: a file is written only where nothing is, unless
    `--force`; the event log itself is never a place to write to."""

    def decorate(f):
        f = click.option("--force", is_flag=True, help="overwrite --out if it exists")(f)
        return click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=required, help=help)(f)

    return decorate


def check_out(path: Path | None, force: bool) -> None:
    from activities.eventlog import sqlite_path

    if path is None:
        return
    log = sqlite_path(settings().database_url)
    if log is not None and path.resolve() in {
        log.resolve(),
        *(log.with_name(log.name + s).resolve() for s in ("-wal", "-shm")),
    }:
        raise click.BadParameter(f"{path} is the event log: write somewhere else", param_hint="--out")
    if path.exists() and not path.is_file():  # a device, a FIFO, a folder: never replaced, --force or not
        raise click.BadParameter(f"{path} is not a regular file: write to a new path or a file", param_hint="--out")
    if path.exists() and not force:
        raise click.BadParameter(f"{path} exists: give --force to overwrite it", param_hint="--out")
    if not path.parent.is_dir():
        raise click.BadParameter(f"the folder {path.parent} does not exist", param_hint="--out")


def write_out(path: Path, content: str | bytes | Callable) -> None:
    """Write `--out` whole or not at all: into a temporary file beside it, flushed to disk,
    then renamed over it. `content` is the text or bytes, or a function that writes to the
    open (binary) file. A full disk or any other failure to write is one line, and leaves
    neither a partial file nor the temporary one."""
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(content):
                content(f)
            else:
                f.write(content.encode("utf-8") if isinstance(content, str) else content)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise click.ClickException(f"{path} was not written: {e.strerror or e}") from None


def settings():
    """The Settings of this invocation (read once; root options may override them)."""
    ctx = click.get_current_context()
    obj = ctx.find_root().obj
    if obj is None:
        obj = ctx.find_root().obj = load_settings()
    return obj


def validation_message(e) -> str:
    """A pydantic error as one line: `text: String should have at most 2000 characters`."""
    err = e.errors()[0]
    where = ".".join(str(x) for x in err["loc"])
    message = err["msg"].removeprefix("Value error, ")
    more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
    return (f"{where}: {message}" if where else message) + more


def load_settings(**overrides):
    """Settings from the environment and `overrides`; a bad value is one line naming its
    variable (`CCM_BANK_IBAN: 'CH93' is not a valid IBAN: …`)."""
    from pydantic import ValidationError

    from services.settings import Settings

    try:
        return Settings(**overrides)
    except ValidationError as e:
        err = e.errors()[0]
        name = "CCM_" + str(err["loc"][0]).upper() if err["loc"] else "settings"
        raise click.ClickException(f"{name}: {err['msg'].removeprefix('Value error, ')}") from None


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
        writer.writerows(safe_for_spreadsheets(r) for r in rows)
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


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_for_spreadsheets(row: dict) -> dict:
    """A CSV row a spreadsheet opens as text: a cell of text that begins as a formula would
    (`=HYPERLINK(…)`, `+`, `-`, `@`, a tab, a carriage return) gets a leading apostrophe, as
    OWASP recommends against CSV injection. Numbers stay numbers, negative ones included."""

    def cell(value):
        if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
            return value
        try:
            if Decimal(value).is_finite():
                return value  # "-2481.00" is an amount, not a formula
        except ArithmeticError:
            pass
        return "'" + value

    return {k: cell(v) for k, v in row.items()}


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def upgrade_log(s) -> str:
    """Create or migrate the log of settings `s`; its revision."""
    from activities.database import current_revision, make_engine, upgrade

    try:
        if s.database_url_override is None:
            s.home.mkdir(parents=True, exist_ok=True)  # the embedded default lives in the data directory
        engine = make_engine(s.database_url, create=True)
        upgrade(engine)
        revision = current_revision(engine)
        engine.dispose()
        return revision
    except Exception as e:
        raise click.ClickException(f"cannot upgrade {s.shown()['database_url']}: {str(e).splitlines()[0]}") from None


def same_log(one: str, other: str) -> bool:
    """Whether two database URLs name the same event log: the same database on the same
    server (whichever role connects: the compose's writer and reader are two), or the same
    SQLite file."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    a, b = make_url(one), make_url(other)
    if a.get_backend_name() != b.get_backend_name():
        return False
    if a.get_backend_name() == "sqlite":
        return Path(a.database or "").resolve() == Path(b.database or "").resolve()
    return (a.host, a.port or 5432, a.database) == (b.host, b.port or 5432, b.database)


def open_log(missing_ok: bool = True):
    """The event log of the settings, opened to read, never created (`ccm db upgrade`
    creates it; the worker writes it). With `missing_ok=False`, a log that does not exist
    raises `MissingLog` for the caller to answer without one."""
    from activities.database import open_event_log
    from activities.eventlog import MissingLog

    s = settings()
    try:
        return open_event_log(s.database_url, create=False, upgrade_schema=False)  # it only reads
    except MissingLog as e:
        if not missing_ok:
            raise
        raise click.ClickException(str(e)) from None
    except Exception as e:
        raise click.ClickException(
            f"cannot open the event log {s.shown()['database_url']}: {str(e).splitlines()[0]}"
        ) from None


def state_codes(value: str | None) -> list[str]:
    """A comma-separated list of States (any accepted form), as alpha-3 codes, each once."""
    if not value:
        return []
    codes = [ANY_STATE.convert(part.strip(), None, None) for part in value.split(",") if part.strip()]
    return list(dict.fromkeys(codes))


@contextlib.contextmanager
def reading_log():
    """The event log opened to read (`open_log`), closed after."""
    log = open_log()
    try:
        yield log
    finally:
        log.engine.dispose()


def with_recorded(event_type: str, fold):
    """`fold` of the event log's rows of `event_type` over the shipped data; `fold([])`,
    the shipped data alone, where there is no log yet."""
    from activities.eventlog import MissingLog

    try:
        log = open_log(missing_ok=False)
    except MissingLog:
        return fold([])  # nothing recorded yet
    try:
        return fold(log.query(event_type=event_type))
    finally:
        log.engine.dispose()


def log_registry():
    """The shipped registry with the changes recorded in the event log (`ccm states record`)."""
    from domain.states import registry_with

    return with_recorded("state.recorded", registry_with)
