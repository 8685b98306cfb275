"""Saved histories of v1 must replay against the current workflow code: a change that
breaks them would break the runs a deployed worker has in flight (see the README's
versioning policy). Until 1.0.0 is tagged, a change of logic re-records them."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from runtime.codec import CCM_CONVERTER
from workflows.action_item import ActionItem
from workflows.annual_cycle import AnnualContributionCycle
from workflows.bank_statement import BankStatementImport
from workflows.concept_note import ConceptNote
from workflows.contribution_chase import ContributionChase
from workflows.meeting import Meeting
from workflows.obligation import Obligation
from workflows.record import RecordCommand

HISTORIES = Path(__file__).parent.parent / "histories"


SAVED = sorted(HISTORIES.glob("*.json"))


def test_every_process_has_a_saved_history():
    assert {p.name.split("-")[0] for p in SAVED} == {"chase", "meeting", "action", "concept", "annual", "obligation",
                                                     "record", "bank"}


@pytest.mark.parametrize("path", SAVED, ids=lambda p: p.stem)
async def test_a_saved_history_replays(path):
    workflow_id = path.name.split(".")[0]  # `chase-2027-ITA.json` -> chase-2027-ITA
    history = WorkflowHistory.from_json(workflow_id, path.read_text())
    from temporalio.api.enums.v1 import EventType

    # A real run to its end, not a stub (local activities make the short ones short).
    assert len(history.events) >= 6
    assert history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
    replayer = Replayer(workflows=[ContributionChase, Meeting, ActionItem, ConceptNote, AnnualContributionCycle,
                                   Obligation, RecordCommand, BankStatementImport],
                        data_converter=CCM_CONVERTER)
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None


async def test_the_clock_option_moves_the_servers_clock(time_skipping_env, request):
    """`--clock MM-DD[THH:MM]` (make test-dates): the server's day is that day."""
    spec = request.config.getoption("--clock")
    if not spec:
        pytest.skip("run with --clock MM-DD (make test-dates)")
    now = await time_skipping_env.get_current_time()
    assert now.strftime("%m-%d") == spec[:5]
