"""`ccm budget …`: the Unit's budget by line as the Meeting of States Parties approved it."""

from __future__ import annotations

from pathlib import Path

import click

from cli.client import as_option, record
from cli.common import PAST, MoneyType, TextType, emit, file_problems, output_option, read_input
from domain.clock import geneva_today


@click.group()
def budget():
    """The Unit's budget by line, as approved, and its revisions."""


@budget.command("set")
@click.option(
    "--year", type=click.IntRange(2010, geneva_today().year + 1), required=True, help="the financial year it funds"
)
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="CSV line,amount,kind (mandatory|voluntary), as a budget file",
)
@click.option(
    "--decision", type=TextType(300, lines=False), required=True, help="the decision's reference (the MSP's report)"
)
@click.option("--approved-on", type=PAST, required=True, help="the day the Meeting of States Parties approved it")
@click.option(
    "--carry-over",
    type=MoneyType(),
    default="0",
    show_default=True,
    help="funds carried over from the year before, CHF",
)
@click.option(
    "--phasing",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV month,percent: each month's share of the budget (the twelve summing to 100); default even",
)
@as_option("isu")
def budget_set(year, path, decision, approved_on, carry_over, phasing, acting):
    """Record the year's budget by line with its decision, dated by the day it was
    approved. The same file again writes nothing; another file for the year is a revision:
    the latest counts from its day (`ccm report finances`), and every one stays in the log."""
    from domain.finances import budget_event, read_phasing

    try:
        shares = read_phasing(read_input(phasing)) if phasing else None
    except ValueError as e:
        raise file_problems(phasing, str(e).split("; ")) from None
    try:
        event = budget_event(
            read_input(path, text=False), year, decision, approved_on, carry_over, acting.actor, acting.office, shares
        )
    except ValueError as e:
        raise file_problems(path, str(e).split("; ")) from None
    done = record("set_budget", [event], acting)
    click.echo(
        f"budget {year} recorded ({decision}, approved on {approved_on})"
        if done.written
        else f"budget {year}: this file is already recorded"
    )


@budget.command("show")
@click.option("--year", type=click.IntRange(2010, geneva_today().year + 1), default=lambda: geneva_today().year)
@output_option("table", "json", "csv")
def budget_show(year, output):
    """The budgets recorded for the year, the first and each revision, by line."""
    from cli.common import open_log

    rows = [
        {
            "approved_on": ev.payload["approved_on"],
            "decision": ev.payload["decision"],
            "line": b["line"],
            "kind": b["kind"],
            "amount": b["amount"],
            "carry_over": ev.payload["carry_over"],
        }
        for ev in open_log().query(workflow_id=f"budget-{year}", event_type="budget.set")
        for b in ev.payload["lines"]
    ]
    if not rows and output == "table":
        raise click.ClickException(f"no budget recorded for {year}: ccm budget set --year {year} --file …")
    emit(rows, output, ["approved_on", "decision", "line", "kind", "amount", "carry_over"], title=f"Budget {year}")
