"""`ccm chase status --year` answers from visibility: each chase keeps its row in its
run's memo, so the year lists in one call, even with no worker to answer a query."""

from __future__ import annotations

import json
from pathlib import Path

from domain.schedule import geneva_today
from tests.conftest import start_worker, wait_for

NEXT = geneva_today().year + 1


def test_a_years_chases_list_from_their_memos_with_no_worker_running(ccm, ccm_env):
    home = Path(ccm_env["CCM_HOME"])
    worker = start_worker(ccm_env, home / "worker.log")
    try:
        for state, amount in (("SWE", "1000"), ("SMR", "100"), ("ITA", "38486")):
            assert ccm("chase", "start", "--state", state, "--year", NEXT, "--amount", amount).exit_code == 0
        assert ccm("chase", "receive", "--state", "SWE", "--year", NEXT, "--amount", "400").exit_code == 0
        assert (
            ccm("chase", "cancel", "--state", "SMR", "--year", NEXT, "--reason", "test", "--as", "president").exit_code
            == 0
        )

        def listed():
            rows = json.loads(ccm("chase", "status", "--year", NEXT, "-o", "json").stdout)
            return rows if {r["state"]: r["stage"] for r in rows}.get("SMR") == "cancelled" else None

        with_worker = wait_for(listed)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    # No worker polls now: a query would wait for one; the list reads the memos.
    without = json.loads(ccm("chase", "status", "--year", NEXT, "-o", "json").stdout)
    assert without == with_worker
    rows = {r["state"]: r for r in without}
    assert (rows["SWE"]["received"], rows["SWE"]["outstanding"]) == ("400.00", "600.00")
    assert rows["ITA"]["letters"] == 1 and rows["ITA"]["next_action"] == "send the second reminder"
    assert list(rows) == ["ITA", "SMR", "SWE"]
