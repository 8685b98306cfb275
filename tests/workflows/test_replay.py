"""Every version's recorded corpus (`tests/histories/<version>/`, `make freeze`) must
replay against the current workflow code, and its event-log rows must parse through the
event registry: a change that breaks either would break the runs a deployed worker has in
flight, or the reading of a log that can never be migrated (the README's versioning
policy)."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from runtime.codec import CCM_CONVERTER

HISTORIES = Path(__file__).parent.parent / "histories"


def replayer() -> Replayer:
    """A replayer of every workflow a `ccm worker` runs (`runtime.worker.workflows`)."""
    from runtime.worker import workflows

    return Replayer(workflows=workflows(), data_converter=CCM_CONVERTER)


VERSIONS = sorted(p for p in HISTORIES.iterdir() if p.is_dir() and p.name[0].isdigit())
SAVED = sorted(path for v in VERSIONS for path in v.glob("*.json") if path.name != "snapshots.json")


def test_every_version_holds_a_history_of_every_process_and_its_rows():
    assert VERSIONS, "no recorded corpus: python -m tests.histories.record"
    for folder in VERSIONS:
        assert {p.name.split("-")[0] for p in folder.glob("*.json") if p.name != "snapshots.json"} == {
            "chase",
            "meeting",
            "action",
            "concept",
            "annual",
            "obligation",
            "record",
            "bank",
            "target",
        }, folder.name
        assert (folder / "events.jsonl").stat().st_size > 0, folder.name


@pytest.mark.parametrize("folder", VERSIONS, ids=lambda p: p.name)
def test_every_row_a_version_wrote_parses_through_the_event_registry(folder):
    """The contract of the log: each row of each version is read by today's models (through
    the upcasters of its schema), whatever its type."""
    from domain.event_types import EVENT_TYPES, payload_of
    from domain.events import Event

    rows = [Event.model_validate_json(line) for line in (folder / "events.jsonl").read_text().splitlines() if line]
    for row in rows:
        payload_of(row.event_type, row.payload)
    # most of the registry is exercised by a real run, not only declared
    assert len({r.event_type for r in rows}) >= len(EVENT_TYPES) // 3


@pytest.mark.parametrize("path", SAVED, ids=lambda p: f"{p.parent.name}/{p.stem}")
async def test_a_saved_history_replays(path):
    workflow_id = path.name.removesuffix(".json")  # `chase-2027-ITA.json` -> chase-2027-ITA
    history = WorkflowHistory.from_json(workflow_id, path.read_text())
    from temporalio.api.enums.v1 import EventType

    # A real run to its end, not a stub (local activities make the short ones short).
    assert len(history.events) >= 6
    assert history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
    result = await replayer().replay_workflow(history)
    assert result.replay_failure is None


@pytest.mark.parametrize("folder", VERSIONS, ids=lambda p: p.name)
def test_every_state_a_version_handed_on_is_read_by_todays_aggregates(folder):
    """What a run of that version hands to the next when it continues as new (its
    `snapshot`): a run continuing on a newer worker starts from it."""
    import json

    from domain.action_items import ActionItem as Item
    from domain.chase import Chase
    from domain.concept_notes import ConceptNote as Note
    from domain.meetings import Meeting as MeetingProcess
    from domain.obligations import Obligation as ObligationProcess

    models = {
        "chase": Chase,
        "meeting": MeetingProcess,
        "action": Item,
        "concept": Note,
        "obligation": ObligationProcess,
    }
    snapshots = json.loads((folder / "snapshots.json").read_text())
    assert {wid.split("-")[0] for wid in snapshots} == set(models)
    for wid, state in snapshots.items():
        process = models[wid.split("-")[0]].model_validate(state)
        assert process.model_dump(mode="json") == state, wid  # read whole, nothing dropped


def _timers_of(history) -> list[float]:
    """The seconds each timer of a history was set for, in order."""
    from temporalio.api.enums.v1 import EventType

    return [
        ev.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta().total_seconds()
        for ev in history.events
        if ev.event_type == EventType.EVENT_TYPE_TIMER_STARTED
    ]


@pytest.mark.parametrize(
    "path",
    [p for p in SAVED if p.name.split("-")[0] in ("chase", "obligation", "concept", "action", "meeting")],
    ids=lambda p: f"{p.parent.name}/{p.stem}",
)
async def test_a_saved_history_sets_the_same_timers(path, monkeypatch):
    """Temporal's replay checks which commands a workflow sends, not how long its timers
    run: a reminder moved by a week would replay clean. Replayed here, the code of HEAD must
    set each timer the history set, to the second (the history's clock is the replay's)."""
    from temporalio import workflow

    history = WorkflowHistory.from_json(path.name.removesuffix(".json"), path.read_text())
    set_now: list[float] = []
    original = workflow.wait_condition

    async def recording(fn, *, timeout=None, **kwargs):
        if timeout is not None:
            set_now.append(timeout.total_seconds() if hasattr(timeout, "total_seconds") else float(timeout))
        return await original(fn, timeout=timeout, **kwargs)

    monkeypatch.setattr(workflow, "wait_condition", recording)
    result = await replayer().replay_workflow(history)
    assert result.replay_failure is None
    # Each timer the history holds was set by HEAD at one of its waits (a wait that an
    # update in the same task ended sets no timer, so the lists need not be equal).
    recorded = _timers_of(history)
    assert recorded or not path.name.startswith("chase-"), "the chase's history holds its timers"
    # (to the millisecond: the history's duration is truncated to its protobuf's precision)
    assert [t for t in recorded if not any(abs(t - s) < 0.001 for s in set_now)] == []


async def test_the_clock_option_moves_the_servers_clock(time_skipping_env, request):
    """`--clock MM-DD[THH:MM]` (make test-dates): the server's day is that day."""
    spec = request.config.getoption("--clock")
    if not spec:
        pytest.skip("run with --clock MM-DD (make test-dates)")
    now = await time_skipping_env.get_current_time()
    assert now.strftime("%m-%d") == spec[:5]
