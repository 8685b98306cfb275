"""A universalization target watched to its day (id `target-{id}`): on the day after it,
its count is read from the registry as the log holds it, and the target is logged met or
missed (`target.met`, `target.missed`) with the count. Started for each shipped target
by `ccm universalization watch` (and the demo); a target whose day has passed when it
starts is judged at once.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from domain.contract import AgendaFacts, AgendaFactsRequest
from domain.offices import permit
from domain.process import Acting, Action, CommandResult, Counters, Effect, Log, ProcessInput, Show, result_of
from domain.schedule import utc_midnight
from domain.universalization import Target

Stage = Literal["watching", "met", "missed"]


def watch_id(target_id: str) -> str:
    return f"target-{target_id}"


class TargetWatchInput(ProcessInput):
    target: Target


class TargetWatchStatus(BaseModel):
    workflow_id: str
    target: Target
    stage: Stage
    reached: int | None
    judged_at: datetime | None


class TargetWatch(Counters):
    input: TargetWatchInput
    workflow_id: str
    stage: Stage = "watching"
    reached: int | None = None
    judged_at: datetime | None = None

    @classmethod
    def new(cls, input: TargetWatchInput, workflow_id: str, now: datetime) -> TargetWatch:
        return cls(input=input, workflow_id=workflow_id)

    @property
    def subject(self) -> str:
        return self.input.target.id

    @property
    def finished(self) -> bool:
        return self.stage != "watching"

    def _judged_at(self) -> datetime:
        return utc_midnight(self.input.target.by + timedelta(days=1))  # once its day is over, in Geneva and UTC

    def start(self) -> list[Effect]:
        t = self.input.target
        return [
            Show(stage=self.stage, due=self._judged_at()),
            Log(
                key="started",
                event_type="target.watched",
                payload={"target": t.target, "measure": t.measure, "count": t.count, "by": t.by.isoformat()},
            ),
        ]

    def next_action(self) -> Action | None:
        if self.finished:
            return None
        return Action(
            key="judged",
            at=self._judged_at(),
            description=f"count {self.input.target.target} on its day",
            needs=AgendaFactsRequest(target=self.input.target),
        )

    def fire(self, action: Action, now: datetime, facts: AgendaFacts | None = None) -> list[Effect]:
        assert facts is not None and facts.target_reached is not None, "the count needs its facts (Action.needs)"
        t = self.input.target
        self.reached, self.judged_at = facts.target_reached, now
        self.stage = "met" if self.reached >= t.count else "missed"
        return [
            Show(stage=self.stage),
            Log(
                key="judged",
                event_type=f"target.{self.stage}",
                payload={"target": t.target, "count": t.count, "reached": self.reached, "by": t.by.isoformat()},
            ),
        ]

    def authorize(self, command: str, cmd: Acting) -> None:
        permit("target", command, cmd.office)

    def status(self) -> TargetWatchStatus:
        return TargetWatchStatus(
            workflow_id=self.workflow_id,
            target=self.input.target,
            stage=self.stage,
            reached=self.reached,
            judged_at=self.judged_at,
        )

    def result(self, effects: list[Any]) -> CommandResult:
        return result_of(self.workflow_id, self.stage, effects, {"target": self.input.target.id})
