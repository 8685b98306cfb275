"""`ccm report …`: the status of contributions, from the event log."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import click

from cli.client import as_option
from cli.common import PAST, check_out, emit, out_options, settings, write_out
from domain.clock import geneva_today
from services.reports import REPORT_COLUMNS, latest_checkpoint, markdown, report_rows, summary


def contributions_report(year: int, as_of: date | None = None, budget_path: Path | None = None):
    """The year's report from this installation's log, against its budget file."""
    from cli.common import open_log
    from services.reports import contributions_report as fold

    return fold(open_log(), year, budget_path or (settings().home / f"budget-{year}.csv"), as_of)


def year_option(help: str):
    return click.option(
        "--year",
        type=click.IntRange(2010, geneva_today().year + 1),
        default=lambda: geneva_today().year,
        show_default="this year",
        help=help,
    )


def as_of_option(f):
    return click.option(
        "--as-of", type=PAST, help=f"the state as the event log knew it at the end of that day ({PAST.window()})"
    )(f)


def budget_option(f):
    return click.option(
        "--budget",
        "budget_path",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="CSV line,amount,kind (mandatory|voluntary); default $CCM_HOME/budget-YEAR.csv",
    )(f)


@click.group()
def report():
    """Reports computed from the event log."""


@report.command("contributions")
@year_option(f"financial year (2010 to {geneva_today().year + 1})")
@as_of_option
@budget_option
@click.option(
    "--output",
    "-o",
    type=click.Choice(["table", "csv", "md", "html"]),
    default="table",
    show_default=True,
    help="output format",
)
@out_options("write to this file instead of stdout")
def report_contributions(year, as_of, budget_path, output, out, force):
    """Status of contributions per State: due, received, outstanding, arrears, letters,
    last action; totals, States Parties paid in full, budget lines and the deficit."""
    check_out(out, force)
    rep = contributions_report(year, as_of, budget_path)
    if output == "html":
        from activities.reports import render_html

        text = render_html(rep)
    elif output == "md":
        text = markdown(rep)
    elif output == "csv":
        text = _rendered(report_rows(rep, totals=True), "csv", REPORT_COLUMNS)
    elif out:
        raise click.UsageError("--out goes with --output csv, md or html")
    else:
        emit(report_rows(rep, totals=True), output, REPORT_COLUMNS, title=f"Status of contributions {year}")
        click.echo(summary(rep))
        return
    _write_or_print(text, out)


def _rendered(rows: list[dict], output: str, columns: list[str]) -> str:
    """What `emit` would print, as text (for --out)."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        emit(rows, output, columns)
    return buffer.getvalue()


def _write_or_print(text: str, out) -> None:
    if out:
        write_out(out, text)
        click.echo(f"wrote {out}")
    else:
        click.echo(text, nl=False)


def obligations_rows(as_of):
    from cli.common import open_log
    from domain.obligations import fold_obligations

    return fold_obligations(open_log().query(event_type="obligation.*"), as_of)


@report.command("arrears")
@year_option("age the arrears at the end of this year's chases")
@as_of_option
@click.option(
    "--older-than",
    "older_than",
    type=click.IntRange(0, 100),
    default=0,
    show_default=True,
    help="only what was billed more than this many years before --year",
)
@click.option(
    "--output", "-o", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True, help="format"
)
def report_arrears(year, as_of, older_than, output):
    """What each State still owes, by the year it was billed, with the total per year of
    origin: payments settle the oldest amounts first, so what is owed is the newest. A year
    waived or cancelled owes nothing; origin 0 is what was owed before the first year the
    log holds (carried into it)."""
    from cli.common import open_log
    from services.reports import arrears_report

    aged = [a for a in arrears_report(open_log(), year, as_of) if older_than == 0 or a.age > older_than]
    rows = [a.model_dump() for a in aged]
    totals: dict[int, Decimal] = {}
    for a in aged:
        totals[a.origin] = totals.get(a.origin, Decimal("0.00")) + a.amount
    if output == "json":
        emit({"arrears": rows, "by_origin": {str(o): str(t) for o, t in sorted(totals.items())}}, "json")
        return
    total_rows = [
        {"state": "", "name": f"total {o or 'before'}", "origin": o, "amount": t} for o, t in sorted(totals.items())
    ]
    emit(rows + total_rows, output, ["state", "name", "origin", "age", "amount"], title=f"Arrears at the end of {year}")


@report.command("finances")
@year_option("the financial year")
@as_of_option
@click.option("--since", type=PAST, help="the day of the last update: the contributions since are named")
@click.option(
    "--output",
    "-o",
    type=click.Choice(["table", "json", "csv", "md", "html"]),
    default="table",
    show_default=True,
    help="table: the update in sentences, the lines and the projection; csv: the projection; html: a page "
    "with a chart of the cash",
)
@click.option("--language", type=click.Choice(["en", "fr", "es"]), default="en", show_default=True)
@out_options("write to this file instead of stdout (csv, md or html)")
def report_finances(year, as_of, since, output, language, out, force):
    """The finance update of the minutes' item 6: contributions since the last update and
    by line, the deficit against the budget recorded (`ccm budget set`), the carry-over,
    spending (`ccm import expenditure`) and cash, whether the cash lasts through the
    first trimester of the next year (a month-by-month projection from the budget's
    monthly spending, pledges with their days, and each State's payment month of last
    year), the UN's 13 % fee, and the longest arrears."""
    from cli.common import open_log
    from domain.money import format_chf
    from services.finances import finances, update_sentences
    from services.reports import arrears_report

    check_out(out, force)
    log = open_log()
    fin, report = finances(log, settings().home, year, as_of)
    said = update_sentences(fin, report, arrears_report(log, year, fin.as_of), since, language)
    lines = [
        {
            "line": b.line,
            "kind": b.kind,
            "budget": b.amount,
            "received": fin.received_by_line.get(b.line, Decimal("0.00")),
            "spent": fin.spent_on(b.line),
            "cash": fin.cash_by_line()[b.line],
        }
        for b in fin.budget
    ]
    months = [m.model_dump() for m in fin.projection]
    if out and output in ("table", "json"):
        raise click.UsageError("--out goes with --output csv, md or html")
    if output == "json":
        emit({"update": said, "lines": lines, "projection": months, "cash": str(fin.cash)}, "json")
    elif output == "csv":
        _write_or_print(_rendered(months, "csv", ["month", "receipts", "spending", "balance"]), out)
    elif output == "md":
        rows = "".join(
            f"| {m.month:%B %Y} | {format_chf(m.receipts)} | {format_chf(m.spending)} | {format_chf(m.balance)} |\n"
            for m in fin.projection
        )
        _write_or_print(
            f"# Finance update {year}, as of {fin.as_of}\n\n"
            + "".join(f"- {s}\n" for s in said)
            + "\n| month | receipts | spending | balance |\n|---|---:|---:|---:|\n"
            + rows,
            out,
        )
    elif output == "html":
        from activities.reports import finances_html

        _write_or_print(finances_html(fin, report, said, language), out)
    else:
        click.echo("\n".join(said))
        if lines:
            emit(lines, "table", list(lines[0]), title=f"Budget lines {year}, as of {fin.as_of}")
        emit(months, "table", ["month", "receipts", "spending", "balance"], title="Cash, month by month")


@report.command("obligations")
@as_of_option
@click.option(
    "--output",
    "-o",
    type=click.Choice(["table", "json", "csv", "md", "html"]),
    default="table",
    show_default=True,
    help="output format",
)
@out_options("write to this file instead of stdout")
def report_obligations(as_of, output, out, force):
    """Treaty obligations per kind and period: States concerned, fulfilled on time, late,
    overdue, not yet due, exempted (the figures the Committee quotes), from the event log."""
    from domain.obligations import STANDINGS, obligations_summary

    check_out(out, force)
    on = as_of or geneva_today()
    rows = obligations_rows(as_of)
    summary = obligations_summary(rows, on)
    columns = ["kind", "period", "states", *STANDINGS]
    if output == "html":
        from activities.reports import render_obligations
        from domain.states import registry

        text = render_obligations(rows, on, {s.alpha3: s.name for s in registry()})
    elif output == "md":
        text = (
            "\n".join(
                [
                    f"# Treaty obligations as of {on}",
                    "",
                    "| " + " | ".join(columns) + " |",
                    "|" + " --- |" * len(columns),
                ]
                + ["| " + " | ".join(str(r[c]) for c in columns) + " |" for r in summary]
            )
            + "\n"
        )
    elif out:
        text = _rendered(summary, output, columns)
    else:
        emit(summary, output, columns, title=f"Treaty obligations as of {on}")
        return
    _write_or_print(text, out)


@report.command("legislation")
@as_of_option
@click.option(
    "--status",
    type=click.Choice(["adopted", "in_progress", "sufficient", "none", "no_information", "disputed"]),
    help="only the States Parties with this status (disputed: the sources differ)",
)
@click.option("--summary", is_flag=True, help="counts by status and region instead of one row per State")
@click.option(
    "--output", "-o", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
    help="output format",
)  # fmt: skip
def report_legislation(as_of, status, summary, output):
    """National implementation (Article 9): each State Party's legislation as each source
    last said it (its Article 7 report, the Monitor, the ISU), and where they differ; with
    `--summary`, the States Parties by status and region."""
    from collections import Counter

    from cli.common import reading_log
    from domain.legislation import fold_legislation
    from domain.states import registry_with, world

    on = as_of or geneva_today()
    with reading_log() as log:
        said = fold_legislation(log.query(event_type="state.legislation_recorded"), on)
        reg = registry_with(log.query(event_type="state.recorded"))
    region = {w.alpha3: w.region for w in world()}
    rows = []
    for party in sorted(reg.parties(on), key=lambda p: p.name_on(on)):
        known = said.get(party.alpha3)
        by = known.by_source if known else {}
        row = {
            "state": party.alpha3,
            "name": party.name_on(on),
            "region": region.get(party.alpha3, ""),
            "status": known.status if known else "no_information",
        } | {
            src: f"{by[src].status} ({by[src].as_of})" if src in by else ""
            for src in ("article7", "monitor", "isu", "other")
        }
        if status is None or row["status"] == status:
            rows.append(row)
    if summary:
        counts = Counter((r["status"], r["region"]) for r in rows)
        table = [{"status": st, "region": rg, "states": n} for (st, rg), n in sorted(counts.items())]
        emit(table, output, ["status", "region", "states"], title=f"National implementation as of {on}")
        return
    columns = ["state", "name", "region", "status", "article7", "monitor", "isu", "other"]
    emit(rows, output, columns, title=f"National implementation as of {on}: {len(rows)} States Parties")


@report.command("theme")
@click.option("--theme", "slug", required=True, help="the theme (universalization, victim-assistance, …)")
@as_of_option
@click.option("--language", type=click.Choice(["en", "fr", "es"]), default="en", show_default=True)
@click.option("--output", "-o", type=click.Choice(["md", "json"]), default="md", show_default=True)
@out_options("write to this file instead of stdout")
def report_theme(slug, as_of, language, output, out, force):
    """A theme's page for its coordinators, in English, French or Spanish: its concept notes
    and plans, open action items, events, and for universalization its targets and
    campaigns, for national implementation its legislation by status."""
    import json

    from cli.client import connect
    from cli.client import run as run_client
    from cli.common import reading_log
    from domain.process import Refusal
    from domain.themes import theme
    from services.themes import page_markdown, theme_page

    try:
        theme(slug)
    except Refusal as e:
        raise click.BadParameter(str(e), param_hint="--theme") from None
    check_out(out, force)
    on = as_of or geneva_today()

    async def go(log):
        return await theme_page(await connect(), log, slug, on)

    with reading_log() as log:
        page = run_client(go(log))
    text = json.dumps(page, indent=2, ensure_ascii=False) + "\n" if output == "json" else page_markdown(page, language)
    _write_or_print(text, out)


@report.command("publish-themes")
@click.option("--theme", "slugs", multiple=True, help="one theme (repeatable; default: every theme)")
@as_of_option
def report_publish_themes(slugs, as_of):
    """Write the coordinators' theme pages into the site folder ($CCM_HOME/site), beside the
    status pages: theme-SLUG.html in English, French and Spanish, each naming the others.
    They name no State's arrears, so no decision of the Committee is needed."""
    from cli.client import connect
    from cli.client import run as run_client
    from cli.common import reading_log
    from domain.process import Refusal
    from domain.themes import THEMES, theme
    from services.themes import publish_pages, theme_page

    for slug in slugs:
        try:
            theme(slug)
        except Refusal as e:
            raise click.BadParameter(str(e), param_hint="--theme") from None
    on = as_of or geneva_today()

    async def go(log):
        client = await connect()
        return [await theme_page(client, log, slug, on) for slug in dict.fromkeys(slugs or [t.slug for t in THEMES])]

    with reading_log() as log:
        pages = run_client(go(log))
    for path in publish_pages(pages, settings().home / "site"):
        click.echo(f"published {path} (.fr, .es)")


@report.command("publish")
@year_option(f"financial year (2010 to {geneva_today().year + 1})")
@as_of_option
@budget_option
@click.option(
    "--decided-at",
    type=PAST,
    help="the Committee meeting that decided to publish (recorded once, by the "
    "Presidency); without one recorded, the page is drafted in $CCM_HOME/draft, not published",
)
@as_option("president")
def report_publish(year, as_of, budget_path, decided_at, acting):
    """Write the status-of-contributions page into the site folder ($CCM_HOME/site):
    contributions-YEAR.html, or with --as-of a dated snapshot beside it
    (contributions-YEAR-as-of-DAY.html) that leaves the live page alone. Publishing
    ("naming and shaming", as the minutes call it) is the Committee's decision: until one
    is recorded (--decided-at MEETING) the page is drafted for the Committee instead."""
    from activities.reports import publish, publish_obligations
    from cli.common import open_log
    from domain.states import registry

    report = contributions_report(year, as_of, budget_path)
    rows = obligations_rows(as_of)
    if not report.states and not rows:
        raise click.ClickException(
            f"no contributions of {year} and no obligations are in the log"
            + (f" as of {as_of}" if as_of else "")
            + ": nothing to publish"
        )
    log = open_log()
    if decided_at is not None:
        _record_publishing(log, decided_at, acting)
        log = open_log()
    from domain.event_types import typed

    decision = next((e for e in log.query(event_type="decision.recorded") if typed(e).decision == PUBLISHING), None)
    folder, said = (settings().home / "site", "published") if decision else (settings().home / "draft", "drafted")
    checkpoint = latest_checkpoint(log)
    if report.states:
        path = publish(report, folder, checkpoint)
        click.echo(f"{said} {path}" + (f" (with the checkpoint of row {checkpoint.seq})" if checkpoint else ""))
    else:  # never "0 of 0 States Parties have contributed" in public
        click.echo(f"no contributions of {year} are in the log: no page of them", err=True)
    if rows:
        names = {s.alpha3: s.name for s in registry()}
        click.echo(f"{said} {publish_obligations(rows, as_of or geneva_today(), names, folder, bool(as_of))}")
    if decision is None:
        click.echo(
            "not published: no decision of the Committee to publish is recorded; once it decides, "
            "`ccm report publish --decided-at MEETING --as president`",
            err=True,
        )
    else:
        click.echo(
            f"as the Committee decided at its meeting of {typed(decision).at_meeting} "
            f"(recorded by {decision.actor or decision.office})"
        )


PUBLISHING = "publish the status of ISU contributions"


def _record_publishing(log, meeting: date, acting) -> None:
    """The Committee's decision to publish, recorded by the Presidency against a meeting
    the log holds."""
    from datetime import datetime, timezone

    from cli.client import connect_polled, run
    from domain.events import NewEvent
    from domain.meetings import meeting_id
    from services.commands import record

    if next(log.query(workflow_prefix=meeting_id(meeting)), None) is None:
        raise click.BadParameter(f"the log holds no Committee meeting of {meeting}", param_hint="--decided-at")
    event = NewEvent(
        idempotency_key=f"decisions/publishing/{meeting.isoformat()}",
        workflow_id="decisions",
        workflow_type="",
        subject="publishing",
        event_type="decision.recorded",
        occurred_at=datetime.now(timezone.utc),
        actor=acting.actor,
        office=acting.office,
        payload={"decision": PUBLISHING, "at_meeting": meeting.isoformat()},
    )

    async def go():
        return await record(await connect_polled(), settings().task_queue, "record_decision", [event], acting)

    run(go())
