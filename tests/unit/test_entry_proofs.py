"""A bank entry proves the receipt the worker records from it (domain.signatures.EntryProof,
domain.bank.check_proved_command): the importer's signature over the entry, checked as a
person's command is, and the command checked against what the entry says."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.audit import verify_signed_events
from domain.bank import Entry, check_proved_command, creditor_reference, own_name, receipt_reference
from domain.chase import RecordReceipt, ReverseReceipt
from domain.process import Refusal
from domain.records import StatementInput, statement_arguments
from domain.signatures import (
    EntryProof,
    KeyRegistration,
    KeyRing,
    admin_keys,
    b64,
    entry_message,
    fingerprint,
    public_bytes,
    sign,
)

NOW = datetime(2027, 3, 15, 9, 0, tzinfo=timezone.utc)
ADMIN, ISU, OTHER = (Ed25519PrivateKey.generate() for _ in range(3))
IBAN = "CH9300762011623852957"
RUN = f"bank-statement-{IBAN}-0123456789abcdef"
SHA = "ab" * 32


def registration(key, office="isu", start=date(2027, 1, 1)):
    raw = public_bytes(key)
    reg = KeyRegistration(
        fingerprint=fingerprint(raw),
        public_key=b64(raw),
        holder="Sheila Mweemba",
        office=office,
        valid_from=start,
        valid_until=date(2027, 12, 31),
        registered_at=NOW - timedelta(days=60),
        admin=fingerprint(public_bytes(ADMIN)),
    )
    reg.admin_signature = sign(ADMIN, reg.message())
    return reg


RING = KeyRing(admin_keys(b64(public_bytes(ADMIN))), [registration(ISU), registration(OTHER, "president")])


def entry(**kw) -> Entry:
    fields = dict(
        ref="ZKB-1",
        account=IBAN,
        amount=Decimal("1000.00"),
        currency="CHF",
        credit=True,
        value_date=date(2027, 3, 10),
        creditor_reference=creditor_reference(2027, "DEU").replace(" ", ""),
    )
    return Entry(**fields | kw)


def proof(e: Entry, key=ISU, at=NOW, office="isu") -> EntryProof:
    body = e.model_dump(mode="json")
    return EntryProof(
        statement_run=RUN,
        statement_sha256=SHA,
        entry=body,
        fingerprint=fingerprint(public_bytes(key)),
        office=office,
        actor="Sheila Mweemba",
        signed_at=at,
        signature=sign(key, entry_message(RUN, SHA, body, office, "Sheila Mweemba", at)),
    )


def receipt(e: Entry, **kw) -> dict:
    cmd = RecordReceipt(
        amount=e.amount,
        date=e.value_date,
        reference=receipt_reference(e.ref, IBAN),
        actor="Sheila Mweemba",
        office="isu",
    )
    return cmd.model_copy(update=kw).model_dump(mode="json", exclude={"signature"})


def test_an_entry_signed_by_the_isu_proves_its_own_receipt():
    e = entry()
    p = proof(e)
    assert RING.check_entry_proof(p, now=NOW + timedelta(hours=1)).office == "isu"
    check_proved_command("record_receipt", receipt(e), p, "chase-2027-DEU")
    # Under its own name too, where the bank reused its reference for another entry.
    check_proved_command(
        "record_receipt", receipt(e, reference=receipt_reference(own_name(e), IBAN)), p, "chase-2027-DEU"
    )


@pytest.mark.parametrize(
    "change,message",
    [
        (dict(amount=Decimal("10000.00")), "does not say what bank entry ZKB-1 says"),
        (dict(reference=f"ZKB-2@{IBAN}"), "does not say what bank entry ZKB-1 says"),
        (dict(reference="ZKB-1@CH5604835012345678009"), "does not say what bank entry ZKB-1 says"),
        (dict(office="president"), "imported for isu, the command speaks for president"),
    ],
)
def test_a_receipt_that_says_other_than_its_entry_is_refused(change, message):
    e = entry()
    with pytest.raises(Refusal, match=message):
        check_proved_command("record_receipt", receipt(e, **change), proof(e), "chase-2027-DEU")


def test_an_entry_proves_no_other_command():
    e = entry()
    with pytest.raises(Refusal, match="pays chase-2027-DEU by its creditor reference, not chase-2027-FRA"):
        check_proved_command("record_receipt", receipt(e), proof(e), "chase-2027-FRA")
    # Without a creditor reference (matched by its text), any chase; the audit finds a second.
    check_proved_command(
        "record_receipt", receipt(entry(creditor_reference="")), proof(entry(creditor_reference="")), "chase-2027-FRA"
    )
    with pytest.raises(Refusal, match="an entry proves only its own receipt or reversal"):
        check_proved_command("waive", receipt(e), proof(e), "chase-2027-DEU")
    # A credit proves no reversal, however the command is worded.
    reversal = ReverseReceipt(
        reference=f"ZKB-1@{IBAN}",
        reason="reversed by the bank: entry ZKB-1 of statement S",
        amount=e.amount,
        office="isu",
    ).model_dump(mode="json", exclude={"signature"})
    with pytest.raises(Refusal, match="does not say"):
        check_proved_command("reverse_receipt", reversal, proof(e), "chase-2027-DEU")


def test_a_reversing_debit_proves_the_reversal_of_a_receipt_of_its_amount():
    debit = entry(ref="ZKB-9", credit=False, reversal=True)
    reversal = ReverseReceipt(
        reference=f"ZKB-1@{IBAN}",
        reason="reversed by the bank: entry ZKB-9 of statement S",
        amount=debit.amount,
        office="isu",
    ).model_dump(mode="json", exclude={"signature"})
    check_proved_command("reverse_receipt", reversal, proof(debit), "chase-2027-DEU")
    with pytest.raises(Refusal, match="does not say"):
        check_proved_command("reverse_receipt", reversal | {"amount": "5.00"}, proof(debit), "chase-2027-DEU")
    with pytest.raises(Refusal, match="does not say"):
        check_proved_command("reverse_receipt", reversal | {"reason": "by hand"}, proof(debit), "chase-2027-DEU")


@pytest.mark.parametrize(
    "tamper,message",
    [
        (lambda p: p.model_copy(update={"entry": p.entry | {"amount": "100000.00"}}), "does not verify"),
        (lambda p: p.model_copy(update={"statement_run": "bank-statement-X-1"}), "does not verify"),
        (lambda p: proof(entry(), key=OTHER), "speaks for president, not for isu"),
        (lambda p: proof(entry(), key=Ed25519PrivateKey.generate()), "not registered by an administrator"),
        (lambda p: proof(entry(), at=NOW - timedelta(days=8)), "prove receipts for 7 days"),
        (lambda p: p.model_copy(update={"signed_at": NOW.replace(tzinfo=None)}), "no time zone"),
    ],
)
def test_a_proof_not_made_by_a_registered_importer_or_too_old_is_refused(tamper, message):
    with pytest.raises(Refusal, match=message):
        RING.check_entry_proof(tamper(proof(entry())), now=NOW)


def test_the_audit_follows_each_proved_event_to_its_entry_offline():
    """An auditor holds no clock of the worker: an old proof still verifies, a forged one not."""
    from domain.events import Event

    e = entry()
    p = proof(e, at=NOW - timedelta(days=300))

    def row(seq, args):
        return Event(
            seq=seq,
            idempotency_key=f"k{seq}",
            workflow_id="chase-2027-DEU",
            run_id="r",
            workflow_type="ContributionChase",
            subject="DEU",
            event_type="chase.receipt_recorded",
            occurred_at=NOW,
            recorded_at=NOW,
            payload={
                "proved": {
                    "proof": p.model_dump(mode="json"),
                    "update": "record_receipt",
                    "update_id": f"u{seq}",
                    "arguments": args,
                }
            },
            prev_hash="",
            hash="",
        )

    ring = KeyRing(RING.admins, [registration(ISU, start=date(2026, 1, 1))])
    assert verify_signed_events(ring, [row(1, receipt(e))]) == (1, 1, None)
    commands, count, problem = verify_signed_events(ring, [row(1, receipt(e)), row(2, receipt(e, amount="9999.00"))])
    assert (commands, count) == (1, 1) and problem.startswith("row 2: record_receipt does not say")
    # One entry, two receipts on one chase (the receipt and the chase's paid event): one command.
    assert verify_signed_events(ring, [row(1, receipt(e)), row(1, receipt(e))])[2] is None
    e, p = entry(creditor_reference=""), proof(entry(creditor_reference=""), at=NOW - timedelta(days=300))
    twice = [row(1, receipt(e)), row(2, receipt(e)).model_copy(update={"workflow_id": "chase-2027-FRA"})]
    assert verify_signed_events(ring, twice)[2] == (
        "row 2: bank entry ZKB-1 proves a record_receipt on chase-2027-DEU and again on chase-2027-FRA"
    )


def test_the_statements_signature_covers_its_entries():
    """A signed statement cannot be handed over again with other entries under it."""
    from domain.bank import Statement

    st = Statement(format="camt.053", id="S", account=IBAN, sha256=SHA, entries=[entry()])
    one = statement_arguments(StatementInput(statement=st, office="isu"))
    other = statement_arguments(
        StatementInput(statement=st.model_copy(update={"entries": [entry(amount=Decimal("1.00"))]}), office="isu")
    )
    assert one["statement_sha256"] == other["statement_sha256"] and one["entries_sha256"] != other["entries_sha256"]
