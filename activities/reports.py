"""Published pages: the status of contributions as one self-contained HTML file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from activities.localise import chf, long_date, month_abbreviation, whole_number
from activities.templating import templates
from domain.contributions import ContributionsReport
from domain.schedule import geneva_today

WIDTH, HEIGHT, MARGIN = 760, 300, 70


def chart_svg(report: ContributionsReport, language: str = "en") -> str:
    """Cumulative receipts over the year against the budget, as inline SVG, its labels in
    the page's language."""
    start, end = date(report.year, 1, 1), date(report.year, 12, 31)
    points = report.cumulative()
    top = max([report.budget, *(v for _, v in points), Decimal(1)]) * Decimal("1.1")

    def x(day: date) -> float:
        return MARGIN + (WIDTH - 2 * MARGIN) * (day - start).days / (end - start).days

    def y(value: Decimal) -> float:
        return HEIGHT - MARGIN / 2 - (HEIGHT - MARGIN) * float(value / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{CHART_LABEL[language].format(year=report.year)}">'
    ]
    base = y(Decimal(0))
    parts.append(f'<line x1="{MARGIN}" y1="{base:.1f}" x2="{WIDTH - MARGIN}" y2="{base:.1f}" stroke="#444"/>')
    for month in range(1, 13):
        mx = x(date(report.year, month, 1))
        parts.append(
            f'<text x="{mx:.1f}" y="{base + 16:.1f}" font-size="11">{month_abbreviation(month, language)}</text>'
        )
    for i in range(5):
        value = top * i / 5
        parts.append(
            f'<line x1="{MARGIN}" y1="{y(value):.1f}" x2="{WIDTH - MARGIN}" y2="{y(value):.1f}" '
            f'stroke="#ddd"/><text x="4" y="{y(value) + 4:.1f}" font-size="11">'
            f"{whole_number(value, language)}</text>"
        )
    if report.budget:
        by = y(report.budget)
        parts.append(
            f'<line class="budget" x1="{MARGIN}" y1="{by:.1f}" x2="{WIDTH - MARGIN}" y2="{by:.1f}" '
            f'stroke="#c0392b" stroke-dasharray="6 4"/><text x="{WIDTH - MARGIN - 150}" y="{by - 6:.1f}" '
            f'font-size="12" fill="#c0392b">{BUDGET_WORD[language]} {chf(report.budget, language)}</text>'
        )
    path = [f"M{x(start):.1f},{base:.1f}"]
    for day, total in points:
        path.append(f"H{x(day):.1f}V{y(total):.1f}")
    last = min(report.as_of or end, end)
    path.append(f"H{x(last):.1f}")
    parts.append(f'<path class="receipts" d="{"".join(path)}" fill="none" stroke="#1f6fb2" stroke-width="2.5"/>')
    parts.append("</svg>")
    return "\n".join(parts)


CHART_LABEL = {
    "en": "Cumulative receipts {year} against the budget",
    "fr": "Recettes cumulées {year} face au budget",
    "es": "Ingresos acumulados {year} frente al presupuesto",
}
BUDGET_WORD = {"en": "budget", "fr": "budget", "es": "presupuesto"}
# The last action on a chase (its last event), as each page's language says it.
ACTIONS = {
    "started": ("started", "ouverture", "apertura"),
    "reminder_sent": ("letter sent", "lettre envoyée", "carta enviada"),
    "delivered": ("letter delivered", "lettre remise", "carta entregada"),
    "delivery_failed": ("letter not delivered", "lettre non remise", "carta no entregada"),
    "receipt_recorded": ("payment received", "versement reçu", "pago recibido"),
    "receipt_imported": ("payment received", "versement reçu", "pago recibido"),
    "receipt_reversed": ("payment reversed", "versement annulé", "pago anulado"),
    "paid": ("paid in full", "payé intégralement", "pagado íntegramente"),
    "pledged": ("pledge", "annonce de contribution", "promesa de contribución"),
    "pledge_imported": ("pledge", "annonce de contribution", "promesa de contribución"),
    "pledge_lapsed": ("pledge lapsed", "annonce caduque", "promesa vencida"),
    "payment_reported": ("payment reported", "versement annoncé", "pago anunciado"),
    "payment_report_imported": ("payment reported", "versement annoncé", "pago anunciado"),
    "reported_not_received": ("reported, not received", "annoncé, non reçu", "anunciado, no recibido"),
    "escalation_due": (
        "President's letter due",
        "lettre de la présidence à décider",
        "carta de la Presidencia por decidir",
    ),
    "escalated": ("President's letter sent", "lettre de la présidence envoyée", "carta de la Presidencia enviada"),
    "msp_date_set": ("meeting date set", "date de l'Assemblée fixée", "fecha de la Reunión fijada"),
    "due_corrected": ("amount corrected", "montant corrigé", "importe corregido"),
    "reopened": ("reopened", "rouvert", "reabierto"),
    "waived": ("waived", "remis", "condonado"),
    "cancelled": ("cancelled", "annulé", "cancelado"),
    "closed_in_arrears": ("closed in arrears", "clos avec arriérés", "cerrado con atrasos"),
    "year_closed": ("year closed", "exercice clos", "ejercicio cerrado"),
    "imported": ("imported", "importé", "importado"),
}


def _sort_key(name: str) -> str:
    """A name as a reader looks it up: accents and case aside (Équateur among the E)."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()


def render_html(
    report: ContributionsReport, checkpoint=None, language: str = "en", alternates: list[tuple[str, str]] = ()
) -> str:
    """The page in `language`: States named and sorted as that language names them,
    amounts and dates as Babel writes them there."""
    from activities.localise import LANGUAGES, bare, state_name

    on = report.as_of or min(geneva_today(), date(report.year, 12, 31))

    def named(rows):
        pairs = [
            (s.name if language == "en" else bare(state_name(s.state, language, on).short, language), s) for s in rows
        ]
        return sorted(pairs, key=lambda pair: _sort_key(pair[0]))

    column = LANGUAGES.index(language)

    def action(event: str) -> str:
        return ACTIONS[event][column] if event in ACTIONS else event.replace("_", " ")

    template = "report/contributions.html" if language == "en" else f"report/contributions.{language}.html"
    return templates.get_template(template).render(
        r=report,
        money=lambda amount: chf(amount, language),
        day=lambda d: long_date(d, language),
        chart=chart_svg(report, language),
        today=geneva_today(),
        checkpoint=checkpoint,
        language=language,
        states=named(report.parties),
        former=named(report.former),  # a withdrawn State's arrears, apart
        action=action,
        alternates=alternates,
    )


def render_obligations(rows, on: date, names: dict[str, str]) -> str:
    from domain.obligations import KINDS, STANDINGS, obligations_summary

    return templates.get_template("report/obligations.html").render(
        on=on,
        day=long_date,
        summary=obligations_summary(rows, on),
        standings=STANDINGS,
        kinds=KINDS,
        names=names,
        overdue=[r for r in rows if r.standing(on) == "overdue"],
    )


def publish_obligations(rows, on: date, names: dict[str, str], site: Path, dated: bool) -> Path:
    """`obligations.html`, or with an as-of day a dated snapshot beside it."""
    site.mkdir(parents=True, exist_ok=True)
    path = site / (f"obligations-as-of-{on.isoformat()}.html" if dated else "obligations.html")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(render_obligations(rows, on, names), encoding="utf-8")
    tmp.replace(path)
    return path


def publish(report: ContributionsReport, site: Path, checkpoint=None) -> Path:
    """The page in English, French and Spanish (`contributions-2016.html`, `….fr.html`,
    `….es.html`, each naming the others); the English one's path."""
    from activities.localise import LANGUAGES

    site.mkdir(parents=True, exist_ok=True)
    # The live page; a report as of a past day is a dated snapshot beside it, never over it.
    dated = f"-as-of-{report.as_of.isoformat()}" if report.as_of else ""
    names = {lang: f"contributions-{report.year}{dated}{'' if lang == 'en' else '.' + lang}.html" for lang in LANGUAGES}
    for lang, name in names.items():
        path = site / name
        tmp = path.with_suffix(".tmp")
        others = [(other, n) for other, n in names.items() if other != lang]
        tmp.write_text(render_html(report, checkpoint, lang, others), encoding="utf-8")
        tmp.replace(path)
    return site / names["en"]
