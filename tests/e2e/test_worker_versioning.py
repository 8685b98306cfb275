"""Worker Versioning as deployed: each release's workers are a version of the deployment
(`CCM_BUILD_ID`); a run starts pinned to the current version and stays on it when a newer
one is made current (`ccm worker --promote`), and moves to the newer one only when it
continues as new (on its anniversary at the latest). Two real `ccm worker` processes on the
dev server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from domain.action_items import ActionItemInput, Reassign
from domain.schedule import geneva_today
from tests.conftest import start_worker, wait_for
from workflows.action_item import ActionItem

pytestmark = pytest.mark.slow


def version_of(description) -> tuple[str, str]:
    """(build id, behaviour) of a run, as the server describes it."""
    info = description.raw_description.workflow_execution_info.versioning_info
    return info.deployment_version.build_id, info.behavior


async def test_a_run_stays_on_its_version_and_moves_only_when_it_continues_as_new(ccm_env, client, tmp_path):
    from temporalio.api.enums.v1 import VersioningBehavior

    queue = ccm_env["CCM_TASK_QUEUE"]
    old = start_worker(ccm_env | {"CCM_BUILD_ID": "1.0.0"}, tmp_path / "v1.log", ("worker", "--promote"))
    new = None
    try:
        wait_for(lambda: "is now current" in Path(tmp_path / "v1.log").read_text(), seconds=30)

        def item(n: int) -> ActionItemInput:
            due = geneva_today() + timedelta(days=30)
            return ActionItemInput(
                owner="ITA", text="Operational plan", due=due, source="test", number=n, continue_after=60
            )

        long_lived = await client.start_workflow(
            ActionItem.run, item(1), id=f"action-v-{uuid.uuid4().hex[:6]}", task_queue=queue
        )
        await long_lived.execute_update(ActionItem.reassign, Reassign(owner="CHL", office="isu"))
        first = await long_lived.describe()
        assert version_of(first) == ("1.0.0", VersioningBehavior.VERSIONING_BEHAVIOR_PINNED)

        new = start_worker(ccm_env | {"CCM_BUILD_ID": "2.0.0"}, tmp_path / "v2.log", ("worker", "--promote"))
        wait_for(lambda: "is now current" in Path(tmp_path / "v2.log").read_text(), seconds=30)
        # The server's task routing takes the new current version a moment after it answers
        # (more under load): new runs are started until one lands on it, within 30 s.
        for attempt in range(60):
            later = await client.start_workflow(
                ActionItem.run, item(2), id=f"action-v-{uuid.uuid4().hex[:6]}", task_queue=queue
            )
            await later.execute_update(ActionItem.reassign, Reassign(owner="CHL", office="isu"))
            if version_of(await later.describe())[0] == "2.0.0" or attempt == 59:
                break
            await later.terminate("started before the routing took the new version")
            await asyncio.sleep(0.5)
        assert version_of(await later.describe())[0] == "2.0.0"  # a new run starts on the current version
        await long_lived.execute_update(ActionItem.reassign, Reassign(owner="ITA", office="isu"))
        assert version_of(await long_lived.describe())[0] == "1.0.0"  # a running one stays on its own

        for owner in ["CHL", "ITA"] * 8:  # past its bound of history events: it continues as new
            await long_lived.execute_update(ActionItem.reassign, Reassign(owner=owner, office="isu"))
        current = client.get_workflow_handle(long_lived.id)
        moved = await current.describe()
        assert moved.run_id != first.run_id and version_of(moved)[0] == "2.0.0"
        assert (await current.query(ActionItem.status)).owner == "ITA"
        for handle in (current, later):
            await handle.terminate("test over")
    finally:
        for proc in (old, new):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
