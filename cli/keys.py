"""`ccm keys …`: the Ed25519 keys with which people sign what they do as an office, and
the registry of them that administrators keep in the event log.

Private keys live in the user's config directory (`ccm keys path`), one PEM file each,
mode 0600, encrypted when a passphrase is given (`CCM_KEY_PASSPHRASE` when signing).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import click

from cli.client import as_option
from cli.common import DATE, STATE, emit, output_option, settings
from domain.clock import geneva_today
from services.keystore import keys_dir, load_private

KEY_EVENTS = ("key.registered", "key.revoked")


def admin_key(path: Path | None):
    """An administrator's private key, which must be one of CCM_ADMIN_KEYS."""
    from domain.signatures import fingerprint, public_bytes

    if path is None:
        raise click.UsageError("an administrator signs this: --admin-key FILE")
    key = load_private(path)
    fp = fingerprint(public_bytes(key))
    if fp not in settings().admin_keyring:
        raise click.ClickException(f"{fp} is not an administrator's key (CCM_ADMIN_KEYS)")
    return key, fp


def registry_events(log):
    from domain.signatures import REGISTRY_ID

    return [ev for ev in log.query(workflow_id=REGISTRY_ID) if ev.event_type in KEY_EVENTS]


def append_statement(event_type: str, subject: str, payload: dict, key: str, acting, admin) -> None:
    """Hand an administrator's statement on a key to the worker, which checks the
    administrator's signature on it and on the command (signed with `admin`, the
    administrator's own key: never a key of this machine the registry may not know yet)."""
    from cli.client import record
    from services.keystore import key_statement_event

    command = "register_key" if event_type == "key.registered" else "revoke_key"
    record(command, [key_statement_event(event_type, subject, payload, key, acting)], acting, key=admin)


@click.group()
def keys():
    """Keys that sign commands, and who holds which office when."""


@keys.command("new")
@click.option("--as", "holder", required=True, metavar="PERSON@OFFICE", help="who will hold the key, for which office")
@click.option("--passphrase", is_flag=True, help="protect the key file with a passphrase (asked twice)")
def new(holder, passphrase):
    """Make an Ed25519 key pair; print the public key's fingerprint and file."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    from domain.offices import parse_actor
    from domain.process import Refusal
    from domain.signatures import b64, fingerprint, public_bytes

    try:
        acting = parse_actor(holder, "")
    except Refusal as e:
        raise click.BadParameter(str(e), param_hint="--as") from None
    if not acting.actor or not acting.office:
        raise click.BadParameter("give the person and the office: NAME@OFFICE", param_hint="--as")
    secret = click.prompt("Passphrase", hide_input=True, confirmation_prompt=True).encode() if passphrase else None
    key = Ed25519PrivateKey.generate()
    raw = public_bytes(key)
    fp = fingerprint(raw)
    folder = keys_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = fp.removeprefix("SHA256:").replace("/", "_").replace("+", "-")[:16]
    pem = folder / f"{name}.pem"
    encryption = BestAvailableEncryption(secret) if secret else NoEncryption()
    fd = os.open(pem, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, not even briefly
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption))
    (folder / f"{name}.json").write_text(
        json.dumps(
            {"holder": acting.actor, "office": acting.office, "fingerprint": fp, "public_key": b64(raw)}, indent=2
        )
    )
    click.echo(f"{fp}  {acting.actor}@{acting.office}  {pem}")
    click.echo(f"public key (for `ccm keys register` or CCM_ADMIN_KEYS): {b64(raw)}")


def public_key_of(file: Path) -> tuple[bytes, str]:
    """(raw public key, holder) from a key's .json (as `keys new` writes it) or its .pem."""
    from domain.process import Refusal
    from domain.signatures import public_bytes, unb64

    if file.suffix == ".json" or file.with_suffix(".json").exists():
        try:
            meta = json.loads(file.with_suffix(".json").read_text(encoding="utf-8"))
            raw = unb64(meta["public_key"])
        except (OSError, ValueError, KeyError, TypeError, Refusal):
            raise click.ClickException(f"{file} is not a key `ccm keys new` made (its .json or .pem)") from None
        if len(raw) != 32:
            raise click.ClickException(f"{file} does not hold an Ed25519 public key")
        return raw, str(meta.get("holder", ""))
    return public_bytes(load_private(file)), ""


@keys.command("register")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--office", required=True, help="the office the key speaks for")
@click.option("--from", "valid_from", type=DATE, required=True, help="first day it speaks for the office")
@click.option("--until", "valid_until", type=DATE, required=True, help="last day")
@click.option("--holder", help="who holds it (default: as `keys new` recorded it)")
@click.option(
    "--title",
    default="",
    help="the holder's full title, as letters print it: 'Ambassador, Permanent "
    "Representative of Germany; President of the Seventh Meeting of States Parties'",
)
@click.option(
    "--title-fr",
    default="",
    help="the title as French letters print it (agreeing with the holder: "
    "'Présidente de la Onzième Assemblée des États parties')",
)
@click.option("--title-es", default="", help="the title as Spanish letters print it ('Presidenta de …')")
@click.option(
    "--presidency-of",
    type=STATE,
    help="for --office president: the State holding the Presidency in this "
    "term (meetings are numbered within it: 'the second meeting under the Presidency of Germany')",
)
@click.option(
    "--signs-letters",
    is_flag=True,
    help="the holder signs the office's letters on these days "
    "(president: the President's letters; isu: the ISU's, as Director)",
)
@click.option(
    "--admin-key",
    "admin_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="the administrator's key file (one of CCM_ADMIN_KEYS)",
)
@as_option("isu")
def register(
    file,
    office,
    valid_from,
    valid_until,
    holder,
    title,
    title_fr,
    title_es,
    presidency_of,
    signs_letters,
    admin_path,
    acting,
):
    """Register the public key of FILE (the .json or .pem `keys new` wrote) for OFFICE
    on those days, signed by an administrator; appended to the event log. With
    --signs-letters it also records who holds the office then: letters dated in that term
    are signed with the holder's name and title (one source for both)."""
    from domain.offices import office_of
    from domain.signatures import KeyRegistration, b64, fingerprint, sign

    claimed = office_of(office)
    if claimed is None:
        raise click.BadParameter(f"{office!r} is not an office", param_hint="--office")
    if valid_until < valid_from:
        raise click.BadParameter(f"{valid_until} is before {valid_from}", param_hint="--until")
    raw, recorded_holder = public_key_of(file)
    holder = (holder or recorded_holder).strip()
    if not holder:
        raise click.UsageError("say who holds the key: --holder NAME")
    from activities.letters import undrawable

    for option, text in (("--holder", holder), ("--title", title), ("--title-fr", title_fr), ("--title-es", title_es)):
        if why := undrawable(text):
            raise click.BadParameter(f"letters could not print it: {why}", param_hint=option)
    key, admin_fp = admin_key(admin_path)
    if presidency_of and claimed != "president":
        raise click.BadParameter("only the president's term is a Presidency", param_hint="--presidency-of")
    if signs_letters and claimed not in ("president", "isu"):
        raise click.BadParameter("only the Presidency's and the ISU's letters are signed", param_hint="--signs-letters")
    reg = KeyRegistration(
        fingerprint=fingerprint(raw),
        public_key=b64(raw),
        holder=holder,
        office=claimed,
        valid_from=valid_from,
        valid_until=valid_until,
        registered_at=datetime.now(timezone.utc),
        admin=admin_fp,
        title=title.strip(),
        signs_letters=signs_letters,
        title_fr=title_fr.strip(),
        title_es=title_es.strip(),
        presidency_of=presidency_of or "",
    )
    reg.admin_signature = sign(key, reg.message())
    append_statement(
        "key.registered",
        reg.fingerprint,
        reg.model_dump(mode="json"),
        f"registered/{reg.fingerprint}/{claimed}/{valid_from}",
        acting,
        key,
    )
    click.echo(f"registered {reg.fingerprint}: {holder} speaks for {claimed} from {valid_from} to {valid_until}")


@keys.command("revoke")
@click.argument("fingerprint_")
@click.option("--reason", required=True, help="why (recorded with the event)")
@click.option(
    "--admin-key",
    "admin_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="the administrator's key file (one of CCM_ADMIN_KEYS)",
)
@as_option("isu")
def revoke(fingerprint_, reason, admin_path, acting):
    """Revoke a registered key from now on: commands it signs are refused."""
    from cli.common import open_log
    from domain.signatures import KeyRevocation, KeyRing, sign

    ring = KeyRing.from_events(settings().admin_keyring, registry_events(open_log()))
    if fingerprint_ not in ring.keys:
        raise click.ClickException(f"{fingerprint_} is not a registered key (see: ccm keys list)")
    if fingerprint_ in ring.revoked:
        click.echo(f"{fingerprint_} was already revoked on {ring.revoked[fingerprint_].revoked_at.date()}")
        return
    key, admin_fp = admin_key(admin_path)
    rev = KeyRevocation(fingerprint=fingerprint_, revoked_at=datetime.now(timezone.utc), reason=reason, admin=admin_fp)
    rev.admin_signature = sign(key, rev.message())
    append_statement("key.revoked", fingerprint_, rev.model_dump(mode="json"), f"revoked/{fingerprint_}", acting, key)
    click.echo(f"revoked {fingerprint_} ({ring.keys[fingerprint_].holder}): {reason}")


@keys.command("list")
@output_option()
def list_keys(output):
    """Who holds which office when: every registered key, revoked or not."""
    from cli.common import open_log
    from domain.signatures import KeyRing

    s = settings()
    ring = KeyRing.from_events(s.admin_keyring, registry_events(open_log()))
    today = geneva_today()
    rows = []
    for fp, reg in sorted(ring.keys.items(), key=lambda kv: (kv[1].office, kv[1].valid_from)):
        revoked = ring.revoked.get(fp)
        state = (
            f"revoked {revoked.revoked_at.date()}"
            if revoked
            else "current"
            if reg.valid_from <= today <= reg.valid_until
            else "expired"
            if reg.valid_until < today
            else "future"
        )
        rows.append(
            {
                "office": reg.office,
                "holder": reg.holder,
                "title": reg.title,
                "signs_letters": "yes" if reg.signs_letters else "",
                "from": reg.valid_from,
                "until": reg.valid_until,
                "fingerprint": fp,
                "status": state,
            }
        )
    emit(rows, output, ["office", "holder", "title", "signs_letters", "from", "until", "fingerprint", "status"])
