"""Every letter kind in every language for each situation a State can be in, drawn to PDF
and read back: a State Party, one that withdrew and owes arrears (Lithuania), the Holy
See and the State of Palestine (observer missions), a State with no mission in Geneva
(written to through its capital), an amount of CHF 1.00 and of CHF 2.00, a letter dated
on the first of a month. Each text is checked against the model sentences of the letters
issue: a note verbale stays in the third person and never calls itself an invoice; no
English is left in French or Spanish; a President's letter names its addressee and its
signatory; the figures are those of the chase."""

from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest

from activities.letters import LETTER_KINDS, Contact, Letterhead, letter_values, render_letter
from activities.localise import LANGUAGES, bare, chf, long_date, state_name
from tests.integration.test_letters_pdf import ENGLISH, FIRST_OR_SECOND_PERSON, _without_identifiers, typographic
from tests.integration.test_letters_pdf import FIGURES as PDF_FIGURES

HEAD = Letterhead(president_name="Michael Biontino")
GENEVA = ("Chemin du Petit-Saconnex 28", "1209 Genève")
# The heads of mission are stand-ins (the contacts file names the real ones); Nauru's row says
# it has no mission in Geneva, as a row may for any State.
NAURU = Contact(  # no mission in Geneva: letters go to its ministry, named in each language
    mission="Department of Foreign Affairs of the Republic of Nauru",
    mission_fr="Ministère des affaires étrangères de la République de Nauru",
    mission_es="Ministerio de Relaciones Exteriores de la República de Nauru",
    mission_kind="capital",
    address=("Government Offices", "Yaren District", "Nauru"),
    address_fr=("Bureaux du Gouvernement", "District de Yaren", "Nauru"),  # the postal address in each language
    address_es=("Oficinas del Gobierno", "Distrito de Yaren", "Nauru"),
    head_name="Sam Doe",
    head_form="H.E. Mr",
    head_title="Minister for Foreign Affairs",
    head_title_fr="Ministre des affaires étrangères",
    head_title_es="Ministro de Relaciones Exteriores",
)
SITUATIONS = {
    # name: (State, contact, figures changed)
    "party": ("ITA", Contact(address=GENEVA, head_name="Maria Rossi", head_form="H.E. Ms"), {}),
    "withdrawn with arrears": (
        "LTU",
        Contact(address=GENEVA, head_name="Jonas Petraitis", head_form="Mr"),
        {
            "amount_due": "0.00",
            "arrears": "2.00",
            "total_due": "2.00",
            "outstanding": "2.00",
            "withdrawn": "2025-03-06",
            "arrears_years": [2024, 2025],
        },
    ),
    "Holy See": (
        "VAT",
        Contact(
            address=GENEVA,
            head_name="Ettore Balestrero",
            head_form="H.E. Mr",
            head_title="Apostolic Nuncio, Permanent Observer",
            head_title_fr="Nonce apostolique, Observateur permanent",
            head_title_es="Nuncio Apostólico, Observador Permanente",
        ),
        {},
    ),
    "State of Palestine": ("PSE", Contact(address=GENEVA, head_name="Omar Haddad", head_form="H.E. Mr"), {}),
    "no mission in Geneva": ("NRU", NAURU, {}),
    "CHF 1.00": (
        "ITA",
        Contact(address=GENEVA, head_name="Maria Rossi", head_form="H.E. Ms"),
        {"amount_due": "1.00", "arrears": "0.00", "total_due": "1.00", "received": "0.00", "outstanding": "1.00"},
    ),
    "CHF 2.00": (
        "ITA",
        Contact(address=GENEVA, head_name="Maria Rossi", head_form="H.E. Ms"),
        {
            "amount_due": "2.00",
            "arrears": "0.00",
            "total_due": "2.00",
            "received": "2.00",
            "outstanding": "2.00",
            "credit": "1.00",
        },
    ),
}
FIGURES = PDF_FIGURES | {
    "letters_before": [
        {"kind": "call_for_contributions", "date": "2027-01-15", "number": 1},
        {"kind": "second_reminder", "date": "2027-06-01", "number": 2},  # on the first of a month
    ],
    "reported_on": "2027-05-01",
}
DAY = date(2027, 8, 1)  # the letter itself dated on the first of a month
GOVERNMENT = {  # whom the call invites: the Holy See is itself, a State its Government
    "VAT": {"en": "invite the Holy See", "fr": "d’inviter le Saint-Siège", "es": "invitar a la Santa Sede"},
    "PSE": {
        "en": "invite the Government of the State of Palestine",
        "fr": "d’inviter le Gouvernement de l’État de Palestine",
        "es": "invitar al Gobierno del Estado de Palestina",
    },
}
OBSERVER = {
    "en": "Permanent Observer Mission",
    "fr": "Mission permanente d’observation",
    "es": "Misión Permanente de Observación",
}


def texts(pdfs: list[bytes], tmp_path) -> list[str]:
    """Each PDF read back by poppler, one process for all."""
    paths = []
    for n, pdf in enumerate(pdfs):
        (path := tmp_path / f"{n}.pdf").write_bytes(pdf)
        paths.append(str(path))
    out = subprocess.run(
        ["sh", "-c", 'for f in "$@"; do pdftotext "$f" -; echo "@@@"; done', "sh", *paths],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("@@@")
    return [" ".join(t.split()) for t in out[: len(pdfs)]]


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_every_letter_in_every_language_fits_its_situation(situation, tmp_path):
    state, contact, changes = SITUATIONS[situation]
    figures = FIGURES | changes
    drawn = [
        (
            kind,
            language,
            render_letter(kind, language, letter_values(kind, state, figures, language, DAY, HEAD, contact)),
        )
        for language in LANGUAGES
        for kind in LETTER_KINDS
        if not (kind == "thank_you" and situation == "withdrawn with arrears")
    ]
    for (kind, language, _letter), text in zip(drawn, texts([d[2].pdf() for d in drawn], tmp_path), strict=True):
        where = (situation, kind, language)
        name = typographic(bare(state_name(state, language, DAY).short, language), language)
        assert name in text, (*where, text)
        assert not re.search(r"invoice|factur", text, re.IGNORECASE), (*where, text)
        assert not re.search(r"\b1 (août|juin)", text), where  # `1er août`, as French writes the first
        assert long_date(DAY, language) in text, where
        if language != "en":
            assert not ENGLISH.findall(_without_identifiers(text).replace(" Nauru", "")), (*where, text)
        if kind == "president_letter":
            assert contact.head_name in text and "Michael Biontino" in text, (*where, text)
        else:
            assert not FIRST_OR_SECOND_PERSON[language].search(text), (*where, text)
            assert "Michael Biontino" not in text, where
        if kind != "thank_you":
            assert " ".join(chf(figures["outstanding"], language).split()) in text, (*where, text)
        if situation == "withdrawn with arrears" and kind == "call_for_contributions":
            assert long_date("2025-03-06", language) in text and "2024" in text and "2025" in text, (*where, text)
            assert {"en": "withdrawal", "fr": "retrait", "es": "retiro"}[language] in text, where
        if state in GOVERNMENT and kind == "call_for_contributions":
            assert GOVERNMENT[state][language] in text, (*where, text)
        if state in ("VAT", "PSE"):
            assert OBSERVER[language] in text, (*where, text)
        if state == "NRU":
            assert contact.mission_in(language) in text and " ".join(contact.address_in(language)) in text, where
            assert not re.search(r"Permanent Mission|Mission permanente|Misión Permanente", text), (*where, text)


@pytest.mark.parametrize(
    "head, why",
    [
        ({"head_name": "Maria\nRossi", "head_form": "H.E. Ms"}, "the head_name is not one line"),
        ({"head_name": "M" * 10_000, "head_form": "H.E. Ms"}, "the head_name is not one line of at most 200"),
        ({"head_name": "Maria Rossi", "head_form": "Dr"}, "the form of address 'Dr' is not one of"),
        ({"head_name": "北京", "head_form": "H.E. Ms"}, "the head_name cannot be printed"),
        (
            {"head_name": "Maria Rossi", "head_form": "H.E. Ms", "head_title": "Chargée d'affaires"},
            "no title of the head of mission in fr",
        ),
        ({"head_name": "Maria Rossi", "head_form": "H.E. Ms", "mission_kind": "embassy"}, "mission kind 'embassy'"),
    ],
)
def test_a_hostile_or_incomplete_head_of_mission_holds_the_presidents_letter_in_one_line(head, why):
    """What the contacts file says of a head of mission is refused before a letter is drawn:
    the President's letter is held with the reason (`ccm letters contacts --missing` lists it)."""
    from activities.letters import LetterRefused, president_problem

    contact = Contact(address=GENEVA, **head)
    assert why in president_problem("ITA", contact, "fr")
    with pytest.raises(LetterRefused, match=re.escape(why)) as refused:
        letter_values("president_letter", "ITA", FIGURES, "fr", DAY, HEAD, contact)
    assert "\n" not in str(refused.value)
