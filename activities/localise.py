"""Dates, amounts and State names in a letter's language, by the field's libraries:
Babel (CLDR) for dates and Swiss francs; State names from the table ccm ships, each with
its article, and the prepositions joined to it as French and Spanish contract them.

English is written the Swiss way (`CHF 12'345.50`); French as the United Nations and CLDR's
French write it (`12 345,50 CHF`, a narrow no-break space between thousands, `1er septembre`
for the first of a month, typographic apostrophes: `activities.letters.render_letter`);
Spanish as CLDR's Spanish does (`12.345,50 CHF`, `1 de septiembre`). CLDR's Swiss French
(`12'345,50 CHF`) mixes the Swiss grouping with the French decimal comma: not used.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

import pycountry
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from domain.schedule import geneva_today

LANGUAGES = ("en", "fr", "es")
LOCALES = {"en": "en_CH", "fr": "fr", "es": "es"}


def locale_of(language: str) -> str:
    if language not in LOCALES:
        raise ValueError(f"no letters in {language!r}: choose one of {', '.join(LANGUAGES)}")
    return LOCALES[language]


def long_date(day: date | str, language: str) -> str:
    """`15 June 2027`, `15 juin 2027`, `15 de junio de 2027`; `1er septembre 2027`."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    text = format_date(day, format="long", locale=locale_of(language))
    return "1er" + text[1:] if language == "fr" and day.day == 1 else text


def chf(amount: Decimal | str, language: str = "en") -> str:
    """`CHF 43'650.00` (en), `43 650,00 CHF` (fr, a narrow no-break space), `43.650,00 CHF` (es)."""
    return format_currency(Decimal(str(amount)), "CHF", locale=locale_of(language))


def whole_number(value: Decimal, language: str = "en") -> str:
    """`150'000`: an axis label."""
    return format_decimal(value.quantize(Decimal(1)), format="#,##0", locale=locale_of(language))


def month_abbreviation(month: int, language: str = "en") -> str:
    return format_date(date(2000, month, 1), format="MMM", locale=locale_of(language))


@dataclass(frozen=True)
class StateName:
    """A State as a letter names it in one language, each with the article running text
    writes it with: `l'Italie` / `la République italienne`, `the Netherlands`, `el Perú`."""

    short: str
    formal: str


NAMES_FILE = "state_names_in_letters.csv"
_ARTICLES = {"en": ("the ",), "fr": ("le ", "la ", "les ", "l'"), "es": ("el ", "la ", "los ", "las ")}


@cache
def _names_table() -> dict[str, list[tuple[date | None, dict[str, StateName]]]]:
    """alpha-3 -> its names, each until the day it changed (None: its name now)."""
    import csv
    import io
    from importlib import resources

    text = resources.files("domain").joinpath(f"data/{NAMES_FILE}").read_text("utf-8")
    table: dict[str, list] = {}
    for row in csv.DictReader(io.StringIO(text)):
        until = date.fromisoformat(row["until"]) if row["until"] else None
        forms = {lang: StateName(row[lang], row[f"{lang}_formal"]) for lang in LANGUAGES}
        table.setdefault(row["alpha3"], []).append((until, forms))
    for names in table.values():
        names.sort(key=lambda n: n[0] or date.max)
    return table


def state_name(alpha3: str, language: str, on: date | None = None) -> StateName:
    """A State's names in `language` on the day `on` (Swaziland in 2016), from the table
    ccm ships (`domain/data/state_names_in_letters.csv`, tested for every State of the
    registry). A State recorded since, that the table does not hold yet, is named by ISO
    3166 in that language, without an article."""
    locale_of(language)
    names = _names_table().get(alpha3)
    if names:
        day = on or geneva_today()
        return next((forms for until, forms in names if until is None or day < until), names[-1][1])[language]
    country = pycountry.countries.get(alpha_3=alpha3)
    if country is None:
        return StateName(alpha3, alpha3)
    tr = _translations(language).gettext
    short = tr(getattr(country, "common_name", None) or country.name)
    formal = tr(getattr(country, "official_name", None) or short)
    return StateName(short, formal)


def of(name: str, language: str) -> str:
    """`de l'Italie`, `du Chili`, `des Pays-Bas`, `de Malte`, `d'El Salvador`; `del Reino
    Unido`, `de Italia`; `of the Netherlands`: the preposition joined to the article as
    each language contracts it."""
    if language == "fr":
        for article, joined in (("le ", "du "), ("les ", "des ")):
            if name.startswith(article):
                return joined + name[len(article) :]
        if name.startswith(("la ", "l'")):
            return "de " + name
        return ("d'" if name[:1].upper() in "AEIOUYÉÈÊÎÔH" else "de ") + name
    if language == "es":
        return "del " + name[3:] if name.startswith("el ") else "de " + name
    return "of " + name


def bare(name: str, language: str) -> str:
    """The name without its article, as a heading writes it: `Pays-Bas`, `Reino Unido`."""
    for article in _ARTICLES[language]:
        if name.startswith(article):
            return _capitalised(name[len(article) :])
    return _capitalised(name)


@cache
def _translations(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])


def _capitalised(name: str) -> str:
    return name[:1].upper() + name[1:]
