"""What every ccm workflow shares: activity options, search attributes, logging."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from domain.events import Event, NewEvent

CCM_STATE = SearchAttributeKey.for_keyword("CcmState")
CCM_YEAR = SearchAttributeKey.for_int("CcmYear")
CCM_STAGE = SearchAttributeKey.for_keyword("CcmStage")
CCM_THEME = SearchAttributeKey.for_keyword("CcmTheme")
CCM_OWNER = SearchAttributeKey.for_keyword("CcmOwner")
CCM_DUE = SearchAttributeKey.for_datetime("CcmDue")

# name -> Temporal type, as the servers register them.
SEARCH_ATTRIBUTES = {
    "CcmState": "Keyword",
    "CcmYear": "Int",
    "CcmStage": "Keyword",
    "CcmTheme": "Keyword",
    "CcmOwner": "Keyword",
    "CcmDue": "Datetime",
}

ACTIVITY_OPTIONS = dict(
    start_to_close_timeout=timedelta(minutes=1),
    retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)),
)


def new_event(key: str, event_type: str, subject: str, **fields) -> NewEvent:
    """An event of the running workflow; its idempotency key is `<workflow id>/<key>`."""
    info = workflow.info()
    return NewEvent(
        idempotency_key=f"{info.workflow_id}/{key}",
        workflow_id=info.workflow_id,
        run_id=info.run_id,
        workflow_type=info.workflow_type,
        subject=subject,
        event_type=event_type,
        occurred_at=workflow.now(),
        **fields,
    )


async def record(event: NewEvent) -> Event:
    return await workflow.execute_activity("record_event", event, result_type=Event, **ACTIVITY_OPTIONS)
