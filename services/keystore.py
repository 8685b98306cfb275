"""The keys a person signs commands with, in the user's config directory (`ccm keys
path`): one PEM file each, mode 0600, encrypted when a passphrase is given
(`CCM_KEY_PASSPHRASE` when signing), beside a JSON file naming its holder and office."""

from __future__ import annotations

import functools
import json
import os
from datetime import datetime, timezone
from pathlib import Path

from services.errors import CommandError


def keys_dir() -> Path:
    import platformdirs

    if folder := os.environ.get("CCM_KEYS_DIR"):
        return Path(folder)
    return Path(platformdirs.user_config_dir("ccm", appauthor=False)) / "keys"


def load_private(path: Path):
    """The private key of a PEM file (passphrase from CCM_KEY_PASSPHRASE); one line if it
    cannot be read. Read once per command: a bulk command signs many updates with it."""
    from domain.process import Refusal

    try:
        return _load_private(path.resolve(), os.environ.get("CCM_KEY_PASSPHRASE"))
    except Refusal as e:
        raise CommandError(str(e)) from None


@functools.cache
def _load_private(path: Path, passphrase: str | None):
    from activities.trust import load_private_key

    return load_private_key(path, passphrase)


def key_files() -> list[tuple[Path, dict]]:
    """(PEM path, its metadata: holder, office, fingerprint) of every key here."""
    found = []
    for meta in sorted(keys_dir().glob("*.json")):
        try:
            found.append((meta.with_suffix(".pem"), json.loads(meta.read_text())))
        except (OSError, ValueError):
            continue
    return found


def key_for(office: str, actor: str = ""):
    """The private key to sign as `office`: `CCM_KEY` if set, else the one key here made
    for that office (an administrator's key aside: it signs only what an administrator
    sends), or, where several are, the one made for `actor` (`--as "Rosa …@president"`).
    None when there is none (the command then goes unsigned)."""
    if path := os.environ.get("CCM_KEY"):
        return load_private(Path(path))
    found = _office_keys(office)
    if len(found) > 1 and actor:
        found = [(p, meta) for p, meta in found if meta.get("holder") == actor] or found
    if len(found) > 1:
        raise CommandError(
            f"{len(found)} keys here are for {office}: choose one with CCM_KEY, or name its holder in --as"
        )
    return load_private(found[0][0]) if found else None


def holder_for(office: str) -> str:
    """The holder recorded with the key `key_for(office)` would take: "" when none, or
    when it is not one key."""
    if os.environ.get("CCM_KEY"):
        meta = Path(os.environ["CCM_KEY"]).with_suffix(".json")
        try:
            return str(json.loads(meta.read_text()).get("holder", ""))
        except (OSError, ValueError, AttributeError):
            return ""
    found = _office_keys(office)
    return str(found[0][1].get("holder", "")) if len(found) == 1 else ""


def _office_keys(office: str) -> list[tuple[Path, dict]]:
    """The keys here made for `office`, an administrator's aside."""
    admins = _admin_fingerprints()
    return [
        (p, meta) for p, meta in key_files() if meta.get("office") == office and meta.get("fingerprint") not in admins
    ]


def check_registered(key, office: str) -> None:
    """Refuse, before anything is sent, to sign as `office` with a key the key registry does
    not know for it today (not registered, revoked, for another office, out of its days),
    naming the key it would need. Where the log cannot be read, the worker says it."""
    from domain.process import Refusal
    from domain.signatures import fingerprint, public_bytes

    fp = fingerprint(public_bytes(key))
    refusal, ring = None, None
    for fresh in (False, True):  # read again before refusing: a key may have been registered since
        ring = _registry(fresh)
        if ring is None:
            return
        try:
            ring.speaker(fp, office, datetime.now(timezone.utc))
            return
        except Refusal as e:
            refusal = e
    known = [f"{f} ({reg.holder})" for f, reg in ring.keys.items() if reg.office == office and f not in ring.revoked]
    raise CommandError(
        f"{refusal}: this command needs a key registered for {office}"
        + (
            f" ({', '.join(known[:3])}; choose it with CCM_KEY)"
            if known
            else f" (`ccm keys register FILE --office {office} …` by an administrator)"
        )
    )


def _registry(fresh: bool = False):
    """The key registry as the log records it, read once per command, or again when
    `fresh` (None when the log cannot be read here)."""
    from services.invocation import current_invocation

    inv = current_invocation()
    if fresh or not hasattr(inv, "registry"):
        inv.registry = None
        try:
            from activities.database import open_event_log
            from domain.signatures import REGISTRY_ID, KeyRing
            from services.settings import Settings

            s = Settings()
            log = open_event_log(s.database_url, create=False, upgrade_schema=False)
            try:
                inv.registry = KeyRing.from_events(s.admin_keyring, log.query(workflow_id=REGISTRY_ID))
            finally:
                log.engine.dispose()
        except Exception:  # no log here, or unreachable: the worker checks the signature anyway
            inv.registry = None
    return inv.registry


def _admin_fingerprints() -> set[str]:
    from domain.process import Refusal
    from services.settings import Settings

    try:
        return set(Settings().admin_keyring)
    except (Refusal, ValueError):  # a broken CCM_ADMIN_KEYS is said by the commands that need it
        return set()


def sign_update(workflow_id: str, name: str, arg, update_id: str):
    """`arg` with the actor's signature over this update, when a key for its office is here."""
    from domain.process import Acting
    from domain.signatures import unsigned_arguments

    if not isinstance(arg, Acting):
        return arg
    return _signed(arg, workflow_id, name, unsigned_arguments(arg), update_id)


def sign_start(inp, workflow_id: str, command: str, arguments: dict, key=None):
    """A command that starts a run of its own (`domain.records`, a bank statement, a
    process) with its sender's signature over `arguments`, when a key for its office is
    here (or with `key`: an administrator's); the run's id stands for the update id."""
    return _signed(inp, workflow_id, command, arguments, workflow_id, key)


def sign_statement(inp, workflow_id: str):
    """A bank statement (`domain.records.StatementInput`) signed as its importer's command,
    and each of its entries under the same key and time: each entry then proves the
    receipt the worker records from it, where signatures are required."""
    from domain.records import statement_arguments
    from domain.signatures import entry_message, sign

    inp = sign_start(inp, workflow_id, "import_statement", statement_arguments(inp))
    if inp.signature is None:
        return inp
    key = key_for(inp.office, inp.actor)
    return inp.model_copy(
        update={
            "entry_signatures": [
                sign(
                    key,
                    entry_message(
                        workflow_id,
                        inp.statement.sha256,
                        e.model_dump(mode="json"),
                        inp.office,
                        inp.actor,
                        inp.signature.signed_at,
                    ),
                )
                for e in inp.statement.entries
            ]
        }
    )


def _signed(inp, workflow_id: str, name: str, arguments: dict, update_id: str, key=None):
    """`inp` (an `Acting`) signed with `key`, or the key here for its office: over the
    workflow, the command, `arguments`, the time and the update's id
    (`domain.signatures.command_message`)."""
    from domain.process import CommandSignature
    from domain.signatures import command_message, fingerprint, public_bytes, sign

    chosen = key or (key_for(inp.office, inp.actor) if inp.office else None)
    if chosen is None:
        return inp
    if key is None:  # a key of this machine: one the registry knows for the office, or said now
        check_registered(chosen, inp.office)
    key = chosen
    signed_at = datetime.now(timezone.utc)
    message = command_message(workflow_id, name, arguments, signed_at, update_id)
    return inp.model_copy(
        update={
            "signature": CommandSignature(
                fingerprint=fingerprint(public_bytes(key)),
                signature=sign(key, message),
                signed_at=signed_at,
                update_id=update_id,
            )
        }
    )


def key_statement_event(event_type: str, subject: str, payload: dict, key: str, acting, at=None):
    """An administrator's statement on a key (`key.registered`, `key.revoked`) as the
    key registry's event, for the worker to check and write."""
    from datetime import datetime, timezone

    from domain.events import NewEvent
    from domain.signatures import REGISTRY_ID

    return NewEvent(
        idempotency_key=f"{REGISTRY_ID}/{key}",
        workflow_id=REGISTRY_ID,
        workflow_type="KeyRegistry",
        subject=subject,
        event_type=event_type,
        occurred_at=at or datetime.now(timezone.utc),
        actor=acting.actor,
        office=acting.office,
        payload=payload,
    )
