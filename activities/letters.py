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
