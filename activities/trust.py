"""Whose commands count: the verifier the worker hands to `workflows.signing`.

It holds the key registry in memory, so that a validator does no I/O: the worker reads
the key events once at start, again after it writes one itself (a key registered or
revoked through it is in force at once), and every `REFRESH_SECONDS` for those another
worker wrote.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

# Loaded here, by the worker, before any workflow runs: the verifier is called from
# validators, inside the sandbox, where a first import of cryptography's Rust extension
# fails.
import cryptography.exceptions  # noqa: F401
from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: F401

from activities.eventlog import EventLog
from domain.contract import VerifyRequest
from domain.events import NewEvent
from domain.process import CommandSignature, Refusal
from domain.signatures import REGISTRY_ID, Checkpoint, KeyRing, fingerprint, public_bytes, sign

CHECKPOINTS_ID = "checkpoints"  # the workflow id checkpoints are logged under


@dataclass(frozen=True)
class Trust:
    """The administrators' keys (the root of trust), and whether commands must be signed."""

    admins: dict[str, bytes] = field(default_factory=dict)
    required: bool = False


REFRESH_SECONDS = 5


class CommandVerifier:
    def __init__(self, log: EventLog, trust: Trust):
        self.log, self.trust = log, trust
        self._lock = threading.Lock()
        self._events: list = []
        self._next_seq = 1
        self.ring = KeyRing(trust.admins, [])
        self.refresh()

    def refresh(self) -> None:
        """Read the key events written since the last refresh; the ring is rebuilt only
        when there are some."""
        with self._lock:
            new = list(self.log.query(workflow_id=REGISTRY_ID, from_seq=self._next_seq))
            if new:
                self._events += new
                self._next_seq = new[-1].seq + 1
                self.ring = KeyRing.from_events(self.trust.admins, self._events)

    def __call__(self, request: VerifyRequest) -> None:
        """Pass a proved command (or an unsigned one where that is allowed); a Refusal says why not.
        A command the worker sends for a bank entry is proved by the entry, signed by whoever
        imported its statement (`domain.signatures.EntryProof`), and must say what it says."""
        if request.proof is not None:
            from domain.bank import check_proved_command
            from domain.signatures import EntryProof

            if request.signature is not None:
                raise Refusal(
                    "a command is proved by its sender's signature or by a bank entry, not both", code="bad_signature"
                )
            proof = EntryProof.model_validate(request.proof)
            self.ring.check_entry_proof(proof, now=datetime.now(timezone.utc))
            check_proved_command(request.update, request.arguments, proof, request.workflow_id)
            return
        if request.signature is None:
            if self.trust.required:
                raise Refusal(
                    "this installation requires signed commands (CCM_REQUIRE_SIGNATURES): make a key "
                    "with `ccm keys new` and have an administrator register it",
                    code="unsigned",
                )
            return
        self.ring.check_command(
            request.workflow_id,
            request.update,
            request.update_id,
            request.arguments,
            request.office,
            CommandSignature.model_validate(request.signature),
            datetime.now(timezone.utc),
        )


def check_sender(verifier: CommandVerifier | None, command: str, workflow_id: str, inp, arguments: dict) -> None:
    """Refuse a command that starts a run of its own (`inp` an `Acting`) that its office
    may not send, or whose signature over `arguments` does not prove its sender."""
    from domain.offices import permit

    permit("record", command, inp.office)
    if verifier is not None:
        verifier(
            VerifyRequest(
                workflow_id=workflow_id,
                update=command,
                update_id=workflow_id,
                office=inp.office,
                arguments=arguments,
                signature=inp.signature,
            )
        )


def check_record(request, workflow_id: str, verifier: CommandVerifier | None) -> None:
    """Refuse a recorded command (`domain.records.RecordInput`) as `check_sender` does,
    and one whose key statement no administrator of this installation signed. A key
    statement is proved by its administrator's signature (the first key of an installation
    that requires signed commands is registered so); a command signature, where there is
    one, must verify too."""
    from domain.records import signed_arguments
    from domain.signatures import KeyRegistration, KeyRevocation

    key_statement = request.command in ("register_key", "revoke_key")
    admin_signed = (
        key_statement
        and request.signature is not None
        and verifier is not None
        and request.signature.fingerprint in verifier.trust.admins
    )
    proved = verifier if not (key_statement and request.signature is None) and not admin_signed else None
    check_sender(proved, request.command, workflow_id, request, signed_arguments(request))
    if admin_signed:  # the administrator sends it with their own key, not one registered for an office
        verifier.ring.check_admin_command(
            workflow_id, request.command, signed_arguments(request), request.signature, datetime.now(timezone.utc)
        )
    if key_statement:
        admins = verifier.trust.admins if verifier is not None else {}
        for ev in request.events:
            statement = (KeyRegistration if request.command == "register_key" else KeyRevocation).model_validate(
                ev.payload
            )
            if not KeyRing(admins, []).by_admin(statement):
                raise Refusal(
                    f"the statement on key {statement.fingerprint} is not signed by an administrator of "
                    "this installation (CCM_ADMIN_KEYS on the worker)",
                    code="bad_signature",
                )
            revoked = verifier.ring.revoked.get(statement.fingerprint) if verifier is not None else None
            if request.command == "register_key" and revoked is not None:
                raise Refusal(
                    f"key {statement.fingerprint} was revoked on {revoked.revoked_at.date()} "
                    f"({revoked.reason}): a revoked key stays revoked; make a new one with `ccm keys new`",
                    code="bad_signature",
                )


def load_private_key(path: Path, passphrase: str | None = None):
    """The Ed25519 private key of a PEM file (`ccm keys new`); a Refusal says why not."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(path.read_bytes(), password=passphrase.encode() if passphrase else None)
    except FileNotFoundError:
        raise Refusal(f"{path}: no such key file") from None
    except TypeError:
        raise Refusal(f"{path} is protected by a passphrase: set CCM_KEY_PASSPHRASE") from None
    except (OSError, ValueError):
        raise Refusal(f"{path} cannot be read (a wrong passphrase, or not a PEM private key)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise Refusal(f"{path} is not an Ed25519 key")
    return key


def make_checkpoint(
    log: EventLog, key, now: datetime | None = None, ring: KeyRing | None = None, daily: str | None = None
) -> Checkpoint:
    """Sign the log's head (its last row and that row's hash) with the ISU's key, and log
    the checkpoint after it. Once published, the log up to that row cannot be rewritten
    unseen, even by whoever holds the database. With `ring`, a key that verification
    would not accept (not an administrator's, not registered for the ISU) is refused
    before anything is logged.

    Nothing written since the last checkpoint: that checkpoint stands, and no row is added
    (else each request would add one, a checkpoint of the checkpoint). `daily` names the
    schedule's day: its checkpoint is logged once, and a second run that day returns it."""
    last = log.last()
    if last is None:
        raise Refusal("the event log is empty: there is nothing to sign")
    if last.event_type == "log.checkpoint":
        return Checkpoint.model_validate(last.payload)
    if daily is not None and (done := log.get(f"{CHECKPOINTS_ID}/{daily}")) is not None:
        return Checkpoint.model_validate(done.payload)
    cp = Checkpoint(
        seq=last.seq, head=last.hash, at=now or datetime.now(timezone.utc), fingerprint=fingerprint(public_bytes(key))
    )
    cp.signature = sign(key, cp.message())
    if ring is not None:
        try:
            checkpoint_signer(ring, cp)
        except Refusal as e:
            raise Refusal(
                f"the checkpoint key {cp.fingerprint} would not be accepted when verified ({e}): sign "
                "checkpoints with an administrator's key or one registered for the ISU",
                code="bad_signature",
            ) from None
        from domain.signatures import verify_writers

        writers = verify_writers(log.writers(), ring.writer_key if ring.admins else None)
        if writers.first_bad is not None:  # a row appended outside the worker is never signed over
            raise Refusal(
                f"row {writers.first_bad} was not written by ccm's worker ({writers.reason}): the head is not signed",
                code="chain_broken",
            )
    log.append(
        NewEvent(
            idempotency_key=f"{CHECKPOINTS_ID}/{daily or cp.seq}",
            workflow_id=CHECKPOINTS_ID,
            run_id="",
            workflow_type="Checkpoint",
            subject="eventlog",
            event_type="log.checkpoint",
            occurred_at=cp.at,
            payload=cp.model_dump(mode="json"),
        )
    )
    return cp


def checkpoint_signer(ring: KeyRing, cp: Checkpoint) -> str:
    """Who signed a checkpoint: an administrator, or a key registered for the ISU on its
    day; a Refusal when neither, or when the signature does not verify."""
    from domain.signatures import unb64, valid

    if cp.fingerprint in ring.admins:
        public, who = ring.admins[cp.fingerprint], "an administrator"
    else:
        reg = ring.speaker(cp.fingerprint, "isu", cp.at)
        public, who = unb64(reg.public_key), f"{reg.holder} for the ISU"
    if not valid(public, cp.message(), cp.signature):
        raise Refusal(f"the checkpoint's signature does not verify with key {cp.fingerprint}")
    return who
