"""Treaty obligations: starting each State's obligation of a kind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta


async def start_obligations(
    client,
    task_queue: str,
    kind: str,
    year,
    states,
    parties,
    acting,
    reminder_days=(60, 14),
    advance: Callable[[], None] = lambda: None,
    start_delay: timedelta | None = None,
):
    """Start each State's obligation of `kind` as `acting`; (started, already existing)
    alpha-3 codes. The first start is awaited: refused, it is said and none follows. With
    `start_delay`, Temporal holds the runs until then (nothing to await)."""
    from temporalio.exceptions import WorkflowAlreadyStartedError

    from domain.obligations import KINDS, ObligationInput, due_date, obligation_id, period_of
    from domain.states import name_of
    from services.commands import start
    from workflows.obligation import Obligation

    started, existing = [], []
    for alpha3 in states:
        eif, name = parties.get(alpha3), name_of(alpha3)
        period = period_of(kind, year)
        inp = ObligationInput(
            state=alpha3,
            state_name=name,
            kind=kind,
            period=period,
            due=due_date(kind, eif, year),
            due_source=f"{KINDS[kind]}; in force for {alpha3} from {eif}",
            in_force=eif,
            reminder_days=list(reminder_days),
        )
        try:
            await start(
                client,
                Obligation.run,
                inp,
                obligation_id(alpha3, kind, period),
                task_queue,
                acting,
                wait=not started and start_delay is None,
                static_summary=f"{name} — {KINDS[kind]}, due {inp.due.isoformat()}",
                **({"start_delay": start_delay} if start_delay else {}),
            )
            started.append(alpha3)
        except WorkflowAlreadyStartedError:
            existing.append(alpha3)
        advance()
    return started, existing


async def start_initial_report(client, task_queue: str, alpha3: str, in_force: date, acting) -> str:
    """A State newly bound: its initial transparency report (Article 7.1, due 180 days after)
    started on the day the Convention enters into force for it (Temporal holds the run until
    the start of that day), or now where that day has passed. What was done, in a line."""
    from datetime import datetime, timezone

    from domain.obligations import initial_report_due
    from domain.schedule import utc_midnight

    delay = utc_midnight(in_force) - datetime.now(timezone.utc)
    started, _ = await start_obligations(
        client, task_queue, "art7-initial", None, [alpha3], {alpha3: in_force}, acting,
        start_delay=delay if delay > timedelta(0) else None,
    )  # fmt: skip
    when = f"starts on {in_force}" if delay > timedelta(0) else "started"
    due = initial_report_due(in_force)
    return f"its initial transparency report {when}, due {due}" if started else "its initial report is already followed"
