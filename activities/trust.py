"""Whose commands count: the verifier the worker hands to `workflows.signing`.

It reads the key registry from the event log on every signed command (a few rows, on
the workflow-id index), so that a key revoked a moment ago is refused at once.
"""

from __future__ import annotations

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


@dataclass
class CommandVerifier:
    log: EventLog
    trust: Trust

    def __call__(self, request: VerifyRequest) -> None:
        """Pass a proved command (or an unsigned one where that is allowed); a Refusal says why not."""
        if request.signature is None:
            if self.trust.required:
                raise Refusal("this installation requires signed commands (CCM_REQUIRE_SIGNATURES): make a key "
                              "with `ccm keys new` and have an administrator register it")
            return
        ring = KeyRing.from_events(self.trust.admins, self.log.query(workflow_id=REGISTRY_ID))
        ring.check_command(request.workflow_id, request.update, request.update_id, request.arguments, request.office,
                           CommandSignature.model_validate(request.signature), datetime.now(timezone.utc))


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


def make_checkpoint(log: EventLog, key, now: datetime | None = None) -> Checkpoint:
    """Sign the log's head (its last row and that row's hash) with the ISU's key, and log
    the checkpoint after it. Once published, the log up to that row cannot be rewritten
    unseen, even by whoever holds the database."""
    last = log.last()
    if last is None:
        raise Refusal("the event log is empty: there is nothing to sign")
    cp = Checkpoint(seq=last.seq, head=last.hash, at=now or datetime.now(timezone.utc),
                    fingerprint=fingerprint(public_bytes(key)))
    cp.signature = sign(key, cp.message())
    log.append(NewEvent(idempotency_key=f"{CHECKPOINTS_ID}/{cp.seq}", workflow_id=CHECKPOINTS_ID, run_id="",
                        workflow_type="Checkpoint", subject="eventlog", event_type="log.checkpoint",
                        occurred_at=cp.at, payload=cp.model_dump(mode="json")))
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
