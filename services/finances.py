"""The finance update (`ccm report finances`): the Unit's finances from the event log, and
the minutes' item 6 said sentence by sentence."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from domain.money import format_chf


def finances(log, home: Path, year: int, as_of: date | None = None):
    """(Finances, the year's contributions report), as the log knew them at the end of
    `as_of` (default: today, or the year's last day for a year past)."""
    from domain.finances import fold_finances, pledges_of
    from domain.ids import chase_prefix
    from domain.schedule import geneva_today
    from services.reports import contributions_report

    day = as_of or min(geneva_today(), date(year, 12, 31))
    report = contributions_report(log, year, home / f"budget-{year}.csv", day)
    last_year = contributions_report(log, year - 1, home / f"budget-{year - 1}.csv", day)
    rows = [
        *log.query(workflow_id=f"budget-{year}", until=_end_of(day)),
        *log.query(workflow_prefix=f"expenditure-{year}", until=_end_of(day)),
    ]
    pledges = pledges_of(log.query(workflow_prefix=chase_prefix(year), event_type="chase.*", until=_end_of(day)), year)
    return fold_finances(rows, year, report, last_year, day, pledges), report


def _end_of(day: date):
    from datetime import datetime, time, timezone

    return datetime.combine(day + timedelta(days=1), time(), timezone.utc)


# The update's sentences in each language of the Convention's work; {…} are filled in.
PHRASES = {
    "en": {
        "since": "since the update of {since}: {n} States Parties contributed {amount}{names}",
        "reported_one": "a State Party reported having paid; the Unit had not received it by {on}",
        "reported": "{n} States Parties reported having paid; the Unit had not received it by {on}",
        "contributed": "on {on}, {c} of {p} States Parties had contributed",
        "towards": "{amount} towards {line}",
        "lines": ": {by_line}",
        "deficit": "a financing deficit of {deficit} of its {year} budget of {budget}",
        "revised": ", revised {n} times",
        "mandatory": "not voluntary: {pct} % of the budget",
        "lasts": "the cash lasts through {until}",
        "short": "the cash does not last through the first trimester of {next}: it runs short in {month}, by {short}",
        "cash": "funds carried over from {previous}: {carry}; spent by {on}: {spent}; cash: {cash}; {lasts}",
        "fees": "fees taken by the host or the UN: {fees}; ",
        "un_fee": "the UN's 13 % administrative fee, were the UN to bill the year's contributions: {fee}",
        "longstanding": "longstanding arrears: ",
        "largest": "no arrears older than {year}; the largest: ",
        "arrear": "{name} {amount} billed in {origin}",
        "earlier": "earlier years",
        "sep": "; ",
    },
    "fr": {
        "since": "depuis la mise à jour du {since} : {n} États parties ont contribué {amount}{names}",
        "reported_one": "un État partie a signalé avoir payé ; l'UAA ne l'avait pas reçu au {on}",
        "reported": "{n} États parties ont signalé avoir payé ; l'UAA ne l'avait pas reçu au {on}",
        "contributed": "au {on}, {c} des {p} États parties avaient contribué",
        "towards": "{amount} pour la ligne {line}",
        "lines": " : {by_line}",
        "deficit": "un déficit de financement de {deficit} sur son budget {year} de {budget}",
        "revised": ", révisé {n} fois",
        "mandatory": "non volontaire : {pct} % du budget",
        "lasts": "la trésorerie suffit jusqu'au {until}",
        "short": "la trésorerie ne suffit pas pour le premier trimestre {next} : elle manque dès {month}, de {short}",
        "cash": "fonds reportés de {previous} : {carry} ; dépenses au {on} : {spent} ; trésorerie : {cash} ; {lasts}",
        "fees": "frais prélevés par l'hôte ou l'ONU : {fees} ; ",
        "un_fee": "les frais administratifs de 13 % de l'ONU, si l'ONU facturait les contributions de l'année : {fee}",
        "longstanding": "arriérés de longue date : ",
        "largest": "aucun arriéré antérieur à {year} ; les plus importants : ",
        "arrear": "{name} {amount} facturé en {origin}",
        "earlier": "des années antérieures",
        "sep": " ; ",
    },
    "es": {
        "since": "desde la actualización del {since}: {n} Estados partes contribuyeron {amount}{names}",
        "reported_one": "un Estado parte informó haber pagado; la DAA no lo había recibido al {on}",
        "reported": "{n} Estados partes informaron haber pagado; la DAA no lo había recibido al {on}",
        "contributed": "al {on}, {c} de {p} Estados partes habían contribuido",
        "towards": "{amount} para la línea {line}",
        "lines": ": {by_line}",
        "deficit": "un déficit de financiación de {deficit} de su presupuesto de {year} de {budget}",
        "revised": ", revisado {n} veces",
        "mandatory": "no voluntario: {pct} % del presupuesto",
        "lasts": "la tesorería alcanza hasta el {until}",
        "short": "la tesorería no alcanza para el primer trimestre de {next}: falta a partir de {month}, por {short}",
        "cash": "fondos arrastrados de {previous}: {carry}; gastado al {on}: {spent}; tesorería: {cash}; {lasts}",
        "fees": "comisiones cobradas por el anfitrión o la ONU: {fees}; ",
        "un_fee": "la comisión administrativa del 13 % de la ONU, si la ONU facturara las contribuciones del año: "
        "{fee}",
        "longstanding": "atrasos de larga data: ",
        "largest": "ningún atraso anterior a {year}; los mayores: ",
        "arrear": "{name} {amount} facturado en {origin}",
        "earlier": "años anteriores",
        "sep": "; ",
    },
}


def update_sentences(fin, report, arrears, since: date | None, language: str = "en") -> list[str]:
    """Item 6 of the minutes, as the Director gave it, from the figures alone, in `language`
    (amounts, dates and States' names as that language writes them)."""
    from babel.dates import format_skeleton

    from activities.localise import bare, chf, locale_of, long_date, state_name

    say = PHRASES[language]

    def money(amount: Decimal) -> str:
        return format_chf(amount) if language == "en" else chf(amount, language)

    def day(d: date) -> str:
        return f"{d:%-d %B %Y}" if language == "en" else long_date(d, language)

    def month(d: date) -> str:
        return f"{d:%B %Y}" if language == "en" else format_skeleton("yMMMM", d, locale=locale_of(language))

    def name(alpha3: str, english: str) -> str:
        return english if language == "en" else bare(state_name(alpha3, language, fin.as_of).short, language)

    names_of = {s.state: s.name for s in report.states}
    said = []
    on = day(fin.as_of)
    if since is not None:
        new = [r for r in report.receipts if since < r.on <= fin.as_of]
        states = sorted({r.state for r in new})
        names = ", ".join(name(st, names_of.get(st, st)) for st in states)
        said.append(
            say["since"].format(
                since=day(since),
                n=len(states),
                amount=money(sum((r.amount for r in new), Decimal("0.00"))),
                names=f" ({names})" if names else "",
            )
        )
    reported = report.standing("reported")
    if reported:
        said.append((say["reported_one"] if len(reported) == 1 else say["reported"]).format(n=len(reported), on=on))
    by_line = say["sep"].join(
        say["towards"].format(amount=money(fin.received_by_line.get(b.line, Decimal("0.00"))), line=b.line)
        for b in fin.budget
    )
    contributed = say["contributed"].format(on=on, c=report.contributed, p=len(report.parties))
    said.append(contributed + (say["lines"].format(by_line=by_line) if by_line else ""))
    if fin.budget:
        deficit = max(Decimal("0.00"), fin.budget_total - fin.received)
        source = f" ({fin.decision}" + (say["revised"].format(n=fin.revisions) if fin.revisions else "") + ")"
        said.append(
            say["deficit"].format(deficit=money(deficit), year=fin.year, budget=money(fin.budget_total))
            + (source if fin.decision else "")
        )
        mandatory = sum((b.amount for b in fin.budget if b.kind == "mandatory"), Decimal("0.00"))
        if fin.budget_total:
            said.append(say["mandatory"].format(pct=f"{mandatory * 100 / fin.budget_total:.0f}"))
    short = fin.runs_out
    lasts = (
        say["lasts"].format(until=day(fin.lasts_until))
        if short is None
        else say["short"].format(next=fin.year + 1, month=month(short.month), short=money(-short.balance))
    )
    said.append(
        say["cash"].format(
            previous=fin.year - 1,
            carry=money(fin.carry_over),
            on=on,
            spent=money(fin.spent_on()),
            cash=money(fin.cash),
            lasts=lasts,
        )
    )
    fees = fin.spent_on(kind="fee")
    said.append((say["fees"].format(fees=money(fees)) if fees else "") + say["un_fee"].format(fee=money(fin.un_fee)))
    # "the need to eventually focus on States with longstanding arrears": the oldest first,
    # else the year's largest.
    older = sorted((a for a in arrears if a.age > 0), key=lambda a: (-a.age, -a.amount))[:3]
    largest = sorted(arrears, key=lambda a: -a.amount)[:3]
    if older or largest:
        said.append(
            (say["longstanding"] if older else say["largest"].format(year=fin.year))
            + say["sep"].join(
                say["arrear"].format(
                    name=name(a.state, a.name), amount=money(a.amount), origin=a.origin or say["earlier"]
                )
                for a in older or largest
            )
        )
    return said
