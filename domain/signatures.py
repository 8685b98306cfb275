"""Who acted, proved: Ed25519 signatures over canonical JSON, the key registry folded
from the log, and signed checkpoints of the log's head.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

Pure but for the `cryptography` calls: the CLI signs with it, the worker's activity
verifies with it, and `ccm audit verify --signatures` re-verifies an export offline. The
root of trust is the ISU administrators' public keys in settings (`CCM_ADMIN_KEYS`): a
key counts for an office only as an administrator registered it, for the days given,
until it is revoked.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.canonical import canonical_bytes
from domain.events import NewEvent
from domain.refusal import Refusal
from domain.schedule import geneva_date

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

REGISTRY_ID = "keys"  # the workflow id the key registry's events are logged under

# A signed command older than this (or this far ahead of the worker's clock) is refused:
# a copy of it sent again later cannot pass for a new command.
FRESH_SECONDS = 600


def canonical(value: Any) -> bytes:
    """The bytes a signature covers: JSON with sorted keys and no spaces, UTF-8."""
    return canonical_bytes(value)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise Refusal(f"{text[:20]!r} is not base64") from None


def fingerprint(public_key: bytes) -> str:
    """`SHA256:…` of the raw 32-byte public key, as OpenSSH writes it."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(public_key).digest()).decode().rstrip("=")


def public_bytes(private_key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw: bytes = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return raw


def sign(private_key: Ed25519PrivateKey, message: bytes) -> str:
    return b64(private_key.sign(message))


def valid(public_key: bytes, message: bytes, signature: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(base64.b64decode(signature), message)
        return True
    except (InvalidSignature, ValueError):
        return False


# --- signed commands --------------------------------------------------------------------
def command_message(
    workflow_id: str, update: str, arguments: dict[str, Any], signed_at: datetime, update_id: str
) -> bytes:
    """What the actor signs: the workflow, the update, its arguments (without the
    signature), when, and the update's id."""
    return canonical(
        {
            "workflow_id": workflow_id,
            "update": update,
            "arguments": arguments,
            "signed_at": signed_at.isoformat(),
            "update_id": update_id,
        }
    )


def unsigned_arguments(cmd: BaseModel) -> dict[str, Any]:
    return cmd.model_dump(mode="json", exclude={"signature"})


# --- the key registry -------------------------------------------------------------------


class CommandSignature(BaseModel):
    """The actor's Ed25519 signature over the command (`domain.signatures.command_message`)."""

    model_config = ConfigDict(extra="forbid")

    fingerprint: str = Field(max_length=60)
    signature: str = Field(max_length=100)
    signed_at: datetime
    update_id: str = Field(max_length=200)


class AdminStatement(BaseModel):
    """A statement about a key, signed by an administrator (one of `CCM_ADMIN_KEYS`)."""

    admin: str = Field(description="the fingerprint of the administrator's key that signed")
    admin_signature: str = ""

    def message(self) -> bytes:
        """What the administrator signs: every field but the signature."""
        return canonical(self.model_dump(mode="json", exclude={"admin_signature"}))


class KeyRegistration(AdminStatement):
    """An administrator's statement that a key speaks for an office on these days."""

    fingerprint: str
    public_key: str = Field(description="base64 of the raw Ed25519 public key")
    holder: str = Field(max_length=200)
    office: str = Field(max_length=100)
    valid_from: date
    valid_until: date
    registered_at: datetime
    # Who signs the office's letters, and with what title: the same record says who holds
    # the office from when to when (registrations made before these fields sign without them).
    title: str = Field("", max_length=300, description="the holder's full title, as the letters print it")
    signs_letters: bool = Field(False, description="the holder signs the office's letters on these days")
    title_fr: str = Field("", max_length=300, description="the title as French letters print it: 'Présidente …'")
    title_es: str = Field("", max_length=300, description="the title as Spanish letters print it: 'Presidenta …'")
    presidency_of: str = Field(
        "",
        pattern=r"^([A-Z]{3})?$",
        description="the State holding the Presidency in this term (alpha-3), for the president",
    )

    def message(self) -> bytes:
        unset = {k for k in ("title", "signs_letters", "title_fr", "title_es", "presidency_of") if not getattr(self, k)}
        return canonical(self.model_dump(mode="json", exclude={"admin_signature", *unset}))


class KeyRevocation(AdminStatement):
    fingerprint: str
    revoked_at: datetime
    reason: str = Field("", max_length=300)


class SignedBy(BaseModel):
    """What an event caused by a signed command records: the signature and what it covers."""

    fingerprint: str
    office: str
    actor: str = ""
    signature: str
    signed_at: datetime
    update: str
    update_id: str
    arguments: dict[str, Any]
    workflow_id: str = Field(
        "",
        description="the run the signature names, where not the event's own (a chase "
        "the annual cycle started carries the cycle's signed start)",
    )


def admin_keys(text: str) -> dict[str, bytes]:
    """`CCM_ADMIN_KEYS`: base64 public keys separated by commas, by fingerprint."""
    keys = {}
    for item in filter(None, (x.strip() for x in text.split(","))):
        raw = unb64(item)
        if len(raw) != 32:
            raise Refusal(f"an administrator key is 32 bytes of Ed25519 public key, not {len(raw)}")
        keys[fingerprint(raw)] = raw
    return keys


def holder_among(registrations: Iterable[KeyRegistration], office: str, day: date) -> KeyRegistration | None:
    """Of these registrations, the one that says who holds `office` on `day` (signs its
    letters then; the latest to begin, where terms overlap)."""
    found = [
        reg
        for reg in registrations
        if reg.office == office and reg.signs_letters and reg.valid_from <= day <= reg.valid_until
    ]
    return max(found, key=lambda r: (r.valid_from, r.registered_at), default=None)


class KeyRing:
    """The registered keys, each checked against the administrators' keys."""

    def __init__(
        self,
        admins: dict[str, bytes],
        registrations: Iterable[KeyRegistration],
        revocations: Iterable[KeyRevocation] = (),
    ):
        self.admins = admins
        self.keys: dict[str, KeyRegistration] = {}
        self.revoked: dict[str, KeyRevocation] = {}
        for reg in registrations:
            if self.by_admin(reg):
                self.keys[reg.fingerprint] = reg
        for rev in revocations:
            if self.by_admin(rev):
                self.revoked[rev.fingerprint] = rev

    def by_admin(self, statement: AdminStatement) -> bool:
        admin = self.admins.get(statement.admin)
        return admin is not None and valid(admin, statement.message(), statement.admin_signature)

    @classmethod
    def from_events(cls, admins: dict[str, bytes], events: Iterable[NewEvent]) -> KeyRing:
        regs, revs = [], []
        for ev in events:
            if ev.event_type == "key.registered":
                regs.append(KeyRegistration.model_validate(ev.payload))
            elif ev.event_type == "key.revoked":
                revs.append(KeyRevocation.model_validate(ev.payload))
        return cls(admins, regs, revs)

    def holder_on(self, office: str, day: date) -> KeyRegistration | None:
        """Who signs `office`'s letters on `day`: the registration that says so, valid that
        day and not revoked by then (the latest to begin, where terms overlap)."""
        standing = [
            reg
            for fp, reg in self.keys.items()
            if not (fp in self.revoked and geneva_date(self.revoked[fp].revoked_at) <= day)
        ]
        return holder_among(standing, office, day)

    def writer_key(self, fp: str) -> bytes | None:
        """The public key by which a worker signs the rows it writes (an administrator's,
        or one registered for the ISU, as a checkpoint's): None for any other."""
        if fp in self.admins:
            return self.admins[fp]
        reg = self.keys.get(fp)
        return unb64(reg.public_key) if reg is not None and reg.office == "isu" else None

    def speaker(self, fp: str, office: str, at: datetime) -> KeyRegistration:
        """The registration by which key `fp` speaks for `office` at `at`; a Refusal says why not."""
        reg = self.keys.get(fp)
        if reg is None:
            raise Refusal(f"key {fp} is not registered by an administrator", code="bad_signature")
        if fp in self.revoked and self.revoked[fp].revoked_at <= at:
            raise Refusal(
                f"key {fp} of {reg.holder} was revoked on {geneva_date(self.revoked[fp].revoked_at)}",
                code="bad_signature",
            )
        if reg.office != office:
            raise Refusal(f"key {fp} of {reg.holder} speaks for {reg.office}, not for {office}", code="bad_signature")
        if not reg.valid_from <= geneva_date(at) <= reg.valid_until:
            raise Refusal(
                f"key {fp} of {reg.holder} speaks for {office} from {reg.valid_from} to "
                f"{reg.valid_until}, not on {geneva_date(at)}",
                code="bad_signature",
            )
        return reg

    def check_entry_proof(self, proof: EntryProof, now: datetime | None = None) -> KeyRegistration:
        """The registration by which the importer's key proves a bank entry; a Refusal says
        why not. With `now` (the worker), a proof older than `PROOF_DAYS` is refused too."""
        from datetime import timedelta

        if proof.signed_at.tzinfo is None:
            raise Refusal(
                "the entry's signature time has no time zone: import the statement again with `ccm`",
                code="bad_signature",
            )
        if now is not None and not -timedelta(seconds=FRESH_SECONDS) <= now - proof.signed_at <= timedelta(
            days=PROOF_DAYS
        ):
            raise Refusal(
                f"the statement was signed on {geneva_date(proof.signed_at)}: its entries prove receipts for "
                f"{PROOF_DAYS} days; import it again",
                code="bad_signature",
            )
        reg = self.speaker(proof.fingerprint, proof.office, proof.signed_at)
        if not valid(unb64(reg.public_key), proof.message(), proof.signature):
            raise Refusal(
                f"the entry's signature does not verify with key {proof.fingerprint} of {reg.holder}",
                code="bad_signature",
            )
        return reg

    def check_admin_command(
        self, workflow_id: str, update: str, arguments: dict[str, Any], signature: CommandSignature, now: datetime
    ) -> None:
        """A command signed by an administrator's own key (`CCM_ADMIN_KEYS`): a key
        registered or revoked, which no registered key could yet sign for. A Refusal
        says why not."""
        admin = self.admins.get(signature.fingerprint)
        if admin is None:
            raise Refusal(
                f"key {signature.fingerprint} is not an administrator's key (CCM_ADMIN_KEYS on the worker)",
                code="bad_signature",
            )
        age = (now - signature.signed_at).total_seconds()
        if signature.signed_at.tzinfo is None or abs(age) > FRESH_SECONDS:
            raise Refusal("the administrator's signature is not of now: sign it again", code="bad_signature")
        message = command_message(workflow_id, update, arguments, signature.signed_at, signature.update_id)
        if signature.update_id != workflow_id or not valid(admin, message, signature.signature):
            raise Refusal(
                f"the signature does not verify with the administrator's key {signature.fingerprint}",
                code="bad_signature",
            )

    def check_command(
        self,
        workflow_id: str,
        update: str,
        update_id: str,
        arguments: dict[str, Any],
        office: str,
        signature: CommandSignature,
        now: datetime,
    ) -> SignedBy:
        """A signed command accepted, or a Refusal: a valid signature over this very
        update, fresh, by a key registered for the office claimed on that day."""
        if signature.signed_at.tzinfo is None:
            raise Refusal("the signature's time has no time zone: sign it again with `ccm`", code="bad_signature")
        if signature.update_id != update_id:
            raise Refusal(
                "the signature covers another update id: a signed command cannot be sent again as new",
                code="bad_signature",
            )
        age = (now - signature.signed_at).total_seconds()
        if abs(age) > FRESH_SECONDS:
            raise Refusal(
                f"the command was signed {age:.0f} s from now: sign it again (at most {FRESH_SECONDS} s)",
                code="bad_signature",
            )
        reg = self.speaker(signature.fingerprint, office, signature.signed_at)
        message = command_message(workflow_id, update, arguments, signature.signed_at, update_id)
        if not valid(unb64(reg.public_key), message, signature.signature):
            raise Refusal(
                f"the signature does not verify with key {signature.fingerprint} of {reg.holder}", code="bad_signature"
            )
        return SignedBy(
            fingerprint=reg.fingerprint,
            office=office,
            actor=reg.holder,
            signature=signature.signature,
            signed_at=signature.signed_at,
            update=update,
            update_id=update_id,
            arguments=arguments,
        )


# --- bank entries, proved by the statement's importer ---------------------------------
# A receipt the worker records from a bank entry is not a person's command: it is proved by
# the signature of whoever imported the statement over that very entry. A statement's run
# may be retried, and its entries sent again, for this long after it was signed.
PROOF_DAYS = 7


class EntryProof(BaseModel):
    """One entry of a signed statement, under its importer's signature: what lets the
    worker send a chase the receipt (or the reversal) the entry makes, without a key of
    its own."""

    model_config = {"extra": "forbid"}

    statement_run: str = Field(max_length=200, description="the import's run: bank-statement-<account>-<sha256>")
    statement_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    entry: dict[str, Any]
    fingerprint: str = Field(max_length=60)
    office: str = Field(max_length=100)
    actor: str = Field("", max_length=200)
    signed_at: datetime
    signature: str = Field(max_length=200)

    def message(self) -> bytes:
        return entry_message(
            self.statement_run, self.statement_sha256, self.entry, self.office, self.actor, self.signed_at
        )


def entry_message(
    statement_run: str, statement_sha256: str, entry: dict[str, Any], office: str, actor: str, signed_at: datetime
) -> bytes:
    """What an importer signs for each entry of a statement (tagged, so that it can never
    pass for a command's message)."""
    return canonical(
        {
            "bank_entry": entry,
            "statement_run": statement_run,
            "statement_sha256": statement_sha256,
            "office": office,
            "actor": actor,
            "signed_at": signed_at.isoformat(),
        }
    )


class Checkpoint(BaseModel):
    """The log up to `seq` ends in `head`: signed by the ISU's key, published."""

    seq: int = Field(ge=1, le=2**63 - 1, description="a row of the log (a BIGINT)")
    head: str = Field(max_length=64)
    at: AwareDatetime = Field(description="when it was signed, with its zone (a naive time names no instant)")
    fingerprint: str = Field(max_length=60)
    signature: str = Field("", max_length=200)

    def message(self) -> bytes:
        return canonical(self.model_dump(mode="json", exclude={"signature"}))


# --- rows signed by their writer ---------------------------------------------------------------
class WriterCheck(BaseModel):
    """Who wrote the log's rows: from the first row a worker signed, every row must carry
    a valid signature of a key the installation knows, or it was written by someone else
    (whoever holds the database can append a row with a recomputed hash, not sign it)."""

    rows: int = 0
    signed: int = 0
    first_signed: int | None = None
    first_bad: int | None = None
    reason: str = ""


def verify_writers(
    rows: Iterable[tuple[int, str, str | None, str | None]], public_key: Callable[[str], bytes | None] | None
) -> WriterCheck:
    """Walk (seq, hash, writer, writer_sig) in order. `public_key(fingerprint)` gives a
    known key's public bytes (None: unknown); without it, only an unsigned row after signed
    ones is found, signatures are not checked."""
    check = WriterCheck()
    for seq, digest, writer, sig in rows:
        check.rows += 1
        if not writer:
            if check.first_signed is not None:
                return check.model_copy(
                    update={
                        "first_bad": seq,
                        "reason": (
                            f"row {seq} is not signed, though the rows since {check.first_signed} are: "
                            "written outside ccm's worker"
                        ),
                    }
                )
            continue
        if check.first_signed is None:
            check.first_signed = seq
        if public_key is not None:
            key = public_key(writer)
            if key is None:
                return check.model_copy(
                    update={
                        "first_bad": seq,
                        "reason": (f"row {seq} is signed by {writer}, a key this installation does not know"),
                    }
                )
            if not valid(key, bytes.fromhex(digest), sig or ""):
                return check.model_copy(
                    update={
                        "first_bad": seq,
                        "reason": (
                            f"row {seq}'s signature does not verify with key {writer}: written outside ccm's worker"
                        ),
                    }
                )
        check.signed += 1
    return check
