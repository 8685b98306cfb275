"""The status of contributions, folded from the event log: the report, its rows, its
summary in words and in Markdown, and the latest checkpoint a published page prints."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from domain.clock import geneva_today
from domain.ids import chase_prefix
from services.errors import CommandError

REPORT_COLUMNS = [
    "state",
    "name",
    "amount_due",
    "arrears",
    "credit_carried",
    "received",
    "outstanding",
    "credit",
    "letters",
    "last_action",
    "last_action_on",
]


def contributions_report(log, year: int, budget_path: Path, as_of: date | None = None):
    """Fold the event log into the year's report, as known at the end of `as_of`, against
    the budget in `budget_path` (none if there is no such file)."""
    import itertools

    from domain.contributions import IMPORTED, fold_contributions, read_budget
    from domain.states import registry

    budget = []
    if budget_path.exists():
        try:
            budget = read_budget(budget_path.read_text("utf-8"))
        except ValueError as e:
            raise CommandError(f"{budget_path}: {e}") from None
    cutoff = datetime.combine(as_of + timedelta(days=1), time(), timezone.utc) if as_of else None
    # Live rows count from when the log knew them; imported rows from their own dates.
    chases = chase_prefix(year)
    live = (
        ev
        for ev in log.query(workflow_prefix=chases, event_type="chase.*", until=cutoff, known_by=cutoff)
        if ev.event_type not in IMPORTED
    )
    imported = (
        ev for ev in log.query(workflow_prefix=chases, event_type="chase.*", until=cutoff) if ev.event_type in IMPORTED
    )
    on = as_of or min(geneva_today(), date(year, 12, 31))
    names = {st.alpha3: st.name_on(on) for st in registry()}  # Swaziland in 2016's report
    return fold_contributions(itertools.chain(live, imported), year, names, budget, as_of)


def report_rows(report, totals: bool = False) -> list[dict]:
    rows = [s.model_dump(include=set(REPORT_COLUMNS)) for s in report.states]
    if totals:
        rows.append(
            {"state": "", "name": "Total", "letters": sum(s.letters for s in report.states)}
            | {
                f: report.total(f)
                for f in ("amount_due", "arrears", "credit_carried", "received", "outstanding", "credit")
            }
        )
    return rows


def latest_checkpoint(log):
    """The newest signed checkpoint of the log, printed on the public page."""
    from domain.signatures import Checkpoint

    rows = list(log.query(workflow_id="checkpoints", event_type="log.checkpoint"))
    return Checkpoint.model_validate(rows[-1].payload) if rows else None


def summary(rep) -> str:
    from domain.money import format_chf

    lines = [
        f"{rep.contributed_text}; received {format_chf(rep.total('received'))}, "
        f"outstanding {format_chf(rep.total('outstanding'))}"
    ]
    for b in rep.budget_lines:
        lines.append(
            f"  {b.line} ({b.kind}): {format_chf(b.received)} of {format_chf(b.amount)}"
            + (f", {format_chf(b.above)} of it voluntary, above what was indicated" if b.above else "")
        )
    if rep.budget_lines:
        for key, words in (("arrears", "arrears of earlier years"), ("credit", "credit carried to next year")):
            if rep.received_on(key):
                lines.append(f"  {words}: {format_chf(rep.received_on(key))}")
        if rep.unassigned_receipts:
            lines.append(f"  not assigned to a line: {format_chf(rep.unassigned_receipts)}")
    if rep.budget:
        lines.append(f"budget {format_chf(rep.budget)}, deficit {format_chf(rep.deficit)}")
    if rep.former:
        lines.append(
            "arrears of States that have withdrawn: "
            + "; ".join(f"{s.name} ({format_chf(s.outstanding)} outstanding)" for s in rep.former)
        )
    for field, said in (("pledged", "pledged"), ("reported", "reported paying, nothing received yet")):
        if standing := rep.standing(field):
            lines.append(f"{said}: " + "; ".join(f"{s.name} ({getattr(s, field)})" for s in standing))
    return "\n".join(lines)


def markdown(rep) -> str:
    from domain.money import format_chf

    out = [
        f"# Status of contributions {rep.year}" + (f" as of {rep.as_of}" if rep.as_of else ""),
        "",
        "| State | Due | Arrears | Received | Outstanding | Letters | Last action |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for s in rep.states:
        out.append(
            f"| {s.name} | {format_chf(s.amount_due)} | {format_chf(s.arrears)} | {format_chf(s.received)} | "
            f"{format_chf(s.outstanding)} | {s.letters} | {s.last_action} {s.last_action_on or ''} |"
        )
    out.append(
        f"| **Total** | {format_chf(rep.total('amount_due'))} | {format_chf(rep.total('arrears'))} | "
        f"{format_chf(rep.total('received'))} | {format_chf(rep.total('outstanding'))} | | |"
    )
    return "\n".join(out + ["", summary(rep), ""])


def arrears_report(log, year: int, as_of: date | None = None):
    """What each State owes, by the year it was billed (`domain.contributions.age_arrears`),
    from every year's chases up to `year` as known at the end of `as_of`."""
    from domain.contributions import age_arrears
    from domain.ids import parse_chase_id

    years = {
        parsed[0]
        for kind in ("chase.started", "chase.imported")
        for ev in log.query(event_type=kind)
        if (parsed := parse_chase_id(ev.workflow_id)) and parsed[0] <= year
    }
    none = Path("/nonexistent")  # ageing needs no budget
    return age_arrears({y: contributions_report(log, y, none, as_of) for y in sorted(years)}, year)
