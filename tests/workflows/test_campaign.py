"""A universalization campaign on the time-skipping server: its coordinators reminded a week
before each Committee meeting it is told of, its outreach held, and its end the day the
State's accession is recorded."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, time, timedelta, timezone

import pytest
from temporalio.client import WorkflowUpdateFailedError

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


async def test_the_presidents_letter_goes_to_the_head_of_mission_and_is_outreach(
    time_skipping_env, task_queue, worker, log, home
):
    """Indonesia signed in 2008 and has not ratified: the President asks it to ratify, in
    French here, to its head of mission by name; Myanmar has no row in contacts.csv, so
    its letter is held with the reason, and nothing is sent."""
    from domain.campaigns import SendLetter
    from tests.letters import pdf_of, pdf_text, read_message

    env = time_skipping_env
    handles = {}
    for state, name, category in (("IDN", "Indonesia", "political"), ("MMR", "Myanmar", "administrative")):
        inp = CampaignInput(state=state, state_name=name, category=category, coordinator="coordinator:universalization")
        handles[state] = await env.client.start_workflow(
            Campaign.run, inp, id=f"campaign-{state}-{uuid.uuid4().hex[:6]}", task_queue=task_queue
        )
    letter = SendLetter(language="fr", signed=True, actor="Michael Biontino", office="president")
    sent = await handles["IDN"].execute_update(Campaign.send_letter, letter)
    assert sent.events == ["campaign.letter_sent"]
    with pytest.raises(WorkflowUpdateFailedError) as refused:  # the validator: nothing is written
        await handles["IDN"].execute_update(Campaign.send_letter, SendLetter(language="en", office="isu"))
    assert "only the Presidency may send letter" in str(refused.value.cause)
    await act(handles["MMR"], Campaign.send_letter, SendLetter(office="president"))

    async def rows(state):
        """The letter's row, once the worker has drawn it (or held it), beside the update."""
        for _ in range(300):
            found = [e for e in log.query(workflow_id=handles[state].id) if e.event_type == "campaign.letter_sent"]
            if found:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"no letter row for {state}")

    [idn] = await rows("IDN")
    assert (idn.payload["letter"], idn.payload["language"], idn.payload["delivery"]) == (
        "outreach_letter",
        "fr",
        "outbox",
    )
    assert idn.payload["reference_number"].startswith("CCM-PRES/") and idn.payload["signed_by"] == "Michael Biontino"
    [path] = [p for p in (home / "outbox" / "new").iterdir() if p.name.startswith(handles["IDN"].id)]
    text = pdf_text(pdf_of(read_message(path)))
    assert "que l’Indonésie a signée mais n’a pas encore ratifiée" in text or "que l'Indonésie a signée" in text, text
    assert "Alex Morgan" in text and "s'entretenir avec vous" in text.replace("’", "'")
    status = await handles["IDN"].query(Campaign.status)
    assert [(o.kind, o.by) for o in status.outreach] == [("letter", "president")]

    [mmr] = await rows("MMR")
    assert mmr.payload["delivery"] == "held" and "address missing: MMR has no row" in mmr.payload["reason"]
