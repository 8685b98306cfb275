"""Letters: PDF on letterhead from Typst templates, kept in a Maildir outbox, sent by SMTP.

A letter to a State is a PDF (Typst, PDF/A-2b and PDF/UA-1) attached to a short plain-text cover note;
the PDF also sits in `outbox/letters/`. The outbox is a Maildir (`outbox/new/` holds
messages not yet sent); a message sent by SMTP moves to `sent/new/`. File names and
Message-IDs derive from the letter's idempotency key, so a retried activity rewrites
the same files instead of adding some.
"""

from __future__ import annotations

import csv
import email.policy
import os
import threading
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from activities.templating import letter_templates, plain_templates, templates

# Long subjects stay on one line (RFC 5322 allows 998 characters): Python's folding of a
# long first word can leave a leading space in the header as read back.
_POLICY = email.policy.default.clone(max_line_length=998)


REMINDERS = {"second_reminder", "pre_msp_reminder", "reported_not_received"}
PAYMENT_LETTERS = {"call_for_contributions", *REMINDERS, "president_letter"}
LETTER_KINDS = (
    "call_for_contributions",
    "second_reminder",
    "pre_msp_reminder",
    "reported_not_received",
    "president_letter",
    "thank_you",
)
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
PRESIDENCY = {
    "en": "Presidency of the Convention on Cluster Munitions",
    "fr": "Présidence de la Convention sur les armes à sous-munitions",
    "es": "Presidencia de la Convención sobre Municiones en Racimo",
}
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
    """Where letters to a State go: its Permanent Mission's name (in English, and in
    French and Spanish where the row gives them), postal address and e-mail (a row of
    `contacts.csv`)."""

    email: str = ""
    mission: str = ""
    address: tuple[str, ...] = ()
    language: str = ""  # en, fr or es: the language of every letter to the State; empty: ccm's default
    mission_fr: str = ""
    mission_es: str = ""

    def mission_in(self, language: str) -> str:
        return {"en": self.mission, "fr": self.mission_fr, "es": self.mission_es}.get(language, "")


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

    def signatory(self, office: str, language: str) -> dict[str, str]:
        name, title, titles = (
            (self.president_name, self.president_title, self.president_titles)
            if office == "president"
            else (self.director_name, self.director_title, self.director_titles)
        )
        in_language = dict(titles).get(language) or (title if language == "en" else "")
        return {"name": name, "title": in_language or TITLES[office][language]}

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
    subject = "".join(plain.blocks["subject"](plain.new_context(values))).strip()
    source = letter_templates.get_template(name).render(**values)
    cover = templates.get_template(f"letters/{language}/_cover.txt").render(**values, subject=subject)
    return RenderedLetter(subject=subject, cover=cover, source=source, reference_number=values["reference_number"])


def _an_address(text: str) -> bool:
    """One address, `name@domain`, with nothing a header could be split on."""
    from email.utils import parseaddr

    return (
        len(text) <= 254
        and text.count("@") == 1
        and not any(c.isspace() or c in ',;<>"' for c in text)
        and parseaddr(text)[1] == text
    )


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
    `LetterRefused` when one cannot be filled (no postal address, nothing to pay)."""
    from activities.localise import bare, chf, long_date, of, state_name
    from domain.bank import creditor_reference, format_iban, format_reference

    if contact is None:
        raise LetterRefused(f"address missing: {state} has no row in {contacts_name}")
    if not contact.address:
        raise LetterRefused(f"address missing: the row of {state} in {contacts_name} has no postal address")
    if contact.email and not _an_address(contact.email):
        raise LetterRefused(f"the e-mail of {state} in {contacts_name} is not an address: {contact.email[:80]!r}")
    named = state_name(state, language, on=when)
    missions = OBSERVER_MISSIONS if state in OBSERVER_STATES else MISSIONS
    mission = contact.mission_in(language) or missions[language].format(of=of(named.short, language))
    values = {key: chf(context[key], language) for key in MONEY if key in context}
    # The letter's place among the chase's letters; runs from before it was counted
    # number it after the letters it names as sent before.
    number = context.get("letter_number") or len(context.get("letters_before", [])) + 1
    register = "letter" if kind == "president_letter" else "note"
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
        "of_government": of(named.formal, language),
        "mission": mission,
        "addressee": [mission, *contact.address],
        # The President writes under the Presidency's own reference; the ISU under its own.
        "register": register,
        "presidency": PRESIDENCY[language],
        "author": PRESIDENCY[language] if register == "letter" else letterhead.name_in(language),
        "initials": INITIALS[language],
        "fund": FUNDS[language],
        "reference_number": f"{'CCM-PRES' if kind == 'president_letter' else 'ISU-CCM'}/{context['year']}/{state}/"
        f"{number}",
        "created": when,  # the letter's date, so a re-drawn letter is the same file
        "date": long_date(when, language),
        "dated": PLACES[language].format(date=long_date(when, language)),
        "letters_sent": letters_in_words(context.get("letters_before", []), language, register),
        "has_arrears": Decimal(str(context.get("arrears", "0"))) > 0,
        "has_credit": Decimal(str(context.get("credit", "0"))) > 0,
        "has_credit_carried": Decimal(str(context.get("credit_carried", "0"))) > 0,
        "membership_rule": context.get("membership_rule"),
        "budget_split": [
            {"line": b["line"], "voluntary": b["kind"] == "voluntary", "amount": chf(b["amount"], language)}
            for b in context.get("budget_split") or []
        ],
        "received_any": Decimal(str(context.get("received", "0"))) > 0,
        "reference": context.get("reference", ""),
        "creditor_reference": format_reference(creditor_reference(int(context["year"]), state)),
        "signatory": letterhead.signatory("president" if kind == "president_letter" else "director", language),
        "isu": {
            "name": letterhead.name_in(language),
            "address": list(letterhead.address_in(language)),
            "logo": str(letterhead.logo.resolve()) if letterhead.logo else "",
        },
        "payment": None,
    }
    for key in ("msp_date", "reported_on"):
        if context.get(key):
            values[key] = long_date(str(context[key])[:10], language)
    if kind in PAYMENT_LETTERS:
        amount = Decimal(str(context["outstanding"]))  # a credit carried in is already counted
        if amount <= 0:
            raise LetterRefused(f"nothing to ask {state} for: the amount to pay is {chf(amount, 'en')}")
        # Due by the Meeting of States Parties; once it has opened, by the year's end.
        msp = date.fromisoformat(str(context["msp_date"])[:10])
        due = msp if when < msp else date(int(context["year"]), 12, 31)
        values["payment"] = {
            "amount": chf(amount, language),
            "due": long_date(due, language),
            "iban": format_iban(iban) if iban else "",
            "creditor_reference": values["creditor_reference"],
        }
    return values


def letters_in_words(letters: list[dict], language: str, register: str = "note") -> str:
    """The letters already sent, named with their dates in the letter's language: what
    a reminder recalls and the President's letter says went before (never "three
    reminders" by rote). The ISU's note speaks of its own notes in the third person
    ("its call for contributions of …"); the President recalls them as the ISU's, not as
    his own ("the ISU-CCM's call for contributions of …")."""
    from activities.localise import long_date

    call = [long_date(x["date"], language) for x in letters if x["kind"] == "call_for_contributions"]
    reminders = [long_date(x["date"], language) for x in letters if x["kind"] in REMINDERS]
    president = register == "letter"
    if language == "fr":
        first = "l'appel à contributions de l'UAA du " if president else "son appel à contributions du "
        parts = ([first + call[0]] if call else []) + (
            [("ses rappels du " if len(reminders) > 1 else "son rappel du ") + " et du ".join(reminders)]
            if reminders
            else []
        )
        return " et ".join(parts)
    if language == "es":
        first = "la solicitud de contribuciones de la DAA del " if president else "su solicitud de contribuciones del "
        parts = ([first + call[0]] if call else []) + (
            [("sus recordatorios del " if len(reminders) > 1 else "su recordatorio del ") + " y del ".join(reminders)]
            if reminders
            else []
        )
        return " y ".join(parts)
    first = "the ISU-CCM's call for contributions of " if president else "its call for contributions of "
    parts = ([first + call[0]] if call else []) + (
        [("its reminders of " if len(reminders) > 1 else "its reminder of ") + " and ".join(reminders)]
        if reminders
        else []
    )
    return " and ".join(parts)  # empty when none went before: the letter then recalls none


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
    for field, text in (
        ("mission", contact.mission),
        ("mission_fr", contact.mission_fr),
        ("mission_es", contact.mission_es),
        ("address", " ".join(contact.address)),
    ):
        if why := undrawable(text):
            problems.append(f"the {field} cannot be printed: {why}")
    return "; ".join(problems)


def languages_of(contacts: dict[str, Contact]) -> dict[str, str]:
    """alpha-3 -> the language a State's letters are written in, where its row names one
    ccm writes (a row naming another is listed by `ccm letters contacts --missing`)."""
    from activities.localise import LANGUAGES

    return {state: c.language for state, c in contacts.items() if c.language in LANGUAGES}


def load_contacts(path: Path) -> dict[str, Contact]:
    """Rows of `state,email,mission,address,language` (address lines separated by `|` or
    line breaks; language en, fr or es), with `mission_fr` and `mission_es` where the
    mission's own name in those languages is known; a file of only `state,email`, as
    before letters were on paper, still reads."""
    if not path.exists():
        return {}
    contacts = {}
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            state = (row.get("state") or "").strip().upper()
            if not state:
                continue
            lines = (row.get("address") or "").replace("\r", "").replace("|", "\n").split("\n")
            contacts[state] = Contact(
                email=(row.get("email") or "").strip(),
                mission=(row.get("mission") or "").strip(),
                address=tuple(line.strip() for line in lines if line.strip()),
                language=(row.get("language") or "").strip().lower(),
                mission_fr=(row.get("mission_fr") or "").strip(),
                mission_es=(row.get("mission_es") or "").strip(),
            )
    return contacts


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
