"""Whose commands count: the verifier the worker hands to `workflows.signing`.

It reads the key registry from the event log on every signed command (a few rows, on
the workflow-id index), so that a key revoked a moment ago is refused at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

# Loaded here, by the worker, before any workflow runs: the verifier is called from
# validators, inside the sandbox, where a first import of cryptography's Rust extension
# fails.
import cryptography.exceptions  # noqa: F401
from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: F401

from activities.eventlog import EventLog
from domain.contract import VerifyRequest
from domain.process import CommandSignature, Refusal
from domain.signatures import REGISTRY_ID, KeyRing


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
