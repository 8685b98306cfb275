"""`ccm coordinators`: who holds the Presidency and coordinates each theme, term by term
(`domain.office_holders`): the shipped data with its sources, and the operator's records."""

from __future__ import annotations

from datetime import date

import click

from cli.client import as_option, record
from cli.common import ANY_STATE, DATE, TextType, emit, output_option, reading_log, state_codes, with_recorded
from domain.clock import geneva_today


def recorded_table():
    """(term, theme) -> holding: the shipped data with the log's records over it."""
    from domain.office_holders import from_events, holdings

    return with_recorded("coordinators.recorded", lambda rows: holdings(from_events(rows)))


def coordinators_of(owner: str, day: date) -> list[str] | None:
    """When `owner` is a theme's coordinators (`coordinator:<theme>`), the States in office
    on `day`, with the operator's records; None for any other owner."""
    from domain.office_holders import coordinators, term_on

    if not owner.startswith("coordinator:"):
        return None
    return coordinators(term_on(day), owner.removeprefix("coordinator:"), recorded_table())


class TermType(click.ParamType):
    name = "TERM"

    def convert(self, value, param, ctx):
        from domain.office_holders import check_term
        from domain.process import Refusal

        try:
            return check_term(str(value).strip().upper())
        except Refusal as e:
            self.fail(str(e), param, ctx)


@click.group()
def coordinators():
    """The Presidency of each meeting and the coordinators of each theme, term by term: the
    shipped data with its sources, and what the operator records."""


@coordinators.command("list")
@click.option("--term", type=TermType(), help="one term (7MSP, 2RC); default: the one in office on --on")
@click.option("--on", "on", type=DATE, help="the term in office on this day (default: today, in Geneva)")
@output_option()
def coordinators_list(term, on, output):
    """Who holds each office in a term, with the source; `carried from` marks coordinators
    still in office from an earlier term, none having been designated since."""
    from domain.office_holders import PRESIDENCY, holders, term_on
    from domain.themes import THEMES

    term = term or term_on(on or geneva_today())
    table = recorded_table()
    rows = []
    for slug in (PRESIDENCY, *(t.slug for t in THEMES)):
        held = holders(term, slug, table)
        rows.append(
            {
                "office": slug,
                "states": ", ".join(held.states) if held else ("" if slug == PRESIDENCY else "the Presidency"),
                "carried_from": held.carried_from if held else "",
                "source": held.source if held else "none recorded",
            }
        )
    emit(rows, output, ["office", "states", "carried_from", "source"], title=f"Office holders, term {term}")


@coordinators.command("set")
@click.option("--term", type=TermType(), required=True, help="the term (7MSP, 2RC, 14MSP)")
@click.option("--theme", "slug", help="a theme's slug (as ccm plan start takes it)")
@click.option("--states", help="its coordinating States, comma-separated (one or two)")
@click.option("--presidency", type=ANY_STATE, help="the State presiding over the term's meeting")
@click.option("--source", type=TextType(300, lines=False), required=True, help="where this is said (a URL)")
@as_option("isu")
def coordinators_set(term, slug, states, presidency, source, acting):
    """Record who holds an office in a term, as the meeting designated them (a new row; the
    latest for a term and office counts)."""
    from domain.office_holders import PRESIDENCY, Holding, check_holding, holding_event
    from domain.process import Refusal
    from domain.schedule import utc_midnight

    if bool(presidency) == bool(slug or states) or (not presidency and not (slug and states)):
        raise click.UsageError("give --presidency, or --theme with --states")
    slug, held = (PRESIDENCY, [presidency]) if presidency else (slug, state_codes(states))
    try:  # the worker's own check of the row (`check_holding`), here before anything is sent
        check_holding({"term": term, "theme": slug, "states": held})
    except Refusal as e:
        raise click.BadParameter(str(e), param_hint="--presidency" if presidency else "--theme/--states") from None
    with reading_log() as log:
        before = sum(
            1
            for row in log.query(workflow_id="coordinators")
            if row.idempotency_key.startswith(f"coordinators/{term}/{slug}/")
        )
    holding = Holding(term=term, theme=slug, states=held, source=source)
    record(
        "record_coordinators",
        [holding_event(holding, before + 1, utc_midnight(geneva_today()), acting.actor, acting.office)],
        acting,
    )
    click.echo(f"{term} {slug}: {', '.join(held)}" + (" (changed)" if before else ""))
