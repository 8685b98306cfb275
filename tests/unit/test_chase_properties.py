"""Properties of the chase, over any sequence of commands and of time passing (hypothesis):
the books balance, a bank reference counts once, no letter and no log entry is written
twice, and a refused command changes nothing."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.chase import (
    Chase,
    ChaseInput,
    CorrectDue,
    Pledge,
    RecordReceipt,
    ReportPayment,
    ReverseReceipt,
    SetMspDate,
)
from domain.event_types import payload_of
from domain.process import Letter, Log, Refusal

YEAR = 2027
START = datetime(YEAR, 1, 15, 9, tzinfo=timezone.utc)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("20000"), places=2)
references = st.sampled_from(["", "UBS-1", "UBS-2", "PF-3"])

commands = st.one_of(
    st.tuples(st.just("receipt"), amounts, references, st.sampled_from(["", "7a", "7b", "7c"])),
    st.tuples(st.just("reverse"), references, st.integers(1, 6)),
    st.tuples(st.just("report"), st.none() | amounts),
    st.tuples(st.just("pledge"), st.integers(1, 400)),
    st.tuples(st.just("msp"), st.integers(150, 330)),
    st.tuples(st.just("correct"), amounts),
    st.tuples(st.just("wait"), st.integers(1, 120)),
)


def apply(chase: Chase, command: tuple, now: datetime) -> list:
    """Check, then apply, as the workflow does; a refusal must leave the chase as it was."""
    kind, *args = command
    today = now.date()
    if kind == "receipt":
        cmd = RecordReceipt(amount=args[0], reference=args[1], budget_line=args[2], date=today)
        check, do = (lambda: chase.check_receipt(cmd, today)), (lambda: chase.record_receipt(cmd, now))
    elif kind == "reverse":
        cmd = ReverseReceipt(reference=args[0], number=None if args[0] else args[1], reason="mistake")
        check, do = (lambda: chase.check_reversal(cmd)), (lambda: chase.reverse_receipt(cmd, now))
    elif kind == "report":
        cmd = ReportPayment(amount=args[0], date=today, office="ITA")
        check, do = (lambda: chase.check_report(cmd, today)), (lambda: chase.report_payment(cmd, now))
    elif kind == "pledge":
        cmd = Pledge(expected_date=today + timedelta(days=args[0]), office="ITA")
        check, do = (lambda: chase.check_pledge(cmd, today)), (lambda: chase.pledge_payment(cmd, now))
    elif kind == "msp":
        cmd = SetMspDate(msp_date=date(YEAR, 1, 1) + timedelta(days=args[0]), office="isu")
        check, do = (lambda: chase.check_msp_date(cmd)), (lambda: chase.set_msp_date(cmd))
    else:
        cmd = CorrectDue(amount=args[0], reason="scale revised")
        check, do = (lambda: chase.check_correction(cmd)), (lambda: chase.correct_due(cmd, now))
    before = chase.model_dump()
    try:
        check()
    except Refusal:
        assert chase.model_dump() == before  # refused: nothing changed
        return []
    return do()


def fire_until(chase: Chase, until: datetime) -> list:
    effects = []
    while (action := chase.next_action()) and action.at <= until:
        effects += chase.fire(action, action.at)
    return effects


def logged_books(effects: list, due: Decimal) -> tuple[Decimal, Decimal]:
    """Money received and the amount due, from the events the chase logged alone, each
    parsed by its type's model (the contract the log checks on append)."""
    received = Decimal("0.00")
    for e in effects:
        if not isinstance(e, (Log, Letter)):
            continue
        payload = payload_of(e.event_type, e.payload)
        if e.event_type == "chase.receipt_recorded":
            received += payload.amount
        elif e.event_type == "chase.receipt_reversed":
            received -= payload.amount
        elif e.event_type == "chase.due_corrected":
            due = payload.to
    return received, due


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(due=amounts, arrears=st.sampled_from([Decimal("0"), Decimal("500.00")]), script=st.lists(commands, max_size=25))
def test_any_sequence_keeps_the_books_and_writes_each_entry_once(due, arrears, script):
    chase = Chase(input=ChaseInput(state="ITA", year=YEAR, amount_due=due, arrears=arrears), started_at=START)
    effects, now = chase.start(), START
    for command in script:
        if command[0] == "wait":
            now += timedelta(days=command[1])
            effects += fire_until(chase, now)
        elif not chase.finished:
            effects += apply(chase, command, now)
        # The books as the log tells them (what a report reads), against the chase's own figures.
        received, due = logged_books(effects, due)
        owed = due + arrears
        assert chase.received == received >= 0
        assert chase.outstanding == max(owed - received, Decimal("0.00"))
        assert chase.credit == max(received - owed, Decimal("0.00"))
        standing = [r for r in chase.receipts if not r.reversed]
        refs = [r.reference for r in standing if r.reference]
        assert len(refs) == len(set(refs)), "a bank reference counted twice"
        if chase.outcome is None:
            assert chase.outstanding > 0, "paid in full, yet still open"
        if chase.outcome == "paid":
            assert chase.outstanding == 0, "money outstanding, yet closed as paid"
    effects += fire_until(chase, datetime(YEAR + 1, 1, 2, tzinfo=timezone.utc))
    assert chase.finished
    keys = [e.key for e in effects if isinstance(e, (Log, Letter))]
    assert len(keys) == len(set(keys)), "an idempotency key used twice: the log would drop an entry"
    letters = [e.key for e in effects if isinstance(e, Letter)]
    assert len(letters) == len(set(letters)) == len(chase.letters), "a letter sent twice"
