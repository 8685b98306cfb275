"""Every letter in every language, as the State receives it: drawn to PDF by Typst and
read back with poppler (`pdftotext`, `pdftoppm`, `pdfinfo`, `pdffonts`)."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import jinja2.meta
import pytest

from activities.letters import (
    ALL_LETTER_KINDS,
    INITIALS,
    LETTER_KINDS,
    Contact,
    Letterhead,
    LetterRefused,
    letter_values,
    render_letter,
)
from activities.localise import LANGUAGES, chf, long_date
from activities.templating import templates
from domain.bank import creditor_reference, format_reference
from tests.letters import pdf_text

TEMPLATES = Path(templates.loader.searchpath[0]) / "letters"
ITALY = Contact(
    email="mission.italy@example.org",
    mission="Permanent Mission of Italy",
    address=("Chemin de l'Impératrice 10", "1292 Pregny-Chambésy"),
    head_name="Maria Rossi",  # a stand-in: the contacts file names the real head of mission
    head_form="H.E. Ms",
)
HEAD = Letterhead(president_name="Michael Biontino", director_name="Sheila Mweemba")
SENT = [
    {"kind": "call_for_contributions", "date": "2027-01-15", "number": 1},
    {"kind": "second_reminder", "date": "2027-06-15", "number": 2},
]
FIGURES = {
    "year": 2027,
    "amount_due": "43650.00",
    "arrears": "1200.00",
    "total_due": "44850.00",
    "received": "10000.00",
    "outstanding": "34850.00",
    "credit": "0.00",
    "msp_date": "2027-09-01",
    "letters_before": SENT,
    "letter_number": 3,
    "reported_on": "2027-05-02",
    "reference": "TRF-88",
}
DAY = date(2027, 8, 11)


def typographic(text: str, language: str) -> str:
    """French letters print the typographic apostrophe."""
    return text.replace("'", "\u2019") if language == "fr" else text


def values(kind: str, language: str, **changes) -> dict:
    return letter_values(kind, "ITA", FIGURES | changes, language, DAY, HEAD, ITALY, "CH9300762011623852957")


def variables(path: Path) -> set[str]:
    return jinja2.meta.find_undeclared_variables(templates.parse(path.read_text("utf-8")))


@pytest.mark.parametrize("kind", [*ALL_LETTER_KINDS, "_letter", "_cover"])
def test_every_template_exists_in_every_language_with_the_same_variables_and_paragraphs(kind):
    suffix = ".txt" if kind == "_cover" else ".typ"
    paths = {lang: TEMPLATES / lang / f"{kind}{suffix}" for lang in LANGUAGES}
    assert all(p.exists() for p in paths.values()), [str(p) for p in paths.values() if not p.exists()]
    english = variables(paths["en"])
    for lang, path in paths.items():
        assert variables(path) == english, (lang, variables(path) ^ english)
    paragraphs = {lang: len(re.findall(r"\n\n|\\\n|\],", p.read_text("utf-8"))) for lang, p in paths.items()}
    assert len(set(paragraphs.values())) == 1, paragraphs


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_each_letter_reads_back_from_its_pdf_with_every_fact(kind, language):
    v = values(kind, language)
    letter = render_letter(kind, language, v)
    text = pdf_text(letter.pdf())
    reference = ("CCM-PRES" if kind == "president_letter" else INITIALS[language]) + "/2027/ITA/3"
    assert reference in text and letter.reference_number == reference
    place = {"en": "Geneva, 11 August 2027", "fr": "Genève, le 11 août 2027", "es": "Ginebra, 11 de agosto de 2027"}
    assert place[language] in text
    address = typographic(f"{MISSIONS[language]} Chemin de l'Impératrice 10 1292 Pregny-Chambésy", language)
    assert address in text
    assert {"en": "Italy", "fr": "Italie", "es": "Italia"}[language] in text
    if kind == "president_letter":  # first person, to the head of mission by name, signed by the holder
        assert f"{HEADS[language]} Maria Rossi {TITLES[language]} {address}" in text, text
        assert "Michael Biontino" in text and typographic(PRESIDENT_CLOSES[language], language) in text
        assert text.count(EXCELLENCY[language]) >= 2  # the salutation, and the courtesy formula
        assert OFFICE[language] in text.replace("- ", "")  # the President's office, with the meeting's ordinal
        assert "RF" not in text and "CH93" not in text  # no payment slip: the ISU's notes carry it
        assert f"{INITIALS[language]}/2027/ITA/1" in text and f"{INITIALS[language]}/2027/ITA/2" in text
    else:  # a note verbale: third person, its formula, closed by place, date and initials, no personal signature
        opens, closes = typographic(NOTE_OPENS[language], language), typographic(NOTE_CLOSES[language], language)
        assert opens in text and closes in text, text
        assert EXCELLENCY[language] not in text and "Sheila Mweemba" not in text and "Biontino" not in text
        assert not FIRST_OR_SECOND_PERSON[language].search(text), text
    assert not re.search(r"invoice|factur", text, re.IGNORECASE), text
    if kind == "thank_you":
        assert " ".join(chf(Decimal("10000"), language).split()) in text
        assert "RF" not in text  # nothing to pay, no payment details
        return
    amount = chf(Decimal("44850.00" if kind == "call_for_contributions" else "34850.00"), language)
    assert " ".join(amount.split()) in text  # Babel's figure (its no-break spaces read as spaces)
    if kind != "president_letter":
        assert long_date("2027-09-01", language) in text  # requested by the Meeting of States Parties
        assert format_reference(creditor_reference(2027, "ITA")) in text and "CH93 0076 2011 6238 5295 7" in text
    if kind in ("second_reminder", "pre_msp_reminder", "president_letter"):
        # The letters that went before, by their dates: never a fixed count.
        assert long_date("2027-01-15", language) in text and long_date("2027-06-15", language) in text
        assert not re.search(r"\b(three|trois|tres)\b", text)


# The registers, word for word (the issue's model texts). The contacts file names Italy's
# mission in English only: French and Spanish letters compose it from the State's name.
MISSIONS = {
    "en": "Permanent Mission of Italy",
    "fr": "Mission permanente de l'Italie auprès de l'Office des Nations Unies à Genève",
    "es": "Misión Permanente de Italia ante la Oficina de las Naciones Unidas en Ginebra",
}
NOTE_OPENS = {
    "en": f"presents its compliments to the {MISSIONS['en']} and has the honour to",
    "fr": f"présente ses compliments à la {MISSIONS['fr']} et a l'honneur d",
    "es": f"saluda atentamente a la {MISSIONS['es']} y tiene el honor de",
}
NOTE_CLOSES = {
    "en": f"The ISU-CCM avails itself of this opportunity to renew to the {MISSIONS['en']} the assurances of its "
    "highest consideration.",
    "fr": f"L'UAA saisit cette occasion pour renouveler à la {MISSIONS['fr']} les assurances de sa très haute "
    "considération.",
    "es": f"La DAA aprovecha la oportunidad para reiterar a la {MISSIONS['es']} las seguridades de su más alta "
    "consideración.",
}
PRESIDENT_CLOSES = {
    "en": "Please accept, Excellency, the assurances of my highest consideration.",
    "fr": "Je vous prie d'agréer, Excellence, les assurances de ma très haute considération.",
    "es": "Le ruego acepte, Excelencia, las seguridades de mi más alta consideración.",
}
EXCELLENCY = {"en": "Excellency", "fr": "Excellence", "es": "Excelencia"}
HEADS = {"en": "H.E. Ms", "fr": "S. E. Mme", "es": "Excma. Sra."}
TITLES = {
    "en": "Ambassador, Permanent Representative",
    "fr": "Ambassadrice, Représentante permanente",
    "es": "Embajadora, Representante Permanente",
}
# On 11 August 2027 the President of the Fourteenth Meeting of States Parties (after the
# Third Review Conference, in September 2026) holds office.
OFFICE = {
    "en": "President of the Fourteenth Meeting of States Parties to the Convention on Cluster Munitions",
    "fr": "Président de la quatorzième Assemblée des États parties à la Convention sur les armes à sous-munitions",
    "es": "Presidente de la Decimocuarta Reunión de los Estados Partes en la Convención sobre Municiones en Racimo",
}
# A note verbale speaks of the ISU in the third person, and to no one.
FIRST_OR_SECOND_PERSON = {
    "en": re.compile(r"\b(I|me|my|we|our|us|you|your|please)\b", re.IGNORECASE),
    "fr": re.compile(r"\b(je|j’|me|moi|mon|ma|mes|nous|notre|nos|vous|votre|vos|veuillez)\b", re.IGNORECASE),
    "es": re.compile(r"\b(yo|me|mi|mis|nosotr\w*|nuestr\w*|usted\w*|sírvanse|ruego)\b", re.IGNORECASE),
}


def test_the_president_recalls_the_isus_notes_as_the_isus_and_a_note_its_own_in_the_third_person():
    president = values("president_letter", "en")["letters_sent"]
    assert president == (
        "the notes of the ISU-CCM ISU-CCM/2027/ITA/1 of 15 January 2027 and ISU-CCM/2027/ITA/2 of 15 June 2027"
    )
    assert values("second_reminder", "en")["letters_sent"].startswith("its call for contributions of 15 January")
    assert values("second_reminder", "fr")["letters_sent"].startswith("son appel à contributions du 15 janvier")
    assert values("president_letter", "es")["letters_sent"] == (
        "las notas de la DAA DAA/2027/ITA/1 del 15 de enero de 2027 y DAA/2027/ITA/2 del 15 de junio de 2027"
    )


def test_amounts_dates_and_names_are_written_as_each_language_writes_them():
    assert chf(Decimal("43650"), "en") == "CHF\xa043'650.00"
    assert chf(Decimal("43650"), "fr") == "43\u202f650,00\xa0CHF"  # CLDR French, not Swiss grouping
    assert chf(Decimal("43650"), "es") == "43.650,00\xa0CHF"
    assert long_date("2027-09-04", "fr") == "4 septembre 2027"
    assert (
        long_date("2027-09-01", "fr") == "1er septembre 2027"
        and long_date("2027-09-01", "es") == "1 de septiembre de 2027"
    )
    v = values("call_for_contributions", "es")
    assert v["state_name"] == "Italia" and v["state_formal_name"] == "la República Italiana"
    assert v["government"] == "al Gobierno de la República Italiana" and v["of_state"] == "de Italia"
    fr = values("call_for_contributions", "fr")
    assert fr["government"] == "le Gouvernement de la République italienne" and fr["of_state"] == "de l'Italie"


def test_a_letter_written_after_the_meeting_of_states_parties_is_due_by_the_years_end():
    late = letter_values("call_for_contributions", "ITA", FIGURES, "en", date(2027, 10, 2), HEAD, ITALY)
    assert late["payment"]["due"] == "31 December 2027"
    assert values("call_for_contributions", "en")["payment"]["due"] == "1 September 2027"
    assert values("call_for_contributions", "en")["state_formal_name"] == "the Italian Republic"


def test_a_reminder_with_no_letter_before_recalls_none():
    text = pdf_text(render_letter("president_letter", "en", values("president_letter", "en", letters_before=[])).pdf())
    assert "remains outstanding." in text and "as set out in" not in text


@pytest.mark.parametrize(
    "contact,reason",
    [
        (None, "address missing: ITA has no row in contacts.csv"),
        (Contact(email="a@b.org"), "address missing: the row of ITA in contacts.csv has no postal address"),
        (
            Contact(email="a@b.org\nBcc: all@example.org", mission="M", address=("Geneva",)),
            "the e-mail of ITA in contacts.csv is not an address",
        ),
        (Contact(email="a@b.org, c@d.org", mission="M", address=("Geneva",)), "is not an address"),
    ],
)
def test_a_letter_without_an_address_is_refused_with_the_reason(contact, reason):
    with pytest.raises(LetterRefused, match=reason):
        letter_values("call_for_contributions", "ITA", FIGURES, "en", DAY, HEAD, contact)


def test_a_reminder_with_nothing_to_pay_is_refused():
    with pytest.raises(LetterRefused, match="nothing to ask ITA for"):
        values("second_reminder", "en", outstanding="0.00")


def pixels(image) -> list[tuple[int, int, int]]:
    data = image.tobytes()
    return [tuple(data[i : i + 3]) for i in range(0, len(data), 3)]


def test_the_letterhead_is_drawn_on_page_one(tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="60">'
        '<rect width="60" height="60" fill="#1f4e79"/></svg>'
    )
    head = Letterhead(logo=logo, director_name="Sheila Mweemba")
    pdf = tmp_path / "call.pdf"
    v = letter_values("call_for_contributions", "ITA", FIGURES, "en", DAY, head, ITALY)
    pdf.write_bytes(render_letter("call_for_contributions", "en", v).pdf())
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", pdf, tmp_path / "page"], check=True
    )
    page = Image.open(tmp_path / "page.png").convert("RGB")
    width, height = page.size
    head_area = page.crop((0, 0, width, height // 8))  # the top eighth of an A4 page
    dark = sum(1 for px in pixels(head_area) if sum(px) < 600)
    blue = sum(1 for r, g, b in pixels(head_area) if b > 100 and r < 60)  # the logo and the rule, #1f4e79
    assert dark > 500 and blue > 100, (dark, blue)
    below = page.crop((0, height // 2, width, height))
    assert sum(1 for px in pixels(below) if sum(px) < 600) > 100  # the body and signature were drawn too


@pytest.mark.parametrize(
    "when,language,expected",
    [
        (date(2016, 11, 4), "en", "Swaziland"),
        (date(2016, 11, 4), "fr", "Swaziland"),
        (date(2016, 11, 4), "es", "Swazilandia"),
        (date(2026, 12, 2), "en", "Eswatini"),
        (date(2026, 12, 2), "es", "Eswatini"),
        (date(2026, 12, 2), "fr", "Eswatini"),
    ],
)
def test_a_state_is_named_as_it_was_on_the_letters_date(when, language, expected):
    swaziland = Contact(address=("Geneva",))
    v = letter_values("call_for_contributions", "SWZ", FIGURES | {"year": when.year}, language, when, HEAD, swaziland)
    assert v["state_name"] == expected


def test_a_credit_carried_the_membership_rule_and_the_split_by_line_are_stated_in_the_call():
    split = [
        {"line": "7a", "kind": "mandatory", "amount": "17460.00"},
        {"line": "7b", "kind": "voluntary", "amount": "26190.00"},
    ]
    figures = FIGURES | {
        "credit_carried": "11965.52",
        "outstanding": "26520.48",
        "membership_rule": "any-day",
        "budget_split": split,
    }
    for language, words in (
        (
            "en",
            [
                "Credit carried from 2026",
                "Balance: CHF 26'520.48",
                "at least one day of 2027",
                "7a, CHF 17'460.00 (not voluntary: the preparation of the Meetings of States Parties); "
                "7b, CHF 26'190.00 (voluntary and indicative)",
            ],
        ),
        (
            "fr",
            [
                "Crédit reporté de 2026",
                "Solde : 26 520,48 CHF",
                "un jour au moins de l’année 2027",
                "7a, 17 460,00 CHF (non volontaire : la préparation des Assemblées des États parties)",
            ],
        ),
        (
            "es",
            [
                "Crédito trasladado de 2026",
                "Saldo: 26.520,48 CHF",
                "al menos un día de 2027",
                "7b, 26.190,00 CHF (voluntaria e indicativa)",
            ],
        ),
    ):
        v = letter_values("call_for_contributions", "ITA", figures, language, date(2027, 1, 15), HEAD, ITALY)
        assert v["payment"]["amount"] == chf(Decimal("26520.48"), language)
        text = " ".join(pdf_text(render_letter("call_for_contributions", language, v).pdf()).split())
        for w in words:
            assert w in text, (language, w, text)


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated, to read the catalog's entries."""
    import zlib

    out = pdf
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out += zlib.decompress(m.group(1))
        except zlib.error:
            pass
    return out


@pytest.mark.parametrize(
    "kind,language,author",
    [
        ("call_for_contributions", "fr", "Unité d’appui à l’application, Convention sur les armes à sous-munitions"),
        (
            "president_letter",
            "es",
            "Presidencia de la Decimocuarta Reunión de los Estados Partes en la Convención sobre Municiones en Racimo",
        ),
    ],
)
def test_a_letter_is_an_archival_record_by_poppler_s_reading(kind, language, author, tmp_path):
    """PDF/A-2b and PDF/UA-1 claimed in its XMP metadata, tagged, every font embedded,
    with its title, author, subject, language and the letter's date: read by poppler
    (pdfinfo, pdffonts)."""
    v = values(kind, language)
    letter = render_letter(kind, language, v)
    path = tmp_path / "letter.pdf"
    path.write_bytes(letter.pdf())
    info = dict(
        line.split(":", 1)
        for line in subprocess.run(
            ["pdfinfo", str(path)], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        if ":" in line
    )
    info = {k: v.strip() for k, v in info.items()}
    assert info["Title"] == letter.subject and info["Subject"] == letter.subject and info["Author"] == author
    assert info["Tagged"] == "yes" and info["CreationDate"].startswith("Wed Aug 11 00:00:00 2027")
    meta = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True).stdout
    claims = {
        name: re.findall(rf'(?:<|\s){name}(?:="|>)([^"<]+)', meta)
        for name in ("pdfaid:part", "pdfaid:conformance", "pdfuaid:part")
    }
    assert claims == {"pdfaid:part": ["2"], "pdfaid:conformance": ["B"], "pdfuaid:part": ["1"]}, claims
    assert f"<rdf:li>{language}</rdf:li>" in meta  # dc:language
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # the "emb" column
    assert set(re.findall(rb"/Lang\s*\(([^)]*)\)", pdf_objects(path.read_bytes()))) == {language.encode()}
    assert letter.pdf() == path.read_bytes()  # drawn again, the same file: its date is the letter's


# Words only English has: none may stand in a French or Spanish letter, outside the
# reference numbers (identifiers, `ISU-CCM/2027/ITA/3`) and the address the contacts give.
ENGLISH = re.compile(
    r"\b(the|of|and|to|for|from|with|by|its|Trust|Fund|Support|Implementation|Geneva|Switzerland|"
    r"United|Kingdom|Republic|Government|Excellency|Please|Amount|Due|Account|Reference|"
    r"Call|Reminder|Thank|President|Meeting|States|Parties|Cluster|Munitions|Permanent|Director)\b"
)
ANYWHERE = Contact(address=("Case postale 1", "1211 Genève 2"), head_name="Maria Rossi", head_form="H.E. Ms")


def _without_identifiers(text: str) -> str:
    return re.sub(r"(ISU-CCM|UAA|DAA|CCM-PRES)/\d{4}/[A-Z]{3}/\d+", "", text).replace(
        "Case postale 1 1211 Genève 2", ""
    )


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_letter_to_every_state_is_in_its_language_with_no_bracketed_name(language, tmp_path):
    """Every letter kind to every State of the registry, drawn and read back: no English
    word, and no name of the State standing in brackets (`le Gouvernement (République
    italienne)`). The letters to one State are read back at once: poppler is started once
    per State, not once per letter."""
    from activities.localise import bare, state_name
    from domain.states import registry

    for state in registry():
        named = state_name(state.alpha3, language, DAY)
        pdfs = []
        for kind in ALL_LETTER_KINDS:
            v = letter_values(kind, state.alpha3, FIGURES, language, DAY, HEAD, ANYWHERE, "CH9300762011623852957")
            pdfs.append(render_letter(kind, language, v).pdf())
        for kind, pdf in zip(ALL_LETTER_KINDS, pdfs, strict=True):
            (tmp_path / f"{kind}.pdf").write_bytes(pdf)
        texts = subprocess.run(
            [
                "sh",
                "-c",
                'for f in "$@"; do pdftotext "$f" -; echo "@@@"; done',
                "sh",
                *(str(tmp_path / f"{kind}.pdf") for kind in ALL_LETTER_KINDS),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("@@@")
        for kind, text in zip(ALL_LETTER_KINDS, texts, strict=False):
            text = " ".join(text.split())
            assert typographic(bare(named.short, language), language) in text, (state.alpha3, kind)
            english = ENGLISH.findall(_without_identifiers(text))
            assert not english, (state.alpha3, kind, english, text)
            names = {typographic(bare(n, language), language) for n in (named.short, named.formal)}
            bracketed = [b for b in re.findall(r"\(([^)]*)\)", text) if any(n in b for n in names)]
            assert not bracketed, (state.alpha3, kind, bracketed)


def test_a_letter_its_fonts_cannot_draw_or_with_a_logo_that_is_no_image_is_refused_not_retried(tmp_path):
    """Typst refuses an archival PDF with a glyph it cannot draw; both that and a broken
    logo hold the letter with the reason (`LetterRefused`), where retrying would never help."""
    from activities.letters import UndrawableText, undrawable

    assert undrawable("Mission permanente de la Côte d'Ivoire") == ""
    assert "北" in undrawable("北京代表团")
    v = values("call_for_contributions", "fr") | {"mission": "北京代表团", "to_mission": "à la 北京代表团"}
    with pytest.raises(UndrawableText, match="could not be displayed"):
        render_letter("call_for_contributions", "fr", v).pdf()
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a picture")
    broken = letter_values("call_for_contributions", "ITA", FIGURES, "en", DAY, Letterhead(logo=logo), ITALY)
    with pytest.raises(LetterRefused, match="the letter could not be drawn"):
        render_letter("call_for_contributions", "en", broken).pdf()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_payment_table_has_header_cells_in_the_pdfs_structure(language):
    """PDF/UA: a data table's cells are named by header cells (two PDF/UA checkers failed
    the letters on this): the payment table is tagged Table, THead with TH, TBody with TD."""
    pdf = render_letter("call_for_contributions", language, values("call_for_contributions", language)).pdf()
    tags = set(re.findall(rb"/S\s*/(Table|THead|TBody|TH|TD)\b", pdf_objects(pdf)))
    assert tags == {b"Table", b"THead", b"TBody", b"TH", b"TD"}, tags


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ALL_LETTER_KINDS)
def test_an_independent_pdf_ua_checker_finds_nothing_wrong_in_any_letter(kind, language, tmp_path):
    """accesspdf (from the package index, not ours) reads each letter as a PDF/UA checker
    does: tagged, its language and title set, every table's cells named by header cells,
    text contrast, links. No error and no warning (it warned "1 table(s) have no header
    cells (TH)" on a letter drawn without `table.header`). Row headers for the labels
    column are not drawn: Typst marks them with `pdf.header-cell(scope: "row")`, behind a
    feature flag the Python binding cannot set."""
    from accesspdf.analyzer import PDFAnalyzer

    path = tmp_path / f"{kind}.{language}.pdf"
    path.write_bytes(render_letter(kind, language, values(kind, language)).pdf())
    result = PDFAnalyzer().analyze(path)
    assert result.is_tagged and result.has_lang and result.title
    assert [f"{i.severity.value} {i.rule}: {i.message}" for i in result.issues] == []


@pytest.mark.parametrize(
    "language, said",
    [
        ("en", "By line of the ISU-CCM budget: 7a, {0} outstanding of {27574.16}; 7b, {30111.24} outstanding of "
         "{41361.24}; 7c, {50185.40} outstanding of {68935.40}."),
        ("fr", "Par ligne du budget de l'UAA : 7a, {0} restant dû sur {27574.16} ; 7b, {30111.24} restant dû sur "
         "{41361.24} ; 7c, {50185.40} restant dû sur {68935.40}."),
        ("es", "Por línea del presupuesto de la DAA: 7a, {0} pendiente de {27574.16}; 7b, {30111.24} pendiente de "
         "{41361.24}; 7c, {50185.40} pendiente de {68935.40}."),
    ],
)  # fmt: skip
@pytest.mark.parametrize("kind", ["second_reminder", "pre_msp_reminder"])
def test_a_reminder_after_a_part_payment_says_what_is_outstanding_on_each_line(language, said, kind):
    """Germany paid CHF 57,574.16 of a call of CHF 137,870.80: 7a (not voluntary) in full, the
    rest over 7b and 7c in proportion; the reminder says each line's rest, which make the total."""
    from datetime import datetime, timezone

    from domain.chase import Chase, ChaseInput, RecordReceipt
    from domain.contributions import BudgetLine, split_by_line

    budget = [
        BudgetLine(line="7a", amount=Decimal("200000"), kind="mandatory"),
        BudgetLine(line="7b", amount=Decimal("300000"), kind="voluntary"),
        BudgetLine(line="7c", amount=Decimal("500000"), kind="voluntary"),
    ]
    due = Decimal("137870.80")
    chase = Chase(
        input=ChaseInput(state="DEU", year=2027, amount_due=due, budget_split=split_by_line(due, budget)),
        started_at=datetime(2027, 1, 15, 9, tzinfo=timezone.utc),
    )
    now = datetime(2027, 5, 2, 9, tzinfo=timezone.utc)
    chase.record_receipt(RecordReceipt(amount=Decimal("57574.16"), date=now.date()), now)
    context = chase.letter_context(kind)["context"]
    text = " ".join(
        pdf_text(
            render_letter(
                kind,
                language,
                letter_values(kind, "DEU", context, language, DAY, HEAD, ITALY),
            ).pdf()
        ).split()
    )
    amounts = re.sub(r"\{([0-9.]+)\}", lambda m: chf(Decimal(m[1]), language), said)
    assert " ".join(typographic(amounts, language).split()) in text, text
    assert chase.outstanding == Decimal("80296.64") == Decimal("30111.24") + Decimal("50185.40")


OUTREACH = {
    # (language, signed, category): what the President asks, and what is offered
    ("en", True, "political"): ["which Italy has signed but not yet ratified", "a dialogue with you on any concerns"],
    ("en", False, "administrative"): ["which Italy has not yet joined", "Should the procedure of accession call"],
    ("fr", True, "administrative"): [
        "que l’Italie a signée mais n’a pas encore ratifiée",
        "la procédure de ratification",
    ],
    ("fr", False, "political"): ["à laquelle l’Italie n’est pas encore partie", "La Présidence souhaiterait"],
    ("es", True, "political"): ["que Italia ha firmado pero aún no ha ratificado", "La Presidencia desearía conversar"],
    ("es", False, "administrative"): ["de la que Italia aún no es parte", "Si el procedimiento de adhesión requiriera"],
}


@pytest.mark.parametrize(("language", "signed", "category"), list(OUTREACH))
def test_the_outreach_letter_asks_to_ratify_or_accede_and_offers_what_its_category_needs(language, signed, category):
    """The President's letter to a target State's head of mission: first person, by name,
    on the Presidency's letterhead and reference, no payment slip; a signatory is asked to
    ratify, any other State to accede; the ISU's help for administrative reasons, a
    dialogue for political ones; a meeting and a visit offered to both."""
    context = {"year": 2027, "category": category, "signed": signed, "letter_number": 1}
    v = letter_values("outreach_letter", "ITA", context, language, DAY, HEAD, ITALY)
    text = pdf_text(render_letter("outreach_letter", language, v).pdf())
    for said in OUTREACH[(language, signed, category)]:
        assert said in text, (said, text)
    assert "CCM-PRES/2027/ITA/1" in text and "Michael Biontino" in text and "Maria Rossi" in text
    assert typographic(PRESIDENT_CLOSES[language], language) in text
    assert "RF" not in text and "CH93" not in text and not re.search(r"contribution|contribución", text, re.I)
