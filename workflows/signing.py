"""Signed commands: checked before every update's own validator, before anything changes.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

The worker's interceptor (`SignedCommands(verifier)`) hands the verifier the command and
the update's id; the verifier checks them against the key registry it holds in memory
(no I/O on the workflow thread): the signature, the key's office on the day it was
signed, revocation, freshness, and whether this installation requires signatures at all.
A refused command is rejected in validation, so it leaves no trace in the history and the
same command can be sent again once its key is registered. Validators do not run on
replay, so the registry does not make the workflow depend on the world.

What a valid signature proves travels with the command's events (`payload["signed"]`),
built from the command alone in the handler, the same on every replay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    HandleUpdateInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

with workflow.unsafe.imports_passed_through():
    from domain.contract import VerifyRequest
    from domain.process import Acting, Refusal

from workflows.common import count_refusal


def check_signature(verifier: Callable[[VerifyRequest], None], update: str, cmd: object) -> None:
    """Refuse a command whose sender is not proved."""
    if not isinstance(cmd, Acting):
        return
    info, current = workflow.info(), workflow.current_update_info()
    proof = getattr(cmd, "proof", None)
    request = VerifyRequest(
        workflow_id=info.workflow_id,
        update=update,
        update_id=current.id if current else "",
        office=cmd.office,
        arguments=cmd.model_dump(mode="json", exclude={"signature"}),
        signature=cmd.signature,
        proof=proof.model_dump(mode="json") if proof else None,
    )
    try:
        # Outside the sandbox's restrictions: the verifier's crypto (validators are never replayed).
        with workflow.unsafe.sandbox_unrestricted(), workflow.unsafe.imports_passed_through():
            verifier(request)
    except Refusal as e:
        count_refusal(e.code)
        raise ApplicationError(str(e), type=e.code, non_retryable=True) from None


def signed_by(update: str, update_id: str, cmd: object) -> dict[str, Any] | None:
    """What a signed command's events record: its signature and what that covers (or, for
    a command a bank entry proves, the entry's proof: `payload["proved"]`)."""
    if not isinstance(cmd, Acting):
        return None
    if (proof := getattr(cmd, "proof", None)) is not None:
        return {
            "proved": {
                "proof": proof.model_dump(mode="json"),
                "update": update,
                "update_id": update_id,
                "arguments": cmd.model_dump(mode="json", exclude={"signature", "proof"}),
            }
        }
    if cmd.signature is None:
        return None
    s = cmd.signature
    return {
        "fingerprint": s.fingerprint,
        "signature": s.signature,
        "signed_at": s.signed_at.isoformat(),
        "update": update,
        "update_id": update_id,
        "office": cmd.office,
        "actor": cmd.actor,
        "arguments": cmd.model_dump(mode="json", exclude={"signature"}),
    }


class SignedCommands(Interceptor):
    """Checks who signed each command before its validator runs (with `verifier`; a
    worker built without one, as in workflow tests, checks nothing), and hands each signed
    command's proof to the skeleton, which adds it to its events."""

    def __init__(self, verifier: Callable[[VerifyRequest], None] | None = None):
        self.verifier = verifier

    def workflow_interceptor_class(self, input: WorkflowInterceptorClassInput) -> type[WorkflowInboundInterceptor]:
        verifier = self.verifier

        class _Inbound(_KeepSignature):
            def handle_update_validator(self, input: HandleUpdateInput) -> None:
                if verifier is not None and input.args:
                    check_signature(verifier, input.update, input.args[0])
                self.next.handle_update_validator(input)

        return _Inbound


class _KeepSignature(WorkflowInboundInterceptor):
    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        if input.args and (signed := signed_by(input.update, input.id, input.args[0])):
            instance = workflow.instance()
            if not hasattr(instance, "signed_updates"):
                instance.signed_updates = {}
            instance.signed_updates[input.id] = signed
        return await self.next.handle_update_handler(input)
