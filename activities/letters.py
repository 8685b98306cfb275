"""Letters: rendered from Jinja2 templates, kept in a Maildir outbox, sent by SMTP.

The outbox is a Maildir (`outbox/new/` holds letters not yet sent); a letter sent by
SMTP moves to `sent/new/`. File names and Message-IDs derive from the letter's
idempotency key, so a retried activity rewrites the same file instead of adding one.
"""

from __future__ import annotations

import csv
import email.policy
import os
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from activities.templating import templates

# Long subjects stay on one line (RFC 5322 allows 998 characters): Python's folding of a
# long first word can leave a leading space in the header as read back.
_POLICY = email.policy.default.clone(max_line_length=998)



def render_letter(kind: str, language: str, context: dict) -> tuple[str, str]:
    """(subject, body) of a letter; the template's first line is `Subject: …`."""
    text = templates.get_template(f"letters/{language}/{kind}.txt").render(**context)
    first, _, body = text.partition("\n")
    return first.removeprefix("Subject:").strip(), body.lstrip("\n")


MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"],
}
REMINDERS = {"second_reminder", "pre_msp_reminder", "reported_not_received"}


def date_in_words(day: str, language: str) -> str:
    """`15 June 2027`, `1er juin 2027`, `15 de junio de 2027` (written out, never strftime)."""
    from datetime import date

    d = date.fromisoformat(day)
    month = MONTHS[language][d.month - 1]
    if language == "fr":
        return f"{'1er' if d.day == 1 else d.day} {month} {d.year}"
    if language == "es":
        return f"{d.day} de {month} de {d.year}"
    return f"{d.day} {month} {d.year}"


def letters_in_words(letters: list[dict], language: str) -> str:
    """The letters already sent, named with their dates, in the letter's language: what
    the President's letter says went before (never "three reminders" by rote)."""
    call = [date_in_words(x["date"], language) for x in letters if x["kind"] == "call_for_contributions"]
    reminders = [date_in_words(x["date"], language) for x in letters if x["kind"] in REMINDERS]
    if language == "fr":
        parts = ([f"notre appel à contributions du {call[0]}"] if call else []) + (
            [("nos rappels du " if len(reminders) > 1 else "notre rappel du ") + " et du ".join(reminders)]
            if reminders else [])
        return " et ".join(parts) or "nos lettres"
    if language == "es":
        parts = ([f"nuestra solicitud de contribuciones del {call[0]}"] if call else []) + (
            [("nuestros recordatorios del " if len(reminders) > 1 else "nuestro recordatorio del ")
             + " y del ".join(reminders)] if reminders else [])
        return " y ".join(parts) or "nuestras cartas"
    parts = ([f"our call for contributions of {call[0]}"] if call else []) + (
        [("our reminders of " if len(reminders) > 1 else "our reminder of ") + " and ".join(reminders)]
        if reminders else [])
    return " and ".join(parts) or "our letters"


KEY_HEADER = "X-Ccm-Event-Key"


def event_key_of(path: Path) -> str | None:
    """The idempotency key a message in the outbox was logged under (its headers only)."""
    from email.parser import BytesHeaderParser

    with path.open("rb") as f:
        return BytesHeaderParser().parse(f).get(KEY_HEADER)


def message_id(key: str) -> str:
    return f"<{key.replace('/', '.')}@ccm.clusterconvention.org>"


def load_contacts(path: Path) -> dict[str, str]:
    """`state,email` rows: the address letters to each State go to."""
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as f:
        return {row["state"].strip().upper(): row["email"].strip() for row in csv.DictReader(f) if row.get("email")}


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

    def put_in_outbox(self, msg: EmailMessage) -> Path:
        name = self._file_name(msg)
        tmp = self.outbox / "tmp" / name
        tmp.write_bytes(bytes(msg))
        final = self.outbox / "new" / name
        os.replace(tmp, final)  # atomic: a reader never sees half a letter
        return final

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
