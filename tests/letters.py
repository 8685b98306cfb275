"""Letters as a State receives them: the contacts file the ISU keeps, and the PDF
attached to each message read back with poppler's `pdftotext`."""

from __future__ import annotations

import csv
import email
import email.policy
import subprocess
from email.message import EmailMessage
from pathlib import Path

from domain.states import name_of, registry


def write_contacts(
    path: Path,
    emails: dict[str, str] | None = None,
    states: list[str] | None = None,
    languages: dict[str, str] | None = None,
) -> Path:
    """A contacts file with a Permanent Mission, postal address and head of mission for
    every State of the registry (or `states`), and the e-mail addresses and languages given."""
    emails, languages = emails or {}, languages or {}
    chosen = states or [s.alpha3 for s in registry()]
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["state", "email", "mission", "address", "language", "head_name", "head_form"])
        for code in chosen:
            name = name_of(code)  # a State not party too: the President writes to target States
            out.writerow(
                [
                    code,
                    emails.get(code, ""),
                    f"Permanent Mission of {name} to the United Nations Office",
                    f"Rue de la Mission {len(name)} | 1211 Geneva, Switzerland",
                    languages.get(code, ""),
                    "Alex Morgan",  # a stand-in head of mission: the President writes to a person
                    "H.E. Ms",
                ]
            )
    return path


def read_message(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def pdf_of(message: EmailMessage) -> bytes:
    """The letter attached to a message (its only PDF)."""
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(parts) == 1, f"{message['Subject']!r} carries {len(parts)} PDFs"
    return parts[0].get_content()


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as `pdftotext` reads it, lines joined by single spaces."""
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return " ".join(text.split())
