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
    "letter_imported": ("letter sent before ccm", "lettre envoyée avant ccm", "carta enviada antes de ccm"),
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


FINANCE_WORDS = {
    "en": {
        "unit": "Implementation Support Unit — Convention on Cluster Munitions",
        "title": "Finance update",
        "lines": "Budget lines",
        "line_heads": ["Line", "Kind", "Budget", "Received", "Spent", "Cash"],
        "mandatory": "not voluntary",
        "voluntary": "voluntary",
        "projection": "Cash, month by month",
        "month_heads": ["Month", "Expected receipts", "Spending", "Cash at the month's end"],
        "chart": "Cash {year} to the end of March {next}: as recorded, then as projected",
        "how": "The projection spends what is left of the budget over the months left of the year as the budget "
        "phases them (evenly without a phasing), and this budget's share of each month of the next year's first "
        "trimester; it counts on each pledge in its month, and on each State that owes in the month it paid "
        "last year.",
    },
    "fr": {
        "unit": "Unité d'appui à l'application — Convention sur les armes à sous-munitions",
        "title": "Point sur les finances",
        "lines": "Lignes budgétaires",
        "line_heads": ["Ligne", "Nature", "Budget", "Reçu", "Dépensé", "Trésorerie"],
        "mandatory": "non volontaire",
        "voluntary": "volontaire",
        "projection": "Trésorerie, mois par mois",
        "month_heads": ["Mois", "Recettes attendues", "Dépenses", "Trésorerie en fin de mois"],
        "chart": "Trésorerie {year} jusqu'à fin mars {next} : telle qu'enregistrée, puis projetée",
        "how": "La projection répartit le reste du budget sur les mois restants de l'année selon son échelonnement "
        "(également, sans échelonnement), puis la part de chaque mois du premier trimestre de l'année "
        "suivante ; elle compte chaque annonce de contribution dans son mois, et chaque État débiteur dans le "
        "mois où il a payé l'an dernier.",
    },
    "es": {
        "unit": "Dependencia de Apoyo a la Aplicación — Convención sobre Municiones en Racimo",
        "title": "Informe financiero",
        "lines": "Líneas presupuestarias",
        "line_heads": ["Línea", "Naturaleza", "Presupuesto", "Recibido", "Gastado", "Tesorería"],
        "mandatory": "no voluntaria",
        "voluntary": "voluntaria",
        "projection": "Tesorería, mes a mes",
        "month_heads": ["Mes", "Ingresos esperados", "Gastos", "Tesorería a fin de mes"],
        "chart": "Tesorería {year} hasta fines de marzo de {next}: registrada y luego proyectada",
        "how": "La proyección reparte lo que queda del presupuesto entre los meses restantes del año según su "
        "escalonamiento (por igual, sin escalonamiento), y la parte de cada mes del primer trimestre del año "
        "siguiente; cuenta con cada promesa en su mes y con "
        "cada Estado deudor en el mes en que pagó el año pasado.",
    },
}


def cash_points(fin, report) -> list[tuple[date, Decimal]]:
    """The cash at the end of each day it moved, from 1 January to `as_of`: the
    carry-over, then receipts in and spending out."""
    moves: dict[date, Decimal] = {date(fin.year, 1, 1): Decimal("0.00")}
    for r in report.receipts:
        if date(fin.year, 1, 1) <= r.on <= fin.as_of:
            moves[r.on] = moves.get(r.on, Decimal("0.00")) + r.amount
    for s in fin.spent:
        moves[s.on] = moves.get(s.on, Decimal("0.00")) - s.amount
    balance, points = fin.carry_over, []
    for day in sorted(moves):
        balance += moves[day]
        points.append((day, balance))
    return points


def cash_chart_svg(fin, report, language: str = "en") -> str:
    """The cash over the year as recorded (solid), then month by month as projected
    (dashed) to the end of March of the next year, with the zero line, as inline SVG."""
    start, end = date(fin.year, 1, 1), date(fin.year + 1, 3, 31)
    actual = cash_points(fin, report)
    projected = [(m.month.replace(day=28), m.balance) for m in fin.projection]
    values = [v for _, v in actual + projected] + [Decimal(0)]
    top, bottom = max(values), min(values)
    span = (top - bottom) or Decimal(1)

    def x(day: date) -> float:
        return MARGIN + (WIDTH - 2 * MARGIN) * (day - start).days / (end - start).days

    def y(value: Decimal) -> float:
        return MARGIN / 2 + (HEIGHT - MARGIN) * float((top - value) / span)

    label = FINANCE_WORDS[language]["chart"].format(year=fin.year, next=fin.year + 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{label}">'
    ]
    zero = y(Decimal(0))
    parts.append(
        f'<line class="zero" x1="{MARGIN}" y1="{zero:.1f}" x2="{WIDTH - MARGIN}" y2="{zero:.1f}" stroke="#c0392b"/>'
    )
    for month in range(15):
        day = date(fin.year + month // 12, month % 12 + 1, 1)
        parts.append(
            f'<text x="{x(day):.1f}" y="{HEIGHT - 6}" font-size="11">{month_abbreviation(day.month, language)}</text>'
        )
    for value in (top, bottom):
        parts.append(f'<text x="4" y="{y(value) + 4:.1f}" font-size="11">{whole_number(value, language)}</text>')
    path = "".join(f"{'M' if n == 0 else 'L'}{x(d):.1f},{y(v):.1f}" for n, (d, v) in enumerate(actual))
    parts.append(f'<path class="cash" d="{path}" fill="none" stroke="#1f6fb2" stroke-width="2.5"/>')
    if projected and actual:
        ahead = [actual[-1], *projected]
        path = "".join(f"{'M' if n == 0 else 'L'}{x(d):.1f},{y(v):.1f}" for n, (d, v) in enumerate(ahead))
        parts.append(
            f'<path class="projection" d="{path}" fill="none" stroke="#1f6fb2" stroke-width="2" '
            'stroke-dasharray="6 4"/>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def finances_html(fin, report, said: list[str], language: str = "en") -> str:
    """The finance update as one self-contained HTML page in `language`."""
    from babel.dates import format_skeleton

    from activities.localise import locale_of

    return templates.get_template("report/finances.html").render(
        fin=fin,
        said=said,
        language=language,
        words=FINANCE_WORDS[language],
        money=lambda amount: chf(Decimal(str(amount)), language),
        day=lambda d: long_date(d, language),
        month=lambda d: format_skeleton("yMMMM", d, locale=locale_of(language)),
        chart=cash_chart_svg(fin, report, language),
    )
