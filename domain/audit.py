"""An auditor's offline check of who signed what: every signature an event records,
against the key registry, with no server. Apart from `domain.signatures` because a bank
entry's proof is checked against what the entry says (`domain.bank`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.bank import check_proved_command
from domain.events import Event
from domain.process import Refusal
from domain.signatures import EntryProof, KeyRing, SignedBy, command_message, unb64, valid


def verify_signed_events(ring: KeyRing, events: Iterable[Event]) -> tuple[int, int, str | None]:
    """(signed commands, events) re-verified, and the first problem: every event that
    records a signature is checked against the registered key, offline; every event of a
    command a bank entry proves (`EntryProof`), against the entry's signature by the one
    who imported its statement, and the command against the entry."""
    commands: set[str] = set()
    count = 0
    used: dict[tuple[Any, ...], str] = {}  # each entry proves one command, on one chase
    for ev in events:
        if proved := ev.payload.get("proved"):
            try:
                proof = EntryProof.model_validate(proved["proof"])
                ring.check_entry_proof(proof)
                check_proved_command(proved["update"], proved["arguments"], proof, ev.workflow_id)
            except Refusal as e:
                return len(commands), count, f"row {ev.seq}: {e}"
            use = (proved["update"], proof.entry.get("account"), proof.entry.get("ref"))
            if used.setdefault(use, ev.workflow_id) != ev.workflow_id:
                return (
                    len(commands),
                    count,
                    (
                        f"row {ev.seq}: bank entry {use[2]} proves a {use[0]} on "
                        f"{used[use]} and again on {ev.workflow_id}"
                    ),
                )
            commands.add(proved["update_id"])
            count += 1
            continue
        signed = ev.payload.get("signed")
        if not signed:
            continue
        s = SignedBy.model_validate(signed)
        try:
            reg = ring.speaker(s.fingerprint, s.office, s.signed_at)
        except Refusal as e:
            return len(commands), count, f"row {ev.seq}: {e}"
        message = command_message(s.workflow_id or ev.workflow_id, s.update, s.arguments, s.signed_at, s.update_id)
        if not valid(unb64(reg.public_key), message, s.signature):
            return len(commands), count, f"row {ev.seq}: the signature of {reg.holder} does not verify"
        commands.add(s.update_id)
        count += 1
    return len(commands), count, None


# --- checkpoints ------------------------------------------------------------------------
