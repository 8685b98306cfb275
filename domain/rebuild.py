"""A chase rebuilt from the event log, the system of record: for a run that can no longer
run (its history does not replay), `ccm chase rebuild` starts a new generation whose state
is this fold.

The fold drives the chase's own rules again with what the log recorded: each command its
event names (a receipt, a reversal, a correction, a report, a pledge, a new MSP date, an
escalation, a closing), and each timer at the moment its event says it fired. What that
writes must be what the log holds, key for key; where it is not, the fold refuses, and
nothing is started on a guess."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from domain.chase import (
    Chase,
    ChaseInput,
    Close,
    CorrectDue,
    Escalate,
    Pledge,
    RecordReceipt,
    ReportPayment,
    ReverseReceipt,
    SetMspDate,
)
from domain.event_types import typed
from domain.ids import chase_id
from domain.process import Effect, Letter, Log, Message, Publish, Refusal

# Events a timer writes: the fold fires the chase's next action at the event's time.
TIMED = frozenset(
    {
        "chase.reminder_sent",
        "chase.closed_in_arrears",
        "chase.year_closed",
        "chase.reported_not_received",
        "chase.pledge_lapsed",
    }
)


def generation_of(workflow_id: str, idempotency_key: str) -> int:
    """The generation a row's key belongs to: `<id>/<key>` is the first, `<id>/g2/<key>` the
    second."""
    found = re.match(re.escape(workflow_id) + r"/g(\d+)/", idempotency_key)
    return int(found.group(1)) if found else 1


def key_in_generation(key: str, generation: int) -> str:
    """An effect's key as the rows of that generation name it."""
    return key if generation == 1 else f"g{generation}/{key}"


def _bare(workflow_id: str, idempotency_key: str) -> str:
    """A row's key without its workflow id and generation: `receipt-4`."""
    return idempotency_key.removeprefix(f"{workflow_id}/").split("/")[-1]


def rebuild_chase(inp: ChaseInput, rows: list[Any], generation: int = 1) -> Chase:
    """The chase the log's rows of `inp`'s chase say (rows of every generation before
    `generation`, in order). A Refusal where the rows cannot be reproduced."""
    wid = chase_id(inp.year, inp.state)
    rows = [
        r
        for r in rows
        if r.workflow_id == wid
        and r.event_type.startswith("chase.")
        and generation_of(wid, r.idempotency_key) < generation
    ]
    started = next((r for r in rows if r.event_type == "chase.started"), None)
    if started is None:
        raise Refusal(f"the log holds no chase.started row of {wid}: there is nothing to rebuild", code="bad_start")
    said = typed(started)
    first = inp.model_copy(
        update={
            "amount_due": said.amount_due,
            "arrears": said.arrears,
            "credit_carried": said.credit_carried,
            "msp_date": said.msp_date,
            "language": said.language,
            "snapshot": None,
            "generation": 1,
        }
    )
    chase = Chase(input=first, started_at=started.occurred_at)
    written: list[tuple[int, str]] = []  # (generation, key) the fold writes
    gen = generation_of(wid, started.idempotency_key)

    def wrote(effects: list[Effect]) -> None:
        written.extend((gen, e.key) for e in effects if isinstance(e, (Log, Letter, Message, Publish)))

    wrote(chase.start())
    for row in rows:
        gen, p, now = generation_of(wid, row.idempotency_key), row.payload, row.occurred_at
        if row is started or (gen, _bare(wid, row.idempotency_key)) in written:
            continue  # written by a step before it (the call with the start, the thanks with a receipt)
        by = {"actor": row.actor, "office": row.office}
        kind = row.event_type
        try:
            if kind in TIMED:
                action = chase.next_action()
                if action is None or action.at > now:
                    raise Refusal(f"row {row.seq} ({kind}) has no timer due at {now.isoformat()}")
                wrote(chase.fire(action, now))
            elif kind == "chase.rebuilt":
                continue
            elif kind == "chase.receipt_recorded":
                receipt = RecordReceipt(
                    amount=Decimal(p["amount"]),
                    date=date.fromisoformat(p["date"]),
                    reference=p["reference"],
                    budget_line=p["budget_line"],
                    **by,
                )
                wrote(chase.record_receipt(receipt, now))
            elif kind == "chase.receipt_reversed":
                wrote(chase.reverse_receipt(ReverseReceipt(number=p["receipt"], reason=p["reason"], **by), now))
            elif kind == "chase.due_corrected":
                wrote(chase.correct_due(CorrectDue(amount=Decimal(p["to"]), reason=p["reason"], **by), now))
            elif kind == "chase.payment_reported":
                amount = None if p["amount"] is None else Decimal(p["amount"])
                wrote(
                    chase.report_payment(
                        ReportPayment(
                            amount=amount, date=date.fromisoformat(p["date"]), reference=p["reference"], **by
                        ),
                        now,
                    )
                )
            elif kind == "chase.pledged":
                amount = None if p["amount"] is None else Decimal(p["amount"])
                wrote(
                    chase.pledge_payment(
                        Pledge(
                            expected_date=date.fromisoformat(p["expected_date"]), amount=amount, note=p["note"], **by
                        ),
                        now,
                    )
                )
            elif kind == "chase.msp_date_set":
                wrote(chase.set_msp_date(SetMspDate(msp_date=date.fromisoformat(p["to"]), **by)))
            elif kind == "chase.escalated":
                action = chase.next_action()
                if action is not None and action.key == "president" and action.at <= now:
                    wrote(chase.fire(action, now))  # the letter on a timer (--auto-escalate-days)
                else:
                    wrote(chase.escalate(Escalate(**by), now))
            elif kind in ("chase.waived", "chase.cancelled"):
                wrote(chase.close(kind.removeprefix("chase."), Close(reason=p["reason"], **by)))
        except Refusal as e:
            raise Refusal(
                f"{wid} cannot be rebuilt from the log: at row {row.seq} ({kind}): {e}", code="bad_start"
            ) from None
    logged = sorted(
        (generation_of(wid, r.idempotency_key), _bare(wid, r.idempotency_key))
        for r in rows
        if not r.idempotency_key.endswith("-delivered")
        and not r.idempotency_key.endswith("-delivery-failed")
        and r.event_type != "chase.rebuilt"
    )
    if sorted(written) != logged:
        missing = sorted(set(logged) - set(written))[:3]
        extra = sorted(set(written) - set(logged))[:3]
        raise Refusal(
            f"{wid} cannot be rebuilt from the log: its rules write {extra or 'nothing more'} where the log "
            f"holds {missing or 'nothing more'}",
            code="bad_start",
        )
    chase.input = chase.input.model_copy(update={"generation": generation})
    return chase
