"""Events for a test's log as the code writes them, never typed by hand: an aggregate's
recorded effects turned into rows the way the workflow skeleton does
(`workflows.common.new_event`: `<workflow id>/<key>`, the effect's type, actor and payload)."""

from __future__ import annotations

from datetime import datetime

from domain.events import NewEvent
from domain.process import Letter, Log, Message


def logged(workflow_id: str, workflow_type: str, subject: str, effects: list, at: datetime) -> list[NewEvent]:
    """The rows of the effects a workflow writes to the log (`Log`, `Message`, `Letter`).
    A letter's row carries what its activity adds before drawing (`letter`, `language`:
    `activities.records`); the drawn letter's number and signatory are not made here."""

    def payload(e) -> dict:
        return e.payload | {"letter": e.letter, "language": e.language} if isinstance(e, Letter) else e.payload

    return [
        NewEvent(
            idempotency_key=f"{workflow_id}/{e.key}",
            workflow_id=workflow_id,
            workflow_type=workflow_type,
            subject=subject,
            event_type=e.event_type,
            occurred_at=at,
            actor=e.actor,
            office=e.office,
            payload=payload(e),
        )
        for e in effects
        if isinstance(e, (Log, Message, Letter))
    ]


class Chases:
    """A year's chases run by their aggregates, every row they write appended to `log` as
    their workflows write it (at the time given, or recorded later: `recorded`)."""

    def __init__(self, log, year: int):
        self.log, self.year, self.chases = log, year, {}

    def start(self, state: str, amount_due: str, when: datetime, **fields) -> None:
        from decimal import Decimal

        from domain.chase import Chase, ChaseInput

        chase = Chase(
            input=ChaseInput(state=state, year=self.year, amount_due=Decimal(amount_due), **fields), started_at=when
        )
        self.chases[state] = chase
        self.write(state, chase.start(), when)

    def write(self, state: str, effects: list, when: datetime, recorded: datetime | None = None) -> None:
        for row in logged(f"chase-{self.year}-{state}", "ContributionChase", state, effects, when):
            self.log.append(row, now=recorded or when)

    def command(self, state: str, name: str, cmd, when: datetime, recorded: datetime | None = None) -> None:
        """`name` (`record_receipt`, `reverse_receipt`, `correct_due`, …) applied as its update does."""
        import inspect

        apply = getattr(self.chases[state], name)
        takes_time = len(inspect.signature(apply).parameters) > 1  # `set_msp_date(cmd)` takes none
        self.write(state, apply(cmd, when) if takes_time else apply(cmd), when, recorded)

    def fire_next(self, state: str, when: datetime) -> str:
        """The chase's next timed step carried out at `when`; its key."""
        chase = self.chases[state]
        action = chase.next_action()
        self.write(state, chase.fire(action, when), when)
        return action.key
