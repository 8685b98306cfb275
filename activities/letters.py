"""Letters: PDF on letterhead from Typst templates, kept in a Maildir outbox, sent by SMTP.

A letter to a State is a PDF (Typst, PDF/A-2b and PDF/UA-1) attached to a short plain-text cover note;
the PDF also sits in `outbox/letters/`. The outbox is a Maildir (`outbox/new/` holds
messages not yet sent); a message sent by SMTP moves to `sent/new/`. File names and
Message-IDs derive from the letter's idempotency key, so a retried activity rewrites
the same files instead of adding some.
"""

from __future__ import annotations

import csv
import email.headerregistry
import email.policy
import hashlib
import os
import threading
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from activities.templating import letter_templates, plain_templates, templates
from domain.schedule import geneva_date
from domain.treaty_meetings import TreatyMeeting, presiding_on


class _HeaderClasses(email.headerregistry.HeaderRegistry):
    """The standard header registry, its classes made once per header name: the standard
    one builds a new class for every header it is asked for (measured: 0.5 ms of the 5.7
    ms a letter's message took to compose and write)."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        made = self._made.get(name.lower())
        if made is None:
            made = self._made[name.lower()] = super().__getitem__(name)
        return made


# Long subjects stay on one line (RFC 5322 allows 998 characters): Python's folding of a
# long first word can leave a leading space in the header as read back.
_POLICY = email.policy.default.clone(max_line_length=998, header_factory=_HeaderClasses())


REMINDERS = {"second_reminder", "pre_msp_reminder", "reported_not_received"}
PAYMENT_LETTERS = {"call_for_contributions", *REMINDERS, "president_letter"}
# From the President to a head of mission, first person, on the Presidency's letterhead: a
# chase's escalation, and the outreach letter to a State not party (a universalization
# campaign's, `domain.campaigns`).
PRESIDENT_LETTERS = {"president_letter", "outreach_letter"}
LETTER_KINDS = (
    "call_for_contributions",
    "second_reminder",
    "pre_msp_reminder",
    "reported_not_received",
    "president_letter",
    "thank_you",
)
# The letters of a universalization campaign, to a State not party.
OUTREACH_LETTERS = ("outreach_letter",)
ALL_LETTER_KINDS = (*LETTER_KINDS, *OUTREACH_LETTERS)
# Titles of the offices that sign, in each language, where the key registry gives the
# holder none in the letter's language (`ccm keys register --title-fr …`).
TITLES = {
    "president": {
        "en": "President of the Meeting of States Parties",
        "fr": "Président de l'Assemblée des États parties",
        "es": "Presidente de la Reunión de los Estados Partes",
    },
    "director": {
        "en": "Director, Implementation Support Unit",
        "fr": "Directeur de l'Unité d'appui à l'application",
        "es": "Director de la Dependencia de Apoyo a la Aplicación",
    },
}
PLACES = {"en": "Geneva, {date}", "fr": "Genève, le {date}", "es": "Ginebra, {date}"}
# The ISU as each language names it, and the initials that close its notes.
ISU_NAMES = {
    "en": "Implementation Support Unit, Convention on Cluster Munitions",
    "fr": "Unité d'appui à l'application, Convention sur les armes à sous-munitions",
    "es": "Dependencia de Apoyo a la Aplicación, Convención sobre Municiones en Racimo",
}
ISU_ADDRESS = {
    "en": ("Maison de la Paix, Chemin Eugène-Rigot 2C", "1202 Geneva, Switzerland"),
    "fr": ("Maison de la Paix, Chemin Eugène-Rigot 2C", "1202 Genève, Suisse"),
    "es": ("Maison de la Paix, Chemin Eugène-Rigot 2C", "1202 Ginebra, Suiza"),
}
INITIALS = {"en": "ISU-CCM", "fr": "UAA", "es": "DAA"}
FUNDS = {"en": "ISU-CCM Trust Fund", "fr": "Fonds d'affectation spéciale de l'UAA", "es": "Fondo Fiduciario de la DAA"}
# A mission as each language names it, from the State's name with its article
# (`localise.of`); the non-member observer States have observer missions.
MISSIONS = {
    "en": "Permanent Mission {of} to the United Nations Office at Geneva",
    "fr": "Mission permanente {of} auprès de l'Office des Nations Unies à Genève",
    "es": "Misión Permanente {of} ante la Oficina de las Naciones Unidas en Ginebra",
}
OBSERVER_MISSIONS = {
    "en": "Permanent Observer Mission {of} to the United Nations Office at Geneva",
    "fr": "Mission permanente d'observation {of} auprès de l'Office des Nations Unies à Genève",
    "es": "Misión Permanente de Observación {of} ante la Oficina de las Naciones Unidas en Ginebra",
}
OBSERVER_STATES = {"VAT", "PSE"}
MONEY = ("amount_due", "arrears", "credit_carried", "total_due", "received", "outstanding", "credit")


class LetterRefused(ValueError):
    """A letter whose facts cannot all be filled: it is not sent, and this says why."""


@dataclass(frozen=True)
class Contact:
    """Where letters to a State go (a row of `contacts.csv`): its mission's name (in
    English, and in French and Spanish where the row gives them), postal address (in each
    language where it differs) and e-mail; the mission's kind (`permanent`, `observer`, or
    `capital` where the State has no mission in Geneva and letters go to a ministry); and
    its head, to whom the President writes: name, form of address (`H.E. Ms`, `H.E. Mr`,
    `Ms`, `Mr`) and title in each language."""

    email: str = ""
    mission: str = ""
    address: tuple[str, ...] = ()
    language: str = ""  # en, fr or es: the language of every letter to the State; empty: ccm's default
    mission_fr: str = ""
    mission_es: str = ""
    mission_kind: str = ""  # permanent, observer or capital; empty: observer for VAT and PSE, else permanent
    address_fr: tuple[str, ...] = ()
    address_es: tuple[str, ...] = ()
    head_name: str = ""
    head_form: str = ""
    head_title: str = ""
    head_title_fr: str = ""
    head_title_es: str = ""

    def mission_in(self, language: str) -> str:
        return {"en": self.mission, "fr": self.mission_fr, "es": self.mission_es}.get(language, "")

    def address_in(self, language: str) -> tuple[str, ...]:
        return {"fr": self.address_fr, "es": self.address_es}.get(language) or self.address

    def head_title_in(self, language: str) -> str:
        return {"en": self.head_title, "fr": self.head_title_fr, "es": self.head_title_es}.get(language, "")

    def kind_of(self, state: str) -> str:
        return self.mission_kind or ("observer" if state in OBSERVER_STATES else "permanent")


# Forms of address, as each language writes them before a name, and as it speaks to the person.
FORMS = {
    "H.E. Ms": {"en": "H.E. Ms", "fr": "S. E. Mme", "es": "Excma. Sra."},
    "H.E. Mr": {"en": "H.E. Mr", "fr": "S. E. M.", "es": "Excmo. Sr."},
    "Ms": {"en": "Ms", "fr": "Mme", "es": "Sra."},
    "Mr": {"en": "Mr", "fr": "M.", "es": "Sr."},
}
VOCATIVES = {
    "H.E. Ms": {"en": "Excellency", "fr": "Excellence", "es": "Excelencia"},
    "H.E. Mr": {"en": "Excellency", "fr": "Excellence", "es": "Excelencia"},
    "Ms": {"en": "Madam", "fr": "Madame", "es": "Señora"},
    "Mr": {"en": "Sir", "fr": "Monsieur", "es": "Señor"},
}
# A head's title where the row gives none: an ambassador heading a permanent or an observer
# mission, in the grammatical gender of the form of address.
DEFAULT_TITLES = {
    ("permanent", "en"): ("Ambassador, Permanent Representative",) * 2,
    ("permanent", "fr"): ("Ambassadrice, Représentante permanente", "Ambassadeur, Représentant permanent"),
    ("permanent", "es"): ("Embajadora, Representante Permanente", "Embajador, Representante Permanente"),
    ("observer", "en"): ("Ambassador, Permanent Observer",) * 2,
    ("observer", "fr"): ("Ambassadrice, Observatrice permanente", "Ambassadeur, Observateur permanent"),
    ("observer", "es"): ("Embajadora, Observadora Permanente", "Embajador, Observador Permanente"),
}
# Whom the note "invites": a State's Government; the Holy See is itself.
HOLY_SEE = {"en": "the Holy See", "fr": "le Saint-Siège", "es": "a la Santa Sede"}
GOVERNMENT = {"en": "the Government {of}", "fr": "le Gouvernement {of}", "es": "al Gobierno {of}"}


@dataclass(frozen=True)
class Letterhead:
    """Who writes: the ISU's name and address, its logo, and who signs for each office,
    with their titles by language (`{"en": …, "fr": …}`)."""

    name: str = ISU_NAMES["en"]
    address: tuple[str, ...] = ISU_ADDRESS["en"]
    logo: Path | None = None
    president_name: str = ""
    president_title: str = ""
    director_name: str = ""
    director_title: str = ""
    president_titles: tuple[tuple[str, str], ...] = ()  # (language, title) in the others
    director_titles: tuple[tuple[str, str], ...] = ()

    def name_in(self, language: str) -> str:
        """The ISU's name: in the letter's language unless the settings named it otherwise."""
        return ISU_NAMES[language] if self.name == ISU_NAMES["en"] else self.name

    def address_in(self, language: str) -> tuple[str, ...]:
        return ISU_ADDRESS[language] if self.address == ISU_ADDRESS["en"] else self.address

    def registered_title(self, office: str, language: str) -> str:
        """The holder's title as the key registry (or the settings) give it in `language`."""
        title, titles = (
            (self.president_title, self.president_titles)
            if office == "president"
            else (self.director_title, self.director_titles)
        )
        return dict(titles).get(language) or (title if language == "en" else "")

    def signatory(self, office: str, language: str) -> dict[str, str]:
        name = self.president_name if office == "president" else self.director_name
        return {"name": name, "title": self.registered_title(office, language) or TITLES[office][language]}

    def held_on(self, ring, day: date) -> Letterhead:
        """This letterhead signed by the office-holders the key registry names for `day`
        (`ccm keys register --signs-letters`); the settings' names where it names none."""
        if ring is None:
            return self
        changes = {}
        for office, prefix in (("president", "president"), ("isu", "director")):
            holder = ring.holder_on(office, day)
            if holder is not None:
                changes |= {
                    f"{prefix}_name": holder.holder,
                    f"{prefix}_title": holder.title,
                    f"{prefix}_titles": tuple(
                        (lang, t) for lang, t in (("fr", holder.title_fr), ("es", holder.title_es)) if t
                    ),
                }
        return replace(self, **changes) if changes else self


@dataclass(frozen=True)
class RenderedLetter:
    subject: str
    cover: str  # the e-mail's plain-text body
    source: str  # the Typst document
    reference_number: str

    def pdf(self) -> bytes:
        return typst_to_pdf(self.source)


# An archival record, readable by screen readers: PDF/A-2b and PDF/UA-1 (Typst tags the
# document and embeds every font it draws with, from the fonts inside the `typst` wheel).
PDF_STANDARDS = ["a-2b", "ua-1"]
_COMPILERS = threading.local()


class UndrawableText(LetterRefused):
    """Text the letter's fonts cannot draw (an archival PDF may not hide a glyph)."""


def typst_to_pdf(source: str) -> bytes:
    """A letter's Typst source as PDF: about 1 ms of CPU (`python -m benchmarks.speed
    letters`), so the worker draws in its own threads. One compiler per thread, kept:
    it loads the fonts once. Its root is `/`, so that a logo is found by its absolute
    path; what a letter prints is never read as a path or as markup
    (`activities.templating`)."""
    import typst

    if not hasattr(_COMPILERS, "compiler"):
        _COMPILERS.compiler = typst.Compiler(root="/", ignore_system_fonts=True)
    try:
        return _COMPILERS.compiler.compile(source.encode("utf-8"), format="pdf", pdf_standards=PDF_STANDARDS)
    except typst.TypstError as e:
        # What a letter prints comes from its inputs (a name, a logo): drawing it again
        # cannot help, so the letter is held with the reason, never retried.
        message = str(e).splitlines()[0]
        if "could not be displayed" in message:
            raise UndrawableText(message.split("error: ", 1)[-1]) from None
        raise LetterRefused(f"the letter could not be drawn: {message[:300]}") from None


def undrawable(text: str) -> str:
    """Why a letter could not print `text` (a character no font of the letters has), or
    empty: what a contacts file or a key registration is checked with where it enters."""
    from activities.fonts import surely_drawn
    from activities.templating import typst_string

    if not text or surely_drawn(text):  # no trial drawing for "Genève"
        return ""
    try:
        typst_to_pdf(
            f'#set document(title: [x])\n#set text(lang: "en", font: "Libertinus Serif")\n#{typst_string(text)};'
        )
    except UndrawableText as e:
        return str(e)
    return ""


def render_letter(kind: str, language: str, values: dict) -> RenderedLetter:
    """Subject, cover note and Typst source of a letter from its template's blocks."""
    name = f"letters/{language}/{kind}.typ"
    plain = plain_templates.get_template(name)
    subject = typographic("".join(plain.blocks["subject"](plain.new_context(values))).strip(), language)
    source = typographic(letter_templates.get_template(name).render(**values), language)
    cover = typographic(
        templates.get_template(f"letters/{language}/_cover.txt").render(**values, subject=subject), language
    )
    return RenderedLetter(subject=subject, cover=cover, source=source, reference_number=values["reference_number"])


def typographic(text: str, language: str) -> str:
    """French with its typographic apostrophe (`l’Italie`, `d’inviter`): the templates, the
    State names and the contacts are typed with the straight one. (The Typst source holds
    no apostrophe of its own.)"""
    return text.replace("'", "\u2019") if language == "fr" else text


def _an_address(text: str) -> bool:
    """One address, `name@domain`, with nothing a header could be split on."""
    from email.utils import parseaddr

    return (
        len(text) <= 254
        and text.count("@") == 1
        and not any(c.isspace() or c in ',;<>"' for c in text)
        and parseaddr(text)[1] == text
    )


def as_drawn(log, workflow_id: str, state: str, context: dict, day: date) -> dict:
    """A chase's letter context as the letter is drawn, sent or previewed alike: the letters
    that went before without those held (the chase counts a held letter as sent; the
    letter names only those that went), and, for a State that has withdrawn, the day it
    left and the years it owes (`domain.contributions.withdrawal_facts`)."""
    from domain.contributions import withdrawal_facts
    from domain.event_types import LetterSent, typed

    before = context.get("letters_before", [])
    held = (
        {
            (p.letter, geneva_date(e.occurred_at).isoformat())
            for e in log.query(workflow_id=workflow_id)
            if isinstance(p := typed(e), LetterSent) and p.delivery == "held"
        }
        if before
        else set()
    )
    context = context | {"letters_before": [x for x in before if (x["kind"], x["date"]) not in held]}
    return context | withdrawal_facts(
        lambda: log.query(subject=state, event_type="chase.*"),
        log.query(event_type="state.recorded"),
        state,
        int(context["year"]),
        day,
    )


def lines_outstanding(context: dict[str, object], language: str) -> list[dict[str, str]]:
    """What is still outstanding on each line of the call, where the State has paid part of
    it: only where the lines (and the arrears left) make the outstanding amount to the
    centime (a payer who put more on one line than it indicated leaves no such split)."""
    from activities.localise import chf

    split: list = context.get("budget_split") or []  # type: ignore[assignment]
    if not split or Decimal(str(context.get("received", "0"))) == 0:
        return []
    rows = [
        (b["line"], Decimal(str(b["amount"])), Decimal(str(b["amount"])) - Decimal(str(b.get("received", "0"))))
        for b in split
    ]
    paid_on_lines = sum((Decimal(str(b.get("received", "0"))) for b in split), Decimal("0.00"))
    arrears_left = Decimal(str(context.get("outstanding", "0"))) - sum((o for _, _, o in rows), Decimal("0.00"))
    if any(o < 0 for _, _, o in rows) or arrears_left < 0 or paid_on_lines == 0:
        return []
    return [{"line": line, "amount": chf(due, language), "outstanding": chf(o, language)} for line, due, o in rows]


def letter_values(
    kind: str,
    state: str,
    context: dict,
    language: str,
    when: date,
    letterhead: Letterhead,
    contact: Contact | None,
    iban: str | None = None,
    contacts_name: str = "contacts.csv",
) -> dict:
    """Everything a letter's template reads, each fact written in the letter's language;
    `LetterRefused` when one cannot be filled (no postal address, nothing to pay, no named
    head of mission or no President to sign a President's letter)."""
    from activities.localise import bare, chf, long_date, of, state_name
    from domain.bank import creditor_reference, format_iban, format_reference

    if contact is None:
        raise LetterRefused(f"address missing: {state} has no row in {contacts_name}")
    if not contact.address:
        raise LetterRefused(f"address missing: the row of {state} in {contacts_name} has no postal address")
    if contact.email and not _an_address(contact.email):
        raise LetterRefused(f"the e-mail of {state} in {contacts_name} is not an address: {contact.email[:80]!r}")
    named = state_name(state, language, on=when)
    mission = _mission(state, contact, named.short, language, contacts_name)
    values = {key: chf(context[key], language) for key in MONEY if key in context}
    # The letter's place among the chase's letters; runs from before it was counted
    # number it after the letters it names as sent before.
    number = context.get("letter_number") or len(context.get("letters_before", [])) + 1
    register = "letter" if kind in PRESIDENT_LETTERS else "note"
    presiding = presiding_on(when)
    values |= {
        "language": language,
        "year": context["year"],
        "state": state,
        # `Netherlands` in a subject; `the Netherlands`, `of the Netherlands` in a sentence;
        # `of the Kingdom of the Netherlands` after "the Government".
        "state_name": bare(named.short, language),
        "the_state": named.short,
        "of_state": of(named.short, language),
        "state_formal_name": named.formal,
        "government": HOLY_SEE[language]
        if state == "VAT"
        else GOVERNMENT[language].format(of=of(named.formal, language)),
        "mission": mission,
        "to_mission": to_mission(mission, language),
        "addressee": [mission, *contact.address_in(language)],
        # The President writes under the Presidency's own reference; the ISU under its own.
        "register": register,
        "presidency": presiding.presidency_lines(language),
        "author": presiding.presidency(language) if register == "letter" else letterhead.name_in(language),
        "initials": INITIALS[language],
        "fund": FUNDS[language],
        "reference_number": f"{'CCM-PRES' if register == 'letter' else INITIALS[language]}/{context['year']}/{state}/"
        f"{number}",
        "created": when,  # the letter's date, so a re-drawn letter is the same file
        "date": long_date(when, language),
        "dated": PLACES[language].format(date=long_date(when, language)),
        "letters_sent": letters_in_words(context.get("letters_before", []), language, register, context, state),
        # The ISU's notes a President's letter recalls, each by its reference and date.
        "notes": isu_notes(context.get("letters_before", []), language, context["year"], state),
        "has_arrears": Decimal(str(context.get("arrears", "0"))) > 0,
        "has_credit": Decimal(str(context.get("credit", "0"))) > 0,
        "has_credit_carried": Decimal(str(context.get("credit_carried", "0"))) > 0,
        "membership_rule": context.get("membership_rule"),
        "budget_split": [
            {"line": b["line"], "voluntary": b["kind"] == "voluntary", "amount": chf(b["amount"], language)}
            for b in context.get("budget_split") or []
        ],
        "lines_outstanding": lines_outstanding(context, language),
        "received_any": Decimal(str(context.get("received", "0"))) > 0,
        "reference": context.get("reference", ""),
        "creditor_reference": format_reference(creditor_reference(int(context["year"]), state)),
        "signatory": letterhead.signatory("president" if register == "letter" else "director", language),
        "isu": {
            "name": letterhead.name_in(language),
            "name_lines": letterhead.name_in(language).split(", "),
            "address": list(letterhead.address_in(language)),
            "logo": str(letterhead.logo.resolve()) if letterhead.logo else "",
        },
        "payment": None,
        "vocative": "",
        # An outreach letter: why the State has not joined (the minutes' two categories),
        # and whether it has signed (then it is asked to ratify, else to accede).
        "category": context.get("category", ""),
        "signed": bool(context.get("signed")),
    }
    for key in ("msp_date", "reported_on"):
        if context.get(key):
            values[key] = long_date(str(context[key])[:10], language)
    # A State that has withdrawn is asked for its arrears only, with the day it left and the years it owes.
    values["withdrawn"] = long_date(context["withdrawn"], language) if context.get("withdrawn") else ""
    years = [str(y) for y in context.get("arrears_years") or []]
    values["arrears_years"] = ", ".join(years[:-1]) + AND[language] + years[-1] if len(years) > 1 else "".join(years)
    if kind in PAYMENT_LETTERS:
        amount = Decimal(str(context["outstanding"]))  # a credit carried in is already counted
        if amount <= 0:
            raise LetterRefused(f"nothing to ask {state} for: the amount to pay is {chf(amount, 'en')}")
    if register == "letter":  # from one person to another: no payment slip, the ISU's notes recalled
        values |= _president_writes(state, contact, mission, presiding, letterhead, language, when, contacts_name)
    elif kind in PAYMENT_LETTERS:
        # Requested by the Meeting of States Parties; once it has opened, by the year's end.
        msp = date.fromisoformat(str(context["msp_date"])[:10])
        by = msp if when < msp else date(int(context["year"]), 12, 31)
        values["payment"] = {
            "amount": values["outstanding"],
            "due": long_date(by, language),
            "iban": format_iban(iban) if iban else "",
            "creditor_reference": values["creditor_reference"],
        }
    return values


def to_mission(mission: str, language: str) -> str:
    """`to the Permanent Mission of …`, `à la Mission permanente …`, `au Ministère …`,
    `a la Misión Permanente …`, `al Ministerio …`: the preposition with the article the
    mission's name takes."""
    if language == "fr":
        feminine = mission.startswith(("Mission", "Délégation", "Ambassade"))
        return ("à la " if feminine else "au " if mission.startswith("Ministère") else "à ") + mission
    if language == "es":
        feminine = mission.startswith(("Misión", "Delegación", "Embajada"))
        return ("a la " if feminine else "al " if mission.startswith("Ministerio") else "a ") + mission
    return "to the " + mission


def _mission(state: str, contact: Contact, short_name: str, language: str, contacts_name: str) -> str:
    """The mission a letter is addressed to, in the letter's language: as the row names it,
    else composed from the State's name; a ministry in the capital must be named."""
    from activities.localise import of

    kind = contact.kind_of(state)
    if kind not in ("permanent", "observer", "capital"):
        raise LetterRefused(
            f"the row of {state} in {contacts_name} names a mission kind {kind!r}: permanent, observer or capital"
        )
    named = contact.mission_in(language)
    if named:
        return named
    if kind == "capital":
        raise LetterRefused(
            f"{state} has no mission in Geneva: the row in {contacts_name} must name the ministry its letters go to, "
            f"in {language} (mission{'' if language == 'en' else '_' + language})"
        )
    missions = OBSERVER_MISSIONS if kind == "observer" else MISSIONS
    return missions[language].format(of=of(short_name, language))


def _president_writes(
    state: str,
    contact: Contact,
    mission: str,
    presiding: TreatyMeeting,
    letterhead: Letterhead,
    language: str,
    when: date,
    contacts_name: str,
) -> dict:
    """What a President's letter adds: the head of mission by name and title, how the
    letter speaks to them, and the President's name and full title; refused where one is
    missing (a first-person letter goes from a person to a person)."""
    if why := president_problem(state, contact, language):
        raise LetterRefused(f"the President writes to a person, named in {contacts_name}: {why}")
    feminine = contact.head_form.endswith("Ms")
    defaults = DEFAULT_TITLES.get((contact.kind_of(state), language))
    title = contact.head_title_in(language) or (
        "" if contact.head_title or defaults is None else defaults[0 if feminine else 1]
    )
    if not title:
        raise LetterRefused(f"no title of the head of mission of {state} in {contacts_name} in {language}")
    name = letterhead.president_name
    if not name:
        raise LetterRefused(
            f"no President is registered to sign on {when.isoformat()} (`ccm keys register … --office president "
            "--signs-letters`): a President's letter is signed by its holder"
        )
    office = PRESIDENT_OF[language].format(meeting=presiding.name(language))
    return {
        "addressee": [
            f"{FORMS[contact.head_form][language]} {contact.head_name}",
            title,
            mission,
            *contact.address_in(language),
        ],
        "vocative": VOCATIVES[contact.head_form][language],
        # The holder's own title where the key registry gives one in the language, then the office.
        "signatory": {"name": name, "title": letterhead.registered_title("president", language), "office": office},
    }


def letters_in_words(
    letters: list[dict], language: str, register: str = "note", context: dict | None = None, state: str = ""
) -> str:
    """The letters already sent, named with their dates in the letter's language: what
    a reminder recalls and the President's letter says went before (never "three
    reminders" by rote). The ISU's note speaks of its own notes in the third person
    ("its call for contributions of …"); the President recalls them as the ISU's notes, by
    number and date ("the notes of the ISU-CCM ISU-CCM/2027/ITA/1 of 15 January 2027 and
    ISU-CCM/2027/ITA/2 of 15 June 2027")."""
    from activities.localise import long_date

    if register == "letter":
        notes = isu_notes(letters, language, (context or {}).get("year", ""), state)
        named = [f"{n['ref']}{OF_DATE[language]}{n['date']}" for n in notes]
        if not named:
            return ""
        joined = named[0] if len(named) == 1 else ", ".join(named[:-1]) + AND[language] + named[-1]
        return NOTES_OF_THE_ISU[language][len(named) > 1] + " " + joined
    call = [long_date(x["date"], language) for x in letters if x["kind"] == "call_for_contributions"]
    reminders = [long_date(x["date"], language) for x in letters if x["kind"] in REMINDERS]
    if language == "fr":
        parts = (["son appel à contributions du " + call[0]] if call else []) + (
            [("ses rappels du " if len(reminders) > 1 else "son rappel du ") + " et du ".join(reminders)]
            if reminders
            else []
        )
        return " et ".join(parts)
    if language == "es":
        parts = (["su solicitud de contribuciones del " + call[0]] if call else []) + (
            [("sus recordatorios del " if len(reminders) > 1 else "su recordatorio del ") + " y del ".join(reminders)]
            if reminders
            else []
        )
        return " y ".join(parts)
    parts = (["its call for contributions of " + call[0]] if call else []) + (
        [("its reminders of " if len(reminders) > 1 else "its reminder of ") + " and ".join(reminders)]
        if reminders
        else []
    )
    return " and ".join(parts)  # empty when none went before: the letter then recalls none


AND = {"en": " and ", "fr": " et ", "es": " y "}
OF_DATE = {"en": " of ", "fr": " du ", "es": " del "}


def isu_notes(letters: list[dict], language: str, year: object, state: str) -> list[dict[str, str]]:
    """The ISU's notes among the letters that went before, each by its reference and its
    date in `language`: what a President's letter recalls."""
    from activities.localise import long_date

    return [
        {"ref": f"{INITIALS[language]}/{year}/{state}/{x['number']}", "date": long_date(x["date"], language)}
        for x in letters
        if x["kind"] in ("call_for_contributions", *REMINDERS) and x.get("number")
    ]


NOTES_OF_THE_ISU = {
    "en": ("the note of the ISU-CCM", "the notes of the ISU-CCM"),
    "fr": ("la note de l'UAA", "les notes de l'UAA"),
    "es": ("la nota de la DAA", "las notas de la DAA"),
}
PRESIDENT_OF = {
    "en": "President of the {meeting}",
    "fr": "Président de la {meeting}",
    "es": "Presidente de la {meeting}",
}


KEY_HEADER = "X-Ccm-Event-Key"


def event_key_of(path: Path) -> str | None:
    """The idempotency key a message in the outbox was logged under (its headers only)."""
    from email.parser import BytesHeaderParser

    with path.open("rb") as f:
        return BytesHeaderParser().parse(f).get(KEY_HEADER)


def letter_file_name(reference_number: str) -> str:
    """`ISU-CCM-2027-ITA-2.pdf` for the letter ISU-CCM/2027/ITA/2."""
    return reference_number.replace("/", "-") + ".pdf"


def message_id(key: str) -> str:
    return f"<{key.replace('/', '.')}@ccm.clusterconvention.org>"


def contact_problem(contact: Contact | None) -> str:
    """Why letters to a State would be held (as `letter_values` holds them); empty when
    they would go."""
    if contact is None:
        return "no row"
    problems = [] if contact.address else ["no postal address"]
    if contact.email and not _an_address(contact.email):
        problems.append(f"the e-mail is not one address: {contact.email[:80]!r}")
    if contact.mission_kind not in ("", "permanent", "observer", "capital"):
        problems.append(f"the mission kind {contact.mission_kind[:40]!r} is not permanent, observer or capital")
    for field, text in (
        ("mission", contact.mission),
        ("mission_fr", contact.mission_fr),
        ("mission_es", contact.mission_es),
        ("address", " ".join(contact.address)),
    ):
        if why := undrawable(text):
            problems.append(f"the {field} cannot be printed: {why}")
    return "; ".join(problems)


def president_problem(state: str, contact: Contact | None, language: str = "en") -> str:
    """Why a President's letter to a State would be held for its contacts row (no head of
    mission named, no form of address, no title in the letter's language), where its notes
    would go; empty when it would go."""
    if contact is None or contact_problem(contact):
        return contact_problem(contact)
    problems = [] if contact.head_name else ["no head of mission named (head_name)"]
    for field, text in (("head_name", contact.head_name), ("head_title", contact.head_title_in(language))):
        if "\n" in text or len(text) > 200:
            problems.append(f"the {field} is not one line of at most 200 characters")
        elif why := undrawable(text):
            problems.append(f"the {field} cannot be printed: {why}")
    if contact.head_name and contact.head_form not in FORMS:
        problems.append(f"the form of address {contact.head_form!r} is not one of {', '.join(FORMS)}")
    if contact.head_title and not contact.head_title_in(language):
        problems.append(f"no title of the head of mission in {language} (head_title_{language})")
    if contact.kind_of(state) == "capital" and not contact.mission_in(language):
        problems.append(f"no ministry named in {language}")
    return "; ".join(problems)


def languages_of(contacts: dict[str, Contact]) -> dict[str, str]:
    """alpha-3 -> the language a State's letters are written in, where its row names one
    ccm writes (a row naming another is listed by `ccm letters contacts --missing`)."""
    from activities.localise import LANGUAGES

    return {state: c.language for state, c in contacts.items() if c.language in LANGUAGES}


def load_contacts(path: Path) -> dict[str, Contact]:
    """Rows of `state,email,mission,address,language` (address lines separated by `|` or
    line breaks; language en, fr or es), with `mission_fr` and `mission_es` where the
    mission's own name in those languages is known, `mission_kind` (permanent, observer or
    capital), `address_fr` and `address_es` where the address is written otherwise in
    those languages, and the head of mission the President writes to: `head_name`,
    `head_form` (H.E. Ms, H.E. Mr, Ms, Mr), `head_title` (and `head_title_fr`,
    `head_title_es`). A file of only `state,email`, as before letters were on paper, still
    reads."""
    if not path.exists():
        return {}
    contacts = {}
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            state = (row.get("state") or "").strip().upper()
            if not state:
                continue
            contacts[state] = Contact(
                email=(row.get("email") or "").strip(),
                mission=(row.get("mission") or "").strip(),
                address=_lines(row.get("address")),
                language=(row.get("language") or "").strip().lower(),
                mission_fr=(row.get("mission_fr") or "").strip(),
                mission_es=(row.get("mission_es") or "").strip(),
                mission_kind=(row.get("mission_kind") or "").strip().lower(),
                address_fr=_lines(row.get("address_fr")),
                address_es=_lines(row.get("address_es")),
                head_name=(row.get("head_name") or "").strip(),
                head_form=(row.get("head_form") or "").strip(),
                head_title=(row.get("head_title") or "").strip(),
                head_title_fr=(row.get("head_title_fr") or "").strip(),
                head_title_es=(row.get("head_title_es") or "").strip(),
            )
    return contacts


def _lines(text: str | None) -> tuple[str, ...]:
    """An address's lines, separated by `|` or line breaks."""
    lines = (text or "").replace("\r", "").replace("|", "\n").split("\n")
    return tuple(line.strip() for line in lines if line.strip())


@dataclass
class SmtpSettings:
    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False


class Mailbox:
    def __init__(self, home: Path, sender: str, smtp: SmtpSettings | None = None):
        self.outbox = home / "outbox"
        self.sent = home / "sent"
        self.sender = sender
        self.smtp = smtp
        for box in (self.outbox, self.sent):
            for sub in ("new", "cur", "tmp"):
                (box / sub).mkdir(parents=True, exist_ok=True)

    def compose(
        self,
        key: str,
        to: list[str],
        subject: str,
        body: str,
        when: datetime,
        attachments: list[tuple[str, str, bytes]] = (),
    ) -> EmailMessage:
        """A message; attachments are (file name, MIME type with parameters, content)."""
        msg = EmailMessage(policy=_POLICY)
        msg["Message-ID"] = message_id(key)
        msg[KEY_HEADER] = key  # the event that logged it: the outbox finds its row by key
        msg["Date"] = format_datetime(when)
        msg["From"] = self.sender
        if to:
            msg["To"] = ", ".join(to)
        msg["Subject"] = subject
        msg.set_content(body)
        for filename, mime, data in attachments:
            kind, _, params = mime.partition(";")
            maintype, subtype = kind.strip().split("/")
            extra = dict(p.strip().split("=", 1) for p in params.split(";") if "=" in p)
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename, params=extra)
        if attachments:
            # The parts' boundary named from the key: a retry writes the same bytes, and the
            # writer need not search the whole message for a random one (0.6 ms a letter).
            # "=_" cannot occur in base64 or quoted-printable text; a body or a part that
            # holds the boundary itself keeps a random one.
            boundary = f"=_ccm_{hashlib.sha256(key.encode()).hexdigest()[:32]}"
            if boundary not in body and not any(boundary.encode() in data for _, _, data in attachments):
                msg.set_boundary(boundary)
        return msg

    def _file_name(self, msg: EmailMessage) -> str:
        return msg["Message-ID"].strip("<>")

    def put_in_outbox(self, msg: EmailMessage, pdf: bytes | None = None) -> Path:
        """The message into `new/`; a letter's PDF beside it, in `letters/` under the
        message's name. Each file is written whole, then renamed: a reader never sees
        half a letter, and a retry rewrites the same files."""
        name = self._file_name(msg)
        if pdf is not None:
            (self.outbox / "letters").mkdir(exist_ok=True)
            tmp = self.outbox / "tmp" / f"{name}.pdf"
            tmp.write_bytes(pdf)
            os.replace(tmp, self.outbox / "letters" / f"{name}.pdf")
        tmp = self.outbox / "tmp" / name
        tmp.write_bytes(bytes(msg))
        final = self.outbox / "new" / name
        os.replace(tmp, final)
        return final

    def letter_pdf(self, name: str) -> Path | None:
        """The PDF of the message `name`, in the outbox or, once sent, in `sent/`."""
        for box in (self.outbox, self.sent):
            if (path := box / "letters" / f"{name}.pdf").exists():
                return path
        return None

    def read_outbox(self, name: str) -> EmailMessage:
        import email

        path = self.outbox / "new" / name
        if not path.exists():
            from temporalio.exceptions import ApplicationError

            raise ApplicationError(f"{path} is not in the outbox", non_retryable=True)
        return email.message_from_bytes(path.read_bytes(), policy=_POLICY)

    async def send(self, msg: EmailMessage) -> None:
        import aiosmtplib

        assert self.smtp is not None
        await aiosmtplib.send(
            msg,
            hostname=self.smtp.host,
            port=self.smtp.port,
            username=self.smtp.username,
            password=self.smtp.password,
            start_tls=self.smtp.starttls,
            timeout=30,
        )
        name = self._file_name(msg)
        os.replace(self.outbox / "new" / name, self.sent / "new" / name)
        if (pdf := self.outbox / "letters" / f"{name}.pdf").exists():
            (self.sent / "letters").mkdir(exist_ok=True)
            os.replace(pdf, self.sent / "letters" / f"{name}.pdf")
