"""`ccm import …`: records kept before ccm (a ledger of contributions, the letters that
chased it, Article 7 reports), written to the event log dated by their rows, with the
file's SHA-256. A file with any problem is refused with each problem and its line, and
nothing is written; importing the same file again writes nothing."""

from __future__ import annotations

from pathlib import Path

import click

from cli.client import as_option, record
from cli.common import file_problems, read_input, settings
from domain.clock import geneva_today
from domain.ids import chase_prefix


@click.group("import")
def import_():
    """Bring records kept before ccm into the event log."""


def _read(path: Path) -> bytes:
    return read_input(path, text=False)


def _write(command: str, path: Path, events, acting) -> None:
    """Hand the rows to the worker, which checks who sends them and writes them; say which
    log it wrote, and whether it is the one this command reads."""
    from sqlalchemy.engine import make_url

    from cli.common import same_log

    done = record(command, events, acting)
    click.echo(f"{done.written} rows imported from {path}, {done.already} already there")
    if done.log and not same_log(done.log, settings().database_url):
        click.echo(
            f"note: the worker wrote them to the event log at {done.log}; this command reads the one at "
            f"{make_url(settings().database_url).render_as_string(hide_password=True)} (CCM_HOME / CCM_DATABASE_URL)",
            err=True,
        )


@import_.command("contributions")
@click.option(
    "--year",
    type=click.IntRange(2010, geneva_today().year),
    required=True,
    help="the financial year of the ledger (a year past, or this one)",
)
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="CSV state,amount_due,date,amount,reference,budget_line (one row per receipt)",
)
@as_option("isu")
def import_contributions(year, path, acting):
    """A past year's ledger as `chase.imported` and `chase.receipt_imported` events: the
    reports, `--as-of`, `chase status --year` and the next year's arrears read it like a
    year run in ccm. A year with chases of its own in ccm cannot be imported over."""
    from cli.common import open_log
    from domain.contributions import IMPORTED, ledger_events
    from domain.states import registry

    live = next(
        (
            ev
            for ev in open_log().query(event_type="chase.*")
            if ev.workflow_id.startswith(chase_prefix(year)) and ev.event_type not in IMPORTED
        ),
        None,
    )
    if live is not None:
        raise click.ClickException(f"{year} has chases in ccm ({live.workflow_id}): it cannot be imported over")
    try:
        events = ledger_events(_read(path), year, registry(), acting.actor, acting.office)
    except ValueError as e:
        raise file_problems(path, str(e).split("; ")) from None
    _write("import_contributions", path, events, acting)


@import_.command("letters")
@click.option(
    "--year",
    type=click.IntRange(2010, geneva_today().year),
    required=True,
    help="the financial year the letters chased (its ledger imported first)",
)
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="CSV state,date,kind,reference (kind: call_for_contributions, second_reminder, pre_msp_reminder, "
    "president_letter or thank_you)",
)
@as_option("isu")
def import_letters(year, path, acting):
    """Letters sent before ccm as `chase.letter_imported` events, dated by each row: the
    year's report counts them, and a letter previewed or sent later recalls them by number
    and date. Only for a year whose ledger was imported (no chase of ccm runs it)."""
    from cli.common import open_log
    from domain.contributions import IMPORTED, letter_events
    from domain.ids import parse_chase_id
    from domain.states import registry

    rows = list(open_log().query(workflow_prefix=chase_prefix(year), event_type="chase.*"))
    live = next((ev for ev in rows if ev.event_type not in IMPORTED), None)
    if live is not None:
        raise click.ClickException(f"{year} has chases in ccm ({live.workflow_id}): their letters are ccm's own")
    billed = {p[1] for ev in rows if ev.event_type == "chase.imported" and (p := parse_chase_id(ev.workflow_id))}
    try:
        events = letter_events(_read(path), year, registry(), billed, acting.actor, acting.office)
    except ValueError as e:
        raise file_problems(path, str(e).split("; ")) from None
    _write("import_letters", path, events, acting)


@import_.command("expenditure")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="CSV date,budget_line,amount,description,document[,kind] from the host's accounting (kind: "
    "expenditure or fee)",
)
@as_option("isu")
def import_expenditure(path, acting):
    """What the Unit spent, and the fees the host or the UN took, as `expenditure.recorded`
    events dated by each row, each named by its document reference: the same export again
    writes nothing new, and a row changed under the same document is refused with both
    rows named."""
    from domain.finances import expenditure_events

    try:
        events = expenditure_events(_read(path), acting.actor, acting.office, geneva_today())
    except ValueError as e:
        raise file_problems(path, str(e).split("; ")) from None
    _write("import_expenditure", path, events, acting)


@import_.command("obligations")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="CSV state,kind,period,submitted_on,reference",
)
@as_option("isu")
def import_obligations(path, acting):
    """Reports submitted before ccm as `obligation.imported` events, dated by each row."""
    from domain.obligations import imported_events
    from domain.states import registry

    try:
        events = imported_events(_read(path), registry(), acting.actor, acting.office)
    except ValueError as e:
        raise file_problems(path, str(e).split("; ")) from None
    _write("import_obligations", path, events, acting)


@import_.command("votes")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="the UN Digital Library's General Assembly voting data (CSV), or an extract of it",
)
@click.option("--resolution", required=True, help="the resolution whose votes to import: A/RES/70/54")
@as_option("isu")
def import_votes(path, resolution, acting):
    """The Member States' votes on one of the Convention's General Assembly resolutions
    (`unga.vote_recorded`, one row each, with the dataset's link as source)."""
    from domain.states import world
    from domain.votes import vote_events

    members = {w.alpha3 for w in world() if w.kind == "member"}
    try:
        events = vote_events(_read(path), resolution.strip(), members, acting.actor, acting.office)
    except ValueError as e:
        raise file_problems(path, str(e).split("; ")) from None
    _write("import_votes", path, events, acting)
