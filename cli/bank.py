"""`ccm bank`: bank statements reconciled in bulk with the chases.

The command reads and checks the statement, then hands it to the worker
(`BankStatementImport`, `activities.bank`), which settles and logs every entry once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click

from cli.client import as_option, connect, connect_polled, record, run
from cli.common import PARTY, MoneyType, emit, output_option, read_input, settings, year_option

MAX_HANDED_OVER = 1_500_000  # bytes of a statement handed to the worker, as JSON
BANK_COLUMNS = ["entry", "value_date", "amount", "currency", "outcome", "chase", "how", "reason", "guesses", "account"]


@click.group()
def bank():
    """Bank statements (camt.053, camt.054, MT940): credits matched to their chases as receipts."""


@bank.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@as_option("isu")
@output_option()
def bank_import(path, acting, output):
    """Import a statement: every CHF credit is matched to its chase (by creditor reference,
    then by the State its text names, then by a reported payment of that amount) and
    recorded as a receipt; a reversal reverses the receipt it cancels. What cannot be
    matched is listed with guesses (settle it with `ccm bank match`). Importing the same
    statement again changes nothing. A file holding several accounts' statements records
    each under its own account."""
    from domain.bank import StatementError, read_statements

    try:
        statements = read_statements(read_input(path, text=False))
    except StatementError as e:
        raise click.ClickException(f"{path}: {e}") from None
    # Machine-readable output is the document alone: the summaries go to stderr beside it.
    if len(statements) > 1:
        accounts = ", ".join(f"{s.account} ({len(s.entries)} entries)" for s in statements)
        click.echo(f"{path} holds {len(statements)} statements: {accounts}", err=output != "table")
    unmatched = []
    for statement in statements:
        outcome = run(hand_over(statement, acting))
        unmatched += [r for r in outcome if r["outcome"] == "unmatched" and not r["already"]]
        click.echo(_summary(statement, outcome), err=output != "table")
    if unmatched or output != "table":
        emit(unmatched, output, BANK_COLUMNS, title="Unmatched entries (ccm bank match ENTRY --state … --year …)")


async def hand_over(statement, acting) -> list[dict]:
    """Start (or find) the statement's run on the worker and wait for its rows."""
    from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

    from domain.records import StatementInput, statement_id
    from services.keystore import sign_statement
    from workflows.bank_statement import BankStatementImport

    client, queue = await connect_polled(), settings().task_queue
    workflow_id = statement_id(statement)
    inp = sign_statement(
        StatementInput(statement=statement, actor=acting.actor, office=acting.office, excess=settings().excess),
        workflow_id,
    )
    if len(inp.model_dump_json()) > MAX_HANDED_OVER:  # Temporal refuses a payload past 2 MB
        raise click.ClickException(
            f"the statement has {len(statement.entries):,} entries, more than one run takes: "
            "ask the bank for daily statements, or split it"
        )
    # The same file again: a new run, which finds every entry logged and says so.
    handle = await client.start_workflow(
        BankStatementImport.run,
        inp,
        id=workflow_id,
        task_queue=queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
    # A run under the statement's id that ccm did not start (another type, a queue no worker
    # of this installation polls: the plain `temporal` CLI can take the id first) would be
    # waited for for ever: refused in one line instead.
    desc = await handle.describe()
    if desc.workflow_type != "BankStatementImport" or desc.task_queue != queue:
        raise click.ClickException(
            f"{workflow_id} is taken by a run of {desc.workflow_type} on task queue {desc.task_queue!r} that this "
            f"installation did not start: terminate it (`temporal workflow terminate --workflow-id {workflow_id}`), "
            "then import the statement again"
        )
    rows = await handle.result()
    from services.commands import settle

    await settle(client, [r["chase"] for r in rows if r["chase"] and r["outcome"] in ("matched", "reversed")])
    return rows


def _summary(statement, rows: list[dict]) -> str:
    new = [r for r in rows if not r["already"]]
    return (
        f"{statement.format} {statement.id} ({statement.account}): {len(statement.entries)} entries, "
        f"{len(rows) - len(new)} already imported; {_totals(new)}"
    )


def _totals(rows: list[dict]) -> str:
    """`4 matched (CHF 2'750.00), 1 reversed (CHF 1'000.00), 0 unmatched, …`: CHF entries summed."""
    from domain.money import format_chf

    def count(outcome: str) -> str:
        chosen = [r for r in rows if r["outcome"] == outcome]
        chf = sum((Decimal(r["amount"]) for r in chosen if r["currency"] == "CHF"), Decimal("0.00"))
        return f"{len(chosen)} {outcome}" + (f" ({format_chf(chf)})" if chosen else "")

    return ", ".join(count(o) for o in ("matched", "reversed", "unmatched", "ignored"))


def bank_rows(log) -> list[dict]:
    """Each entry as it stands: the last event about it (a later `bank match` settles an
    unmatched one)."""
    from domain.bank import row_of
    from domain.event_types import typed

    latest: dict[str, object] = {}
    for ev in log.query(event_type="bank.entry_*"):
        p = typed(ev)
        latest[f"{p.account}/{p.entry['ref']}"] = ev
    return [row_of(ev, already=True) for ev in latest.values()]


@bank.command("status")
@click.option("--unmatched", is_flag=True, help="only the entries still to settle")
@output_option()
def bank_status(unmatched, output):
    """Every entry imported, with what became of it, and the totals."""
    from cli.common import open_log

    rows = [r for r in bank_rows(open_log()) if not unmatched or r["outcome"] == "unmatched"]
    for r in rows:
        r.pop("already")
    emit(rows, output, BANK_COLUMNS, title="Bank entries")
    if output == "table":
        click.echo(_totals(rows))
        for row in statement_rows(open_log()):
            if row["chain"] != "continues":
                click.echo(
                    f"{row['account']}: statement {row['statement']} ({row['from']} to {row['to']}): {row['chain']}"
                )


def statement_rows(log) -> list[dict]:
    """Every account's statements, chained (`domain.bank.statement_chain`)."""
    from domain.bank import statement_chain

    by_account: dict[str, list[dict]] = {}
    for ev in log.query(event_type="bank.statement_imported"):
        by_account.setdefault(ev.payload["account"], []).append(ev.payload)
    return [row for account in sorted(by_account) for row in statement_chain(by_account[account])]


@bank.command("statements")
@output_option()
def bank_statements(output):
    """Every statement imported, per account in order of its days: whether its opening
    balance is the previous one's closing balance, or where a statement is missing."""
    from cli.common import open_log

    emit(
        statement_rows(open_log()),
        output,
        ["account", "statement", "from", "to", "opening", "closing", "chain"],
        title="Bank statements",
    )


@bank.command("match")
@click.argument("entry")
@click.option("--state", "alpha3", type=PARTY, required=True, help="the State Party the entry pays for")
@year_option
@click.option("--chf", type=MoneyType(positive=True), help="for an entry in another currency: the CHF amount credited")
@as_option("isu")
def bank_match(entry, alpha3, year, chf, acting):
    """Settle an unmatched entry by hand: it becomes a receipt on the State's chase."""
    from activities.bank import entry_key, new_event, receive
    from cli.common import open_log
    from domain.bank import Entry
    from domain.chase import workflow_id

    log = open_log()
    found = [r for r in bank_rows(log) if r["entry"] == entry]
    if not found:
        raise click.ClickException(f"no bank entry {entry} was imported (ccm bank status lists them)")
    if len(found) > 1:
        raise click.ClickException(f"bank entry {entry} stands on {len(found)} accounts")
    row = found[0]
    if row["outcome"] != "unmatched":
        raise click.ClickException(
            f"bank entry {entry} is {row['outcome']}" + (f" ({row['chase']})" if row["chase"] else "")
        )
    last = next(
        ev
        for ev in log.query(event_type="bank.entry_*")
        if ev.payload["entry"]["ref"] == entry and ev.event_type == "bank.entry_unmatched"
    )
    original = Entry(**last.payload["entry"])
    if not original.credit or original.reversal:
        raise click.ClickException(f"bank entry {entry} is a debit: only a credit becomes a receipt")
    amount = original.amount
    if original.currency != "CHF":
        if chf is None:
            raise click.UsageError(f"entry {entry} is in {original.currency}: give --chf, the CHF amount credited")
        amount = chf
    elif chf is not None:
        raise click.UsageError("--chf is for an entry in another currency")
    wid = workflow_id(year, alpha3)
    source = {k: last.payload[k] for k in ("account", "statement", "format", "sha256")}

    async def go():
        from services.commands import update_id

        cmd_id = update_id(wid, "record_receipt", {"entry": entry_key(source["account"], entry)})
        from services.chases import ChaseCommands

        return await receive(
            ChaseCommands(await connect()), wid, amount, original, acting, cmd_id, excess=settings().excess
        )

    refused = run(go())
    if refused:
        raise click.ClickException(f"{wid}: {refused}")
    record(
        "match_bank_entry",
        [
            new_event(
                source,
                original,
                acting,
                "bank.entry_matched",
                alpha3,
                key=f"{entry_key(source['account'], entry)}/matched",
                chase=wid,
                how="by_hand",
                chf=str(amount),
            )
        ],
        acting,
    )
    click.echo(f"{entry}: recorded on {wid} as a receipt of CHF {amount}")
