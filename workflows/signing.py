"""Signed commands: checked in every update's validator, before anything changes.

The worker registers a verifier for its namespace and task queue (`register`); the
validator hands it the command and the update's id, and the verifier reads the key
registry from the event log: the signature, the key's office on the day it was signed,
revocation, freshness, and whether this installation requires signatures at all. A
refused command is rejected by the validator, so it leaves no trace in the history and
the same command can be sent again once its key is registered. Validators do not run
on replay, so the verifier's reads do not make the workflow depend on the world.

What a valid signature proves travels with the command's events (`payload["signed"]`),
built from the command alone in the handler, the same on every replay.
"""

from __future__ import annotations

from collections.abc import Callable

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.worker import HandleUpdateInput, Interceptor, WorkflowInboundInterceptor

with workflow.unsafe.imports_passed_through():
    from domain.contract import VerifyRequest
    from domain.process import Acting, Refusal

# (namespace, task queue) -> the verifier of the worker polling it.
_VERIFIERS: dict[tuple[str, str], Callable[[VerifyRequest], None]] = {}


def register(namespace: str, task_queue: str, verifier: Callable[[VerifyRequest], None]) -> None:
    _VERIFIERS[(namespace, task_queue)] = verifier


def check_signature(update: str, cmd) -> None:
    """In a validator: refuse a command whose sender is not proved (where the worker
    checks signatures; a worker built without a verifier, as in unit tests, does not)."""
    info = workflow.info()
    verifier = _VERIFIERS.get((info.namespace, info.task_queue))
    if verifier is None or not isinstance(cmd, Acting):
        return
    current = workflow.current_update_info()
    request = VerifyRequest(workflow_id=info.workflow_id, update=update, update_id=current.id if current else "",
                            office=cmd.office, arguments=cmd.model_dump(mode="json", exclude={"signature"}),
                            signature=cmd.signature)
    try:
        # The verifier reads the log: outside the sandbox's restrictions, as validators
        # are never replayed.
        with workflow.unsafe.sandbox_unrestricted(), workflow.unsafe.imports_passed_through():
            verifier(request)
    except Refusal as e:
        raise ApplicationError(str(e), type="Refusal", non_retryable=True) from None



def signed_by(update: str, update_id: str, cmd) -> dict | None:
    """What a signed command's events record: its signature and what that covers."""
    if not isinstance(cmd, Acting) or cmd.signature is None:
        return None
    s = cmd.signature
    return {"fingerprint": s.fingerprint, "signature": s.signature, "signed_at": s.signed_at.isoformat(),
            "update": update, "update_id": update_id, "office": cmd.office, "actor": cmd.actor,
            "arguments": cmd.model_dump(mode="json", exclude={"signature"})}


class SignedCommands(Interceptor):
    """Hands each signed command's proof to the skeleton, which adds it to its events."""

    def workflow_interceptor_class(self, input):
        return _KeepSignature


class _KeepSignature(WorkflowInboundInterceptor):
    async def handle_update_handler(self, input: HandleUpdateInput):
        if input.args and (signed := signed_by(input.update, input.id, input.args[0])):
            instance = workflow.instance()
            if not hasattr(instance, "signed_updates"):
                instance.signed_updates = {}
            instance.signed_updates[input.id] = signed
        return await self.next.handle_update_handler(input)
