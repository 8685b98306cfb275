"""Letters: PDF on letterhead from HTML templates, kept in a Maildir outbox, sent by SMTP.

A letter to a State is a PDF (WeasyPrint) attached to a short plain-text cover note;
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

from activities.templating import templates

# Long subjects stay on one line (RFC 5322 allows 998 characters): Python's folding of a
# long first word can leave a leading space in the header as read back.
_POLICY = email.policy.default.clone(max_line_length=998)


REMINDERS = {"second_reminder", "pre_msp_reminder", "reported_not_received"}
PAYMENT_LETTERS = {"call_for_contributions", *REMINDERS, "president_letter"}
LETTER_KINDS = ("call_for_contributions", "second_reminder", "pre_msp_reminder", "reported_not_received",
                "president_letter", "thank_you")
# Titles of the offices that sign, in each language, unless settings give one.
TITLES = {
    "president": {"en": "President of the Meeting of States Parties",
                  "fr": "Président de l'Assemblée des États parties",
                  "es": "Presidente de la Reunión de los Estados Partes"},
    "director": {"en": "Director, Implementation Support Unit",
                 "fr": "Direction de l'Unité d'appui à l'application",
                 "es": "Dirección de la Unidad de Apoyo a la Implementación"},
}
PLACES = {"en": "Geneva, {date}", "fr": "Genève, le {date}", "es": "Ginebra, {date}"}
PRESIDENCY = {"en": "Presidency of the Convention on Cluster Munitions",
              "fr": "Présidence de la Convention sur les armes à sous-munitions",
              "es": "Presidencia de la Convención sobre Municiones en Racimo"}
MISSIONS = {"en": "Permanent Mission of {state}", "fr": "Mission permanente ({state})",
            "es": "Misión Permanente ({state})"}
MONEY = ("amount_due", "arrears", "credit_carried", "total_due", "received", "outstanding", "credit")


class LetterRefused(ValueError):
    """A letter whose facts cannot all be filled: it is not sent, and this says why."""


@dataclass(frozen=True)
class Contact:
    """Where letters to a State go: its Permanent Mission's name, postal address and
    e-mail (a row of `contacts.csv`)."""

    email: str = ""
    mission: str = ""
    address: tuple[str, ...] = ()
    language: str = ""  # en, fr or es: the language of every letter to the State; empty: ccm's default


@dataclass(frozen=True)
class Letterhead:
    """Who writes: the ISU's name and address, its logo, and who signs for each office."""

    name: str = "Implementation Support Unit, Convention on Cluster Munitions"
    address: tuple[str, ...] = ("Maison de la Paix, Chemin Eugène-Rigot 2C", "1202 Geneva, Switzerland")
    logo: Path | None = None
    president_name: str = ""
    president_title: str = ""
    director_name: str = ""
    director_title: str = ""

    def signatory(self, office: str, language: str) -> dict[str, str]:
        name, title = ((self.president_name, self.president_title) if office == "president"
                       else (self.director_name, self.director_title))
        return {"name": name, "title": title or TITLES[office][language]}

    def held_on(self, ring, day: date) -> Letterhead:
        """This letterhead signed by the office-holders the key registry names for `day`
        (`ccm keys register --signs-letters`); the settings' names where it names none."""
        if ring is None:
            return self
        changes = {}
        for office, prefix in (("president", "president"), ("isu", "director")):
            holder = ring.holder_on(office, day)
            if holder is not None:
                changes |= {f"{prefix}_name": holder.holder, f"{prefix}_title": holder.title}
        return replace(self, **changes) if changes else self


@dataclass(frozen=True)
class RenderedLetter:
    subject: str
    cover: str  # the e-mail's plain-text body
    html: str
    reference_number: str

    def pdf(self) -> bytes:
        return html_to_pdf(self.html)


_FONTS = threading.local()


def html_to_pdf(html: str) -> bytes:
    """A letter's HTML as PDF (WeasyPrint, drawn with Pango): about 0.06 s of CPU, so the
    worker runs it in processes of its own (`CCM_PDF_PROCESSES`). One font configuration
    per thread, kept: a new one for each letter was slower and never freed (measured, 200
    letters: 0.077 s each and 77 → 136 MiB, against 0.057 s and 76 → 83 MiB)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    if not hasattr(_FONTS, "config"):
        _FONTS.config = FontConfiguration()
    # An archival record: PDF/A-2b, tagged for screen readers, fonts embedded (WeasyPrint
    # embeds every font it draws with), with the title, author, subject, language and date
    # the template's <head> gives.
    return HTML(string=html).write_pdf(font_config=_FONTS.config, pdf_variant="pdf/a-2b", pdf_tags=True)


def exit_with_parent(parent: int) -> None:
    """In a drawing process: end when the worker that started it is gone (killed, it
    cannot say so; the process would otherwise live on, holding its memory)."""
    import time

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def render_letter(kind: str, language: str, values: dict) -> RenderedLetter:
    """Subject, cover note and HTML of a letter from its template's blocks."""
    template = templates.get_template(f"letters/{language}/{kind}.html")
    subject = "".join(template.blocks["subject"](template.new_context(values))).strip()
    html = template.render(**values)
    cover = templates.get_template(f"letters/{language}/_cover.txt").render(**values, subject=subject)
    return RenderedLetter(subject=subject, cover=cover, html=html, reference_number=values["reference_number"])


def _an_address(text: str) -> bool:
    """One address, `name@domain`, with nothing a header could be split on."""
    from email.utils import parseaddr

    return (len(text) <= 254 and text.count("@") == 1 and not any(c.isspace() or c in ",;<>\"" for c in text)
            and parseaddr(text)[1] == text)


def letter_values(kind: str, state: str, context: dict, language: str, when: date, letterhead: Letterhead,
                  contact: Contact | None, iban: str | None = None, contacts_name: str = "contacts.csv") -> dict:
    """Everything a letter's template reads, each fact written in the letter's language;
    `LetterRefused` when one cannot be filled (no postal address, nothing to pay)."""
    from activities.localise import chf, long_date, state_names
    from domain.bank import creditor_reference, format_iban, format_reference
    from domain.states import name_of

    if contact is None:
        raise LetterRefused(f"address missing: {state} has no row in {contacts_name}")
    if not contact.address:
        raise LetterRefused(f"address missing: the row of {state} in {contacts_name} has no postal address")
    if contact.email and not _an_address(contact.email):
        raise LetterRefused(f"the e-mail of {state} in {contacts_name} is not an address: {contact.email[:80]!r}")
    name, formal = state_names(state, language, name_of(state), on=when)
    mission = contact.mission or MISSIONS[language].format(state=name)
    values = {key: chf(context[key], language) for key in MONEY if key in context}
    # The letter's place among the chase's letters; runs from before it was counted
    # number it after the letters it names as sent before.
    number = context.get("letter_number") or len(context.get("letters_before", [])) + 1
    values |= {
        "language": language, "year": context["year"], "state": state,
        "state_name": name, "state_formal_name": formal, "mission": mission,
        "addressee": [mission, *contact.address],
        # The President writes under the Presidency's own reference; the ISU under its own.
        "register": "letter" if kind == "president_letter" else "note", "presidency": PRESIDENCY[language],
        "reference_number": f"{'CCM-PRES' if kind == 'president_letter' else 'ISU-CCM'}/{context['year']}/{state}/"
                            f"{number}",
        "created": f"{when.isoformat()}T08:00:00Z",  # the letter's date, so a re-drawn letter is the same file
        "date": long_date(when, language), "dated": PLACES[language].format(date=long_date(when, language)),
        "letters_sent": letters_in_words(context.get("letters_before", []), language,
                                         "letter" if kind == "president_letter" else "note"),
        "has_arrears": Decimal(str(context.get("arrears", "0"))) > 0,
        "has_credit": Decimal(str(context.get("credit", "0"))) > 0,
        "has_credit_carried": Decimal(str(context.get("credit_carried", "0"))) > 0,
        "membership_rule": context.get("membership_rule"),
        "budget_split": [{"line": b["line"], "voluntary": b["kind"] == "voluntary",
                          "amount": chf(b["amount"], language)} for b in context.get("budget_split") or []],
        "received_any": Decimal(str(context.get("received", "0"))) > 0,
        "reference": context.get("reference", ""),
        "creditor_reference": format_reference(creditor_reference(int(context["year"]), state)),
        "signatory": letterhead.signatory("president" if kind == "president_letter" else "director", language),
        "isu": {"name": letterhead.name, "address": list(letterhead.address),
                "logo": letterhead.logo.resolve().as_uri() if letterhead.logo else ""},
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
        values["payment"] = {"amount": chf(amount, language), "due": long_date(due, language),
                             "iban": format_iban(iban) if iban else "",
                             "creditor_reference": values["creditor_reference"]}
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
        first = "l'appel à contributions de l'ISU-CCM du " if president else "son appel à contributions du "
        parts = ([first + call[0]] if call else []) + (
            [("ses rappels du " if len(reminders) > 1 else "son rappel du ") + " et du ".join(reminders)]
            if reminders else [])
        return " et ".join(parts)
    if language == "es":
        first = ("la solicitud de contribuciones de la ISU-CCM del " if president
                 else "su solicitud de contribuciones del ")
        parts = ([first + call[0]] if call else []) + (
            [("sus recordatorios del " if len(reminders) > 1 else "su recordatorio del ") + " y del ".join(reminders)]
            if reminders else [])
        return " y ".join(parts)
    first = "the ISU-CCM's call for contributions of " if president else "its call for contributions of "
    parts = ([first + call[0]] if call else []) + (
        [("its reminders of " if len(reminders) > 1 else "its reminder of ") + " and ".join(reminders)]
        if reminders else [])
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
    return "; ".join(problems)


def languages_of(contacts: dict[str, Contact]) -> dict[str, str]:
    """alpha-3 -> the language a State's letters are written in, where its row names one
    ccm writes (a row naming another is listed by `ccm letters contacts --missing`)."""
    from activities.localise import LANGUAGES

    return {state: c.language for state, c in contacts.items() if c.language in LANGUAGES}


def load_contacts(path: Path) -> dict[str, Contact]:
    """Rows of `state,email,mission,address,language` (address lines separated by `|` or
    line breaks; language en, fr or es); a file of only `state,email`, as before letters
    were on paper, still reads."""
    if not path.exists():
        return {}
    contacts = {}
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            state = (row.get("state") or "").strip().upper()
            if not state:
                continue
            lines = (row.get("address") or "").replace("\r", "").replace("|", "\n").split("\n")
            contacts[state] = Contact(email=(row.get("email") or "").strip(),
                                      mission=(row.get("mission") or "").strip(),
                                      address=tuple(line.strip() for line in lines if line.strip()),
                                      language=(row.get("language") or "").strip().lower())
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

    def compose(self, key: str, to: list[str], subject: str, body: str, when: datetime,
                attachments: list[tuple[str, str, bytes]] = ()) -> EmailMessage:
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
