"""Dates, amounts and State names in a letter's language, by the field's libraries:
Babel (CLDR) for dates and Swiss francs, pycountry's ISO 3166 translations for names.

Geneva writes English and French the Swiss way (`CHF 12'345.50`, `12'345,50 CHF`);
CLDR has no Swiss Spanish, so Spanish letters are written as Spain writes them.
"""

from __future__ import annotations

import gettext
from datetime import date
from decimal import Decimal
from functools import cache

import pycountry
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

LANGUAGES = ("en", "fr", "es")
LOCALES = {"en": "en_CH", "fr": "fr_CH", "es": "es"}


def locale_of(language: str) -> str:
    if language not in LOCALES:
        raise ValueError(f"no letters in {language!r}: choose one of {', '.join(LANGUAGES)}")
    return LOCALES[language]


def long_date(day: date | str, language: str) -> str:
    """`15 June 2027`, `15 juin 2027`, `15 de junio de 2027`."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return format_date(day, format="long", locale=locale_of(language))


def chf(amount: Decimal | str, language: str = "en") -> str:
    """`CHF 43'650.00` (en), `43'650,00 CHF` (fr), `43.650,00 CHF` (es)."""
    return format_currency(Decimal(str(amount)), "CHF", locale=locale_of(language))


def whole_number(value: Decimal, language: str = "en") -> str:
    """`150'000`: an axis label."""
    return format_decimal(value.quantize(Decimal(1)), format="#,##0", locale=locale_of(language))


def month_abbreviation(month: int, language: str = "en") -> str:
    return format_date(date(2000, month, 1), format="MMM", locale=locale_of(language))


@cache
def _translations(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])


def _uninvert(name: str) -> str:
    """ISO 3166 files some names inverted (`Corée, République de`): the order a letter
    uses (`République de Corée`; `Iran, République islamique d'` → `… d'Iran`)."""
    head, sep, tail = name.partition(", ")
    if not sep:
        return name
    return f"{tail}{head}" if tail.endswith("'") else f"{tail} {head}"


def state_names(alpha3: str, language: str, registry_name: str, on=None) -> tuple[str, str]:
    """(name, formal name) of a State in `language` on the day `on`. English keeps the
    registry's name; other languages translate the ISO 3166 name the registry uses (its
    common name, `Bolivia`, or its full one), so every language names the State alike.
    The formal name is ISO 3166's official name where it holds one (`République
    italienne`). A State renamed since `on` is named as it was then (Swaziland in 2016)."""
    from domain.states import UnknownState, registry

    try:
        former = registry().get(alpha3).former_name(on)
    except UnknownState:
        former = None
    if former is not None:
        name = {"fr": former.name_fr, "es": former.name_es}.get(language, former.name)
        return name, name
    country = pycountry.countries.get(alpha_3=alpha3)
    if country is None:
        return registry_name, registry_name
    tr = _translations(language).gettext
    forms = [getattr(country, a, None) for a in ("common_name", "name", "official_name")]
    chosen = next((f for f in forms if f and f.casefold() == registry_name.casefold()), country.name)
    name = registry_name if language == "en" else _capitalised(_uninvert(tr(chosen)))
    official = getattr(country, "official_name", None)
    if not official:
        return name, name
    # English writes "the Government of the Italian Republic"; French and Spanish letters
    # name it in parentheses, where no article is needed.
    return name, f"the {official}" if language == "en" else _capitalised(_uninvert(tr(official)))


def _capitalised(name: str) -> str:
    return name[:1].upper() + name[1:]
