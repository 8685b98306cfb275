"""RequestIntent: what one `--request-id` names (`request-<sha256 of the id>`): the
command it was first given to, as a digest of its words, and that command's answer once it
succeeded. A retry with the same id and words is answered from here and runs nothing again;
the same id with other words is refused (`services.intents`). It ends a week after it was
claimed, or once answered; Temporal keeps it for the namespace's retention after that.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.intents import RequestHeld, RequestInput

CLAIM_DAYS = 7  # how long an intent waits for its answer (a script retrying after a crash)


@workflow.defn
class RequestIntent:
    @workflow.init
    def __init__(self, input: RequestInput) -> None:
        self.held = RequestHeld(digest=input.digest, command=input.command)

    @workflow.run
    async def run(self, input: RequestInput) -> RequestHeld:
        try:
            await workflow.wait_condition(lambda: self.held.answer is not None, timeout=timedelta(days=CLAIM_DAYS))
        except TimeoutError:
            pass
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.held

    @workflow.query(description="The command this request id names, and its answer once it succeeded.")
    def intent(self) -> RequestHeld:
        return self.held

    @workflow.update(description="The command's answer: kept once, the first.")
    def answer(self, text: str) -> None:
        if self.held.answer is None:
            self.held.answer = text
