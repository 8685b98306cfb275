"""The names letters give States (`domain/data/state_names_in_letters.csv`), checked for
every State of the registry: each language's article, and the prepositions joined to it."""

from __future__ import annotations

import csv
import re
from datetime import date
from importlib import resources

import pytest

from activities.localise import LANGUAGES, NAMES_FILE, bare, of, state_name
from domain.states import registry

ROWS = list(csv.DictReader(resources.files("domain").joinpath(f"data/{NAMES_FILE}").open(encoding="utf-8")))
ARTICLES = {"en": r"(the )?", "fr": r"(le |la |les |l')?", "es": r"(el |la |los |las )?"}
VOWEL = "AEIOUYÉÈÊÎÔÂaeiouyéèêîôâ"


def test_every_state_of_the_registry_has_its_names_and_each_row_names_one():
    codes = [row["alpha3"] for row in ROWS]
    assert {s.alpha3 for s in registry()} == set(codes)
    assert len(codes) == len({(row["alpha3"], row["until"]) for row in ROWS})  # one name now, one per former
    assert all(row["source"] for row in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row['alpha3']}{row['until'] and '-' + row['until']}")
def test_each_name_has_its_languages_article_and_no_brackets(row):
    for lang in LANGUAGES:
        for name in (row[lang], row[f"{lang}_formal"]):
            assert re.fullmatch(ARTICLES[lang] + r"[A-ZÀ-Ýa-z][^()\[\]]*", name), (lang, name)
            assert not re.match(r"(The|Le|La|Les|Los|Las) |L'", name), name  # an article is written small
    for name in (row["fr"], row["fr_formal"]):  # French elides before a vowel: l'Italie, never la Italie
        head, _, rest = name.partition(" ")
        assert not (head in ("le", "la") and rest[:1] in VOWEL), name


@pytest.mark.parametrize(
    "alpha3,language,expected",
    [
        ("ITA", "fr", "de l'Italie"),
        ("FRA", "fr", "de la France"),
        ("CHL", "fr", "du Chili"),
        ("NLD", "fr", "des Pays-Bas"),
        ("MLT", "fr", "de Malte"),
        ("SLV", "fr", "d'El Salvador"),
        ("HTI", "fr", "d'Haïti"),
        ("ITA", "es", "de Italia"),
        ("GBR", "es", "del Reino Unido"),
        ("PER", "es", "del Perú"),
        ("SLV", "es", "de El Salvador"),
        ("NLD", "es", "de los Países Bajos"),
        ("NLD", "en", "of the Netherlands"),
        ("ITA", "en", "of Italy"),
        ("VAT", "es", "de la Santa Sede"),
    ],
)
def test_a_preposition_joins_the_article_as_the_language_contracts_it(alpha3, language, expected):
    assert of(state_name(alpha3, language).short, language) == expected


def test_formal_names_and_former_names():
    assert of(state_name("ITA", "fr").formal, "fr") == "de la République italienne"
    assert of(state_name("GBR", "fr").formal, "fr") == "du Royaume-Uni de Grande-Bretagne et d'Irlande du Nord"
    assert of(state_name("MEX", "es").formal, "es") == "de los Estados Unidos Mexicanos"
    assert state_name("SWZ", "fr", date(2016, 11, 4)).short == "le Swaziland"
    assert state_name("SWZ", "fr", date(2018, 4, 19)).short == "l'Eswatini"
    assert state_name("MKD", "en", date(2019, 2, 11)).short == "the former Yugoslav Republic of Macedonia"
    assert bare(state_name("GBR", "es").short, "es") == "Reino Unido"
    assert bare(state_name("NLD", "fr").short, "fr") == "Pays-Bas"


def test_a_state_the_table_does_not_hold_yet_is_named_by_iso_3166_without_an_article():
    assert state_name("ARM", "fr").short == "Arménie" and state_name("ARM", "es").short == "Armenia"
