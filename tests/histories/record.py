"""Record a chase history for the replay test: `python -m tests.histories.record`.

Re-record only on purpose: the saved file is what proves that running workflows still
replay after a change (use `workflow.patched` for changes of logic)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.database import open_event_log
from activities.letters import Mailbox
from activities.records import CcmActivities
from cli.devserver import binary
from domain.chase import ChaseInput, Pledge, RecordReceipt, ReportPayment, SetMspDate
from workflows.common import CCM_STAGE, CCM_STATE, CCM_YEAR
from workflows.contribution_chase import ContributionChase

HERE = Path(__file__).parent


async def main() -> None:
    keys = [CCM_STATE, CCM_YEAR, CCM_STAGE]
    env = await WorkflowEnvironment.start_local(dev_server_existing_path=binary("temporal"), search_attributes=keys,
                                                data_converter=pydantic_data_converter, ui=False)
    home = Path(tempfile.mkdtemp())
    acts = CcmActivities(open_event_log(f"sqlite:///{home / 'e.db'}"), Mailbox(home, "isu@example.org"))
    year = date.today().year + 1
    async with env:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            async with Worker(env.client, task_queue="replay", workflows=[ContributionChase],
                              activities=acts.all(), activity_executor=pool):
                inp = ChaseInput(state="ITA", year=year, amount_due=Decimal("38486"), msp_date=date(year, 9, 4))
                handle = await env.client.start_workflow(ContributionChase.run, inp, id=f"chase-{year}-ITA",
                                                         task_queue="replay")
                today = date.today()
                await handle.execute_update(ContributionChase.set_msp_date, SetMspDate(msp_date=date(year, 9, 11)))
                await handle.execute_update(ContributionChase.pledge, Pledge(expected_date=date(year, 3, 1)))
                await handle.execute_update(ContributionChase.report_payment, ReportPayment(date=today))
                await handle.execute_update(ContributionChase.record_receipt,
                                            RecordReceipt(amount=Decimal("20000"), date=today, budget_line="7a"))
                await handle.execute_update(ContributionChase.record_receipt,
                                            RecordReceipt(amount=Decimal("18486"), date=today, budget_line="7c"))
                await handle.result()
                history = await handle.fetch_history()
    (HERE / "contribution_chase.json").write_text(history.to_json())
    print(f"saved {len(history.events)} events")


if __name__ == "__main__":
    asyncio.run(main())
