"""Published pages: the status of contributions as one self-contained HTML file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from activities.localise import chf, long_date, month_abbreviation, whole_number
from activities.templating import templates
from domain.contributions import ContributionsReport

WIDTH, HEIGHT, MARGIN = 760, 300, 70


def chart_svg(report: ContributionsReport) -> str:
    """Cumulative receipts over the year against the budget, as inline SVG."""
    start, end = date(report.year, 1, 1), date(report.year, 12, 31)
    points = report.cumulative()
    top = max([report.budget, *(v for _, v in points), Decimal(1)]) * Decimal("1.1")

    def x(day: date) -> float:
        return MARGIN + (WIDTH - 2 * MARGIN) * (day - start).days / (end - start).days

    def y(value: Decimal) -> float:
        return HEIGHT - MARGIN / 2 - (HEIGHT - MARGIN) * float(value / top)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
             f'height="{HEIGHT}" role="img" aria-label="Cumulative receipts {report.year} against the budget">']
    base = y(Decimal(0))
    parts.append(f'<line x1="{MARGIN}" y1="{base:.1f}" x2="{WIDTH - MARGIN}" y2="{base:.1f}" stroke="#444"/>')
    for month in range(1, 13):
        mx = x(date(report.year, month, 1))
        parts.append(f'<text x="{mx:.1f}" y="{base + 16:.1f}" font-size="11">{month_abbreviation(month)}</text>')
    for i in range(5):
        value = top * i / 5
        parts.append(f'<line x1="{MARGIN}" y1="{y(value):.1f}" x2="{WIDTH - MARGIN}" y2="{y(value):.1f}" '
                     f'stroke="#ddd"/><text x="4" y="{y(value) + 4:.1f}" font-size="11">'
                     f'{whole_number(value)}</text>')
    if report.budget:
        by = y(report.budget)
        parts.append(f'<line class="budget" x1="{MARGIN}" y1="{by:.1f}" x2="{WIDTH - MARGIN}" y2="{by:.1f}" '
                     f'stroke="#c0392b" stroke-dasharray="6 4"/><text x="{WIDTH - MARGIN - 150}" y="{by - 6:.1f}" '
                     f'font-size="12" fill="#c0392b">budget {chf(report.budget)}</text>')
    path = [f"M{x(start):.1f},{base:.1f}"]
    for day, total in points:
        path.append(f"H{x(day):.1f}V{y(total):.1f}")
    last = min(report.as_of or end, end)
    path.append(f"H{x(last):.1f}")
    parts.append(f'<path class="receipts" d="{"".join(path)}" fill="none" stroke="#1f6fb2" stroke-width="2.5"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def render_html(report: ContributionsReport, checkpoint=None) -> str:
    return templates.get_template("report/contributions.html").render(
        r=report, chf=chf, day=long_date, chart=chart_svg(report), today=date.today(), checkpoint=checkpoint)


def render_obligations(rows, on: date, names: dict[str, str]) -> str:
    from domain.obligations import KINDS, STANDINGS, obligations_summary

    return templates.get_template("report/obligations.html").render(
        on=on, day=long_date, summary=obligations_summary(rows, on), standings=STANDINGS, kinds=KINDS, names=names,
        overdue=[r for r in rows if r.standing(on) == "overdue"])


def publish_obligations(rows, on: date, names: dict[str, str], site: Path, dated: bool) -> Path:
    """`obligations.html`, or with an as-of day a dated snapshot beside it."""
    site.mkdir(parents=True, exist_ok=True)
    path = site / (f"obligations-as-of-{on.isoformat()}.html" if dated else "obligations.html")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(render_obligations(rows, on, names), encoding="utf-8")
    tmp.replace(path)
    return path


def publish(report: ContributionsReport, site: Path, checkpoint=None) -> Path:
    site.mkdir(parents=True, exist_ok=True)
    # The live page; a report as of a past day is a dated snapshot beside it, never over it.
    dated = f"-as-of-{report.as_of.isoformat()}" if report.as_of else ""
    path = site / f"contributions-{report.year}{dated}.html"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(render_html(report, checkpoint), encoding="utf-8")
    tmp.replace(path)
    return path
