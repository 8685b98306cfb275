"""Saved histories must replay against the current workflow code."""

from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.contribution_chase import ContributionChase

HISTORIES = Path(__file__).parent.parent / "histories"


async def test_a_saved_contribution_chase_history_replays():
    history = WorkflowHistory.from_json("chase-replay", (HISTORIES / "contribution_chase.json").read_text())
    assert len(history.events) > 20
    replayer = Replayer(workflows=[ContributionChase], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None
