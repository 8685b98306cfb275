"""`ccm universalization`: a campaign per target State (`domain.campaigns`), each a durable
workflow that holds its outreach, reminds its coordinators before each Committee meeting,
and ends when the State's accession is recorded."""

from __future__ import annotations

import click

from cli.client import as_option, connect, connect_polled, read_status, run, update
from cli.common import (
    ANY_STATE,
    PAST,
    TextType,
    emit,
    log_registry,
    out_options,
    output_option,
    rebuild_reason,
    settings,
)
from cli.meeting import OwnerType
from domain.clock import geneva_today


class TargetType(click.ParamType):
    """A universalization target's id (`domain/data/universalization_targets.csv`),
    checked when used, so `ccm --help` need not read the data."""

    name = "TARGET"

    def convert(self, value, param, ctx):
        from domain.universalization import targets

        ids = [t.id for t in targets()]
        if value not in ids:
            self.fail(f"{str(value)[:40]!r} is not a target: one of {', '.join(ids)}", param, ctx)
        return value


@click.group()
def universalization():
    """Universalization campaigns: one per target State, with its outreach and coordinators."""


def _id(state: str) -> str:
    from domain.campaigns import campaign_id

    return campaign_id(state)


async def _meetings_ahead(client) -> list:
    """The Committee meetings scheduled from today on (what a new campaign is reminded of)."""
    from cli.meeting import meeting_dates

    return await meeting_dates(client, geneva_today(), open_only=True)


@universalization.command("target")
@click.option("--state", type=ANY_STATE, required=True, help="the target State (not a State Party)")
@click.option(
    "--category",
    type=click.Choice(["administrative", "political"]),
    required=True,
    help="why it has not joined: administrative reasons, or political and security concerns",
)
@click.option("--coordinator", type=OwnerType(), default="coordinator:universalization", show_default=True,
              help="who leads the campaign: an office or a State")  # fmt: skip
@click.option("--target", "target_id", type=TargetType(), help="the universalization target it serves (its id)")
@as_option("president")
def universalization_target(state, category, coordinator, target_id, acting):
    """Start a campaign for a State not party: its coordinators are reminded a week before
    each Committee meeting scheduled; it ends when the State's accession is recorded."""
    from domain.campaigns import CampaignInput
    from domain.states import UnknownState, name_of
    from services.commands import start
    from workflows.campaign import Campaign

    try:
        party = log_registry().get(state).status_on(geneva_today()) == "party"
    except UnknownState:
        party = False
    if party:
        raise click.BadParameter(
            f"{name_of(state)} is a State Party: there is nothing to campaign for", param_hint="--state"
        )

    async def go():
        client = await connect_polled()
        meetings = await _meetings_ahead(client)
        inp = CampaignInput(
            state=state, state_name=name_of(state), category=category, coordinator=coordinator,
            target=target_id or "", meetings=meetings,
        )  # fmt: skip
        await start(client, Campaign.run, inp, _id(state), settings().task_queue, acting,
                    static_summary=f"Universalization: {name_of(state)} ({category})")  # fmt: skip
        return meetings

    meetings = run(go())
    ahead = ", ".join(d.isoformat() for d in meetings) or "none scheduled yet"
    click.echo(f"{_id(state)}: started; its coordinators are reminded before the meetings of {ahead}")


@universalization.command("watch")
@as_option("isu")
def universalization_watch(acting):
    """Watch each universalization target to its day (`ccm states targets` lists them): the
    day after, it is counted from the registry and logged met or missed. A target whose
    day has passed is judged at once; one already watched is left as it is."""
    from temporalio.exceptions import WorkflowAlreadyStartedError

    from domain.target_watch import TargetWatchInput, watch_id
    from domain.universalization import targets
    from services.commands import start
    from workflows.target_watch import UniversalizationTarget

    async def go():
        client = await connect_polled()
        said = []
        for t in targets():
            try:
                await start(client, UniversalizationTarget.run, TargetWatchInput(target=t), watch_id(t.id),
                            settings().task_queue, acting, static_summary=f"Target: {t.target}")  # fmt: skip
                said.append(f"{watch_id(t.id)}: watched; counted on {t.by.isoformat()}")
            except WorkflowAlreadyStartedError:
                said.append(f"{watch_id(t.id)}: already watched")
        return said

    for line in run(go()):
        click.echo(line)


@universalization.command("outreach")
@click.option("--state", type=ANY_STATE, required=True, help="the target State")
@click.option("--kind", type=click.Choice(["letter", "visit", "meeting", "call", "workshop"]), required=True)
@click.option("--on", "day", type=PAST, required=True, help=f"the day it was made ({PAST.window()})")
@click.option("--note", type=TextType(2_000), required=True, help="what was done and said")
@as_option("president")
def universalization_outreach(state, kind, day, note, acting):
    """Record outreach to a target State: the President's letter, a visit, a meeting."""
    from domain.campaigns import RecordOutreach

    cmd = RecordOutreach(kind=kind, day=day, note=note, **acting.model_dump())
    result = run(update(_id(state), "record_outreach", cmd))
    click.echo(f"{result.workflow_id}: {kind} of {day} recorded")


@universalization.command("letter")
@click.option("--state", type=ANY_STATE, required=True, help="the target State")
@click.option("--language", type=click.Choice(["en", "fr", "es"]), help="default: the State's, from contacts.csv")
@click.option("--preview", is_flag=True, help="draw it into a PDF without sending it")
@out_options("with --preview: the PDF to write (default: its reference, CCM-PRES-2026-MMR-1.pdf)")
@as_option("president")
def universalization_letter(state, language, preview, out, force, acting):
    """The President's letter to a target State's head of mission, inviting it to join (to
    ratify, if it has signed) and offering a meeting or a visit; in the campaign's
    category, in English, French or Spanish. The worker draws and sends it as the
    President's letters of a chase are, and the campaign records it as outreach; with
    --preview it is drawn here and nothing is sent."""
    from activities.letters import languages_of, load_contacts
    from cli.letters import draw_letter
    from domain.campaigns import CampaignStatus, SendLetter

    if out is not None and not preview:
        raise click.UsageError("--out goes with --preview: a letter sent is written by the worker")
    language = language or languages_of(load_contacts(settings().contacts_file)).get(state, "en")
    signed = log_registry().get(state).status_on(geneva_today()) == "signatory"
    status = run(read_status(_id(state), CampaignStatus))
    if status.stage != "open":
        raise click.ClickException(f"the campaign for {state} is {status.stage}: no letter goes from it")
    if preview:
        letters = sum(1 for o in status.outreach if o.kind == "letter" and o.by == "president")
        context = {"year": geneva_today().year, "category": status.category, "signed": signed,
                   "letter_number": letters + 1}  # fmt: skip
        draw_letter("outreach_letter", state, context, language, out, force)
        return
    result = run(update(_id(state), "send_letter", SendLetter(language=language, signed=signed, **acting.model_dump())))
    click.echo(f"{result.workflow_id}: the President's letter ({language}) is being drawn and sent (ccm outbox list)")


@universalization.command("close")
@click.option("--state", type=ANY_STATE, required=True, help="the target State")
@click.option("--reason", type=TextType(2_000), required=True, help="why it ends")
@as_option("president")
def universalization_close(state, reason, acting):
    """End a campaign without the State joining (its coordinators or the Presidency)."""
    from domain.campaigns import CloseCampaign

    result = run(update(_id(state), "close", CloseCampaign(reason=reason, **acting.model_dump())))
    click.echo(f"{result.workflow_id}: {result.stage}")


@universalization.command("list")
@click.option("--all", "everything", is_flag=True, help="ended campaigns too")
@click.option(
    "--region", type=click.Choice(["Africa", "Americas", "Asia", "Europe", "Oceania"]), help="only this UN region"
)
@click.option("--coordinator", type=OwnerType(), help="only those this office or State leads")
@output_option()
def universalization_list(everything, region, coordinator, output):
    """The campaigns (the target lists, by region and coordinator), with their category,
    coordinator, outreach made and next reminder."""
    from domain.campaigns import CampaignStatus
    from domain.states import world

    regions = {w.alpha3: w.region for w in world()}
    clauses = ["WorkflowType = 'Campaign'"] + ([] if everything else ["ExecutionStatus = 'Running'"])

    async def go():
        client = await connect()
        rows = []
        for wid in sorted({wf.id async for wf in client.list_workflows(" AND ".join(clauses))}):
            st = await read_status(wid, CampaignStatus, client)
            if (region and regions.get(st.state) != region) or (coordinator and st.coordinator != coordinator):
                continue
            last = st.outreach[-1] if st.outreach else None
            rows.append(
                {
                    "state": st.state, "region": regions.get(st.state, ""), "category": st.category,
                    "coordinator": st.coordinator, "stage": st.stage,
                    "outreach": len(st.outreach), "last": f"{last.day} {last.kind}" if last else "",
                    "next_reminder": st.next_action_at.date().isoformat() if st.next_action_at else "",
                }
            )  # fmt: skip
        return rows

    rows = run(go())
    columns = ["state", "region", "category", "coordinator", "stage", "outreach", "last", "next_reminder"]
    emit(rows, output, columns, title=f"Universalization campaigns ({len(rows)})")


@universalization.command("rebuild")
@click.option("--state", type=ANY_STATE, required=True, help="the target State")
@rebuild_reason
@as_option("isu")
def universalization_rebuild(state, reason, acting):
    """Start a campaign again from the event log (its history no longer replays): the
    outreach, the meetings noted and the reminders sent are folded back; nothing is sent again."""
    from cli.client import rebuild
    from cli.common import open_log
    from domain.campaigns import CampaignInput, CampaignStatus
    from workflows.campaign import Campaign

    rebuild(open_log(), _id(state), Campaign.run, CampaignInput, CampaignStatus, reason, acting,
            lambda s: f"{s.stage}, {len(s.outreach)} outreach")  # fmt: skip
