"""Treaty obligations: starting each State's obligation of a kind."""

from __future__ import annotations

from collections.abc import Callable


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
):
    """Start each State's obligation of `kind` as `acting`; (started, already existing)
    alpha-3 codes. The first start is awaited: refused, it is said and none follows."""
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
                wait=not started,
                static_summary=f"{name} — {KINDS[kind]}, due {inp.due.isoformat()}",
            )
            started.append(alpha3)
        except WorkflowAlreadyStartedError:
            existing.append(alpha3)
        advance()
    return started, existing
