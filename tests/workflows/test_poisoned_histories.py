"""The probe's three poisoned chase histories (`tests/histories/poisoned/`): each fails to
replay, and each failure comes from the cause that was removed, a local activity resolved
in one workflow task whose update completed only after another update was accepted.
Process workflows run no local activity any more (`workflows.common.LOCAL`), so no
history they write has that shape: the stress test
(`tests/faults/test_concurrent_commands.py`) replays every history it makes and finds no
marker in any."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from runtime.codec import CCM_CONVERTER
from workflows.common import LOCAL, Activities
from workflows.contribution_chase import ContributionChase

POISONED = sorted((Path(__file__).parent.parent / "histories" / "poisoned").glob("*.json"))
# Where the probe saw each replay fail.
FAILS_AT = {"chase-2027-CRI": 72, "chase-2027-CZE": 42, "chase-2027-MRT": 32}


def events(path: Path) -> list[dict]:
    return json.loads(path.read_text())["events"]


def the_poisoned_shape(evs: list[dict], failing: int) -> tuple[str, str] | None:
    """(the update whose local activity was resolved a task early, the one accepted in
    between) where the history has the shape, else None: an update accepted, its local
    activity's marker, the workflow task ends, and another update is accepted before the
    first one completes."""
    by_id = {int(e["eventId"]): e for e in evs}
    accepted = by_id[failing]["workflowExecutionUpdateAcceptedEventAttributes"]["protocolInstanceId"]
    open_updates, marker_of = [], {}
    for e in evs:
        n = int(e["eventId"])
        if n >= failing:
            break
        kind = e["eventType"]
        if kind == "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED":
            open_updates.append(e["workflowExecutionUpdateAcceptedEventAttributes"]["protocolInstanceId"])
        elif kind == "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED":
            open_updates.remove(e["workflowExecutionUpdateCompletedEventAttributes"]["meta"]["updateId"])
        elif kind == "EVENT_TYPE_MARKER_RECORDED" and open_updates:
            details = e["markerRecordedEventAttributes"]["details"]["data"]["payloads"][0]["data"]
            marker_of[open_updates[-1]] = json.loads(base64.b64decode(details))["activity_type"]
    # The update still open when the other was accepted, its local activity already resolved.
    early = [u for u in open_updates if u in marker_of]
    return (early[-1], accepted) if early else None


@pytest.mark.parametrize("path", POISONED, ids=lambda p: p.stem)
async def test_a_poisoned_history_was_written_by_code_that_ran_local_activities(path):
    """Replayed against the code of 28c7476, each failed at the update acceptance the
    probe named (`FAILS_AT`; seen on 6 December). The current code runs no local activity,
    so it stops at the history's first marker: the history is of the removed code, and
    no release ran it (before 1.0.0, histories are re-recorded)."""
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await Replayer(workflows=[ContributionChase], data_converter=CCM_CONVERTER).replay_workflow(
        history, raise_on_replay_failure=False
    )
    assert result.replay_failure is not None
    assert "Missing associated machine for LocalActivity(1)" in str(result.replay_failure)


@pytest.mark.parametrize("path", POISONED, ids=lambda p: p.stem)
def test_a_poisoned_history_comes_from_a_local_activity_resolved_across_an_update(path):
    shape = the_poisoned_shape(events(path), FAILS_AT[path.stem])
    assert shape is not None, "no local activity of an open update before the failing acceptance"
    early, accepted = shape
    assert early != accepted


def test_the_saved_histories_of_the_current_code_have_no_such_shape():
    """The checker finds nothing in a chase history the current code recorded (no marker
    at all), so it can tell the two apart."""
    saved = next((Path(__file__).parent.parent / "histories").glob("[0-9]*/chase-*.json"))
    evs = events(saved)
    assert not [e for e in evs if e["eventType"] == "EVENT_TYPE_MARKER_RECORDED"]
    accepted = [int(e["eventId"]) for e in evs if e["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED"]
    assert accepted and all(the_poisoned_shape(evs, n) is None for n in accepted)


def test_process_workflows_run_no_local_activity():
    """Only a workflow that takes no update (the annual cycle's amounts) may run a local
    activity."""
    assert LOCAL == {Activities.cycle_amounts}
