"""A universalization campaign on the time-skipping server: its coordinators reminded a week
before each Committee meeting it is told of, its outreach held, and its end the day the
State's accession is recorded."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta, timezone

from domain.campaigns import CampaignInput, Joined, NoteMeeting, RecordOutreach
from tests.conftest import act, sleep_until
from workflows.campaign import Campaign


def types(log, handle) -> list[str]:
    return [e.event_type for e in log.query(workflow_id=handle.id)]


async def test_a_campaign_reminds_before_each_meeting_and_ends_when_the_state_joins(
    time_skipping_env, task_queue, worker, log
):
    env = time_skipping_env
    today = (await env.get_current_time()).date()
    first, second = today + timedelta(days=20), today + timedelta(days=50)
    inp = CampaignInput(
        state="MMR", state_name="Myanmar", category="administrative", coordinator="coordinator:universalization",
        target="8-new-by-7msp", meetings=[first],
    )  # fmt: skip
    handle = await env.client.start_workflow(
        Campaign.run, inp, id=f"campaign-MMR-{uuid.uuid4().hex[:6]}", task_queue=task_queue
    )
    letter = RecordOutreach(kind="letter", day=today, note="The President wrote to the Head of Mission.",
                            office="president")  # fmt: skip
    await act(handle, Campaign.record_outreach, letter)
    await act(handle, Campaign.note_meeting, NoteMeeting(day=second, office="isu"))
    await sleep_until(env, datetime.combine(second - timedelta(days=1), time(12), tzinfo=timezone.utc))
    status = await handle.query(Campaign.status)
    assert status.reminded == [first, second] and status.stage == "open"
    reminders = [e for e in log.query(workflow_id=handle.id) if e.event_type == "campaign.reminder_sent"]
    assert [e.occurred_at.date() for e in reminders] == [first - timedelta(days=7), second - timedelta(days=7)]
    assert reminders[1].payload["subject"] == f"Universalization: Myanmar, for the meeting of {second.isoformat()}"

    joined = await act(handle, Campaign.join, Joined(event="accession", deposited=second, office="isu"))
    assert joined.stage == "joined"
    result = await handle.result()  # the campaign ends by itself once the accession is recorded
    assert result.stage == "joined" and result.joined == second
    assert types(log, handle) == [
        "campaign.started",
        "campaign.outreach_recorded",
        "campaign.meeting_noted",
        "campaign.reminder_sent",
        "campaign.reminder_sent",
        "campaign.joined",
    ]
