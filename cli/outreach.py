"""`ccm event` and `ccm coalition`: the Committee's events and its Country Coalitions
(`domain.outreach`), recorded by the worker; an event's outcome note is an action item."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from cli.client import as_option, connect_polled, record, run, update
from cli.common import (
    ANY_STATE,
    DATE,
    TextType,
    emit,
    output_option,
    read_input,
    reading_log,
    settings,
    state_codes,
    years_from,
)
from cli.meeting import OwnerType
from cli.plan import ThemeType
from domain.clock import geneva_today

EVENT_COLUMNS = ["id", "first_day", "last_day", "kind", "title", "host", "place", "owner", "funding", "stage"]
OPENED = date(2008, 12, 3)  # the Convention opened for signature: no event of its own before


def _events():
    from domain.outreach import fold_events

    with reading_log() as log:
        return fold_events(log.query(event_type="outreach.*"))


def _event_rows(event_id: str) -> list:
    """An event's rows, or one line saying it is not recorded."""
    with reading_log() as log:
        rows = list(log.query(workflow_id=event_id))
    if not any(r.event_type == "outreach.planned" for r in rows):
        raise click.BadParameter(f"no event {event_id!r} is recorded (ccm event list)", param_hint="EVENT")
    return rows


def _event(event_id: str):
    from domain.outreach import fold_events

    return fold_events(_event_rows(event_id))[event_id]


def _outcome_item(event_id: str) -> str:
    from domain.action_items import action_id

    return action_id(event_id, 1)


@click.group()
def event():
    """The Committee's events beyond its meetings: workshops, side events, others'
    meetings, visits; host, place, days, target States, funding, outcome note."""


@event.command("add")
@click.option("--title", type=TextType(200, lines=False), required=True, help="what it is called")
@click.option(
    "--kind", type=click.Choice(["workshop", "side_event", "meeting", "visit"]), required=True, help="what kind"
)
@click.option("--host", type=TextType(200, lines=False), required=True, help="who hosts it (a State, an organization)")
@click.option("--place", type=TextType(200, lines=False), required=True, help="where (a city, a mission)")
@click.option("--from", "first_day", type=DATE, required=True, help="its first day")
@click.option("--to", "last_day", type=DATE, help="its last day (default: its first)")
@click.option("--owner", type=OwnerType(), required=True, help="who answers for it: a State or an office")
@click.option("--theme", type=ThemeType(), help="the theme it serves")
@click.option("--targets", help="the States it is for, comma-separated (codes or names)")
@click.option("--funder", type=TextType(200, lines=False), help="who is asked to fund it, or funds it")
@click.option(
    "--funding",
    type=click.Choice(["none", "requested", "granted", "refused"]),
    default="none",
    show_default=True,
    help="where its funding stands",
)
@as_option("isu")
def event_add(title, kind, host, place, first_day, last_day, owner, theme, targets, funder, funding, acting):
    """Record an event; its outcome note (the feedback asked for) becomes an action item of
    its owner, due 30 days after its last day, with the action items' reminders."""
    from domain.outreach import OutreachEvent, event_id, outcome_due, planned_event

    last_day = last_day or first_day
    if last_day < first_day:
        raise click.BadParameter(f"{last_day} is before --from {first_day}", param_hint="--to")
    if first_day < OPENED or last_day > years_from(geneva_today(), 5):  # 29 February + 5 years: 28 February
        raise click.BadParameter(
            f"{first_day}: an event of the Convention falls from {OPENED} to five years ahead", param_hint="--from"
        )
    if funding != "none" and not funder:
        raise click.UsageError(f"--funding {funding} needs --funder")
    wid = event_id(title, first_day)
    planned = OutreachEvent(
        id=wid, title=title, kind=kind, host=host, place=place, first_day=first_day, last_day=last_day, owner=owner,
        theme=theme or "", targets=state_codes(targets), funder=funder or "", funding=funding,
    )  # fmt: skip
    row = planned_event(planned, min(first_day, geneva_today()), acting.actor, acting.office)
    done = record("record_outreach", [row], acting)
    due = outcome_due(last_day)
    said = f"{wid}: {kind.replace('_', ' ')} recorded" + ("" if done.written else " (already recorded)")
    if due > geneva_today():
        said += f"; its outcome note is due on {due} ({_start_outcome_item(wid, title, owner, due, acting)})"
    click.echo(said)


def _start_outcome_item(wid: str, title: str, owner: str, due: date, acting) -> str:
    from temporalio.exceptions import WorkflowAlreadyStartedError

    from cli.coordinators import coordinators_of
    from domain.action_items import ActionItemInput, action_summary
    from services.commands import start
    from workflows.action_item import ActionItem

    inp = ActionItemInput(
        owner=owner,
        text=f"Outcome note of {title}",
        due=due,
        source=wid,
        number=1,
        coordinators=coordinators_of(owner, due),
    )
    summary, details = action_summary(inp)

    async def go():
        client = await connect_polled()
        try:
            await start(
                client, ActionItem.run, inp, _outcome_item(wid), settings().task_queue, acting,
                static_summary=summary, static_details=details,
            )  # fmt: skip
        except WorkflowAlreadyStartedError:
            pass
        return _outcome_item(wid)

    return f"action item {run(go())}"


@event.command("funding")
@click.argument("event_id", metavar="EVENT")
@click.option("--funder", type=TextType(200, lines=False), required=True, help="who is asked, or funds it")
@click.option("--status", type=click.Choice(["requested", "granted", "refused"]), required=True, help="where it stands")
@as_option("isu")
def event_funding(event_id, funder, status, acting):
    """Record where an event's funding stands (the EU asked to fund two workshops)."""
    from domain.outreach import outreach_event

    funded = [r for r in _event_rows(event_id) if r.event_type == "outreach.funding_set"]
    key = f"funding-{status}-{len(funded) + 1}"
    by = {"actor": acting.actor, "office": acting.office}
    row = outreach_event("outreach.funding_set", event_id, key, geneva_today(), funder=funder, funding=status, **by)
    record("record_outreach", [row], acting)
    click.echo(f"{event_id}: funding {status} ({funder})")


@event.command("outcome")
@click.argument("event_id", metavar="EVENT")
@click.option(
    "--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True, help="the note"
)
@as_option("isu")
def event_outcome(event_id, path, acting):
    """Record an event's outcome note; its action item is done."""
    from domain.outreach import outreach_event

    _event(event_id)
    from domain.text import clean_text

    text = read_input(path).strip()
    if not text:
        raise click.BadParameter(f"{path} is empty", param_hint="--file")
    try:
        clean_text(text, lines=True)
    except ValueError as e:
        raise click.BadParameter(f"{path} {e}", param_hint="--file") from None
    if len(text) > 20_000:
        raise click.BadParameter(f"{path} holds {len(text):,} characters, a note at most 20,000", param_hint="--file")
    row = outreach_event(
        "outreach.outcome_recorded", event_id, "outcome", geneva_today(), acting.actor, acting.office, text=text
    )
    done = record("record_outreach", [row], acting)
    click.echo(f"{event_id}: outcome recorded" + ("" if done.written else " (already recorded)") + _close(event_id))


def _close(event_id: str, cancel: str = "") -> str:
    """The outcome note's action item closed (done, or cancelled with the event), if it runs."""
    from domain.action_items import CancelAction, Complete

    cmd = CancelAction(reason=cancel, office="isu") if cancel else Complete(note="outcome recorded", office="isu")
    try:
        run(update(_outcome_item(event_id), "cancel" if cancel else "complete", cmd))
    except click.ClickException:
        return ""  # no item (a past event), or already closed
    return f"; action item {_outcome_item(event_id)} {'cancelled' if cancel else 'done'}"


@event.command("cancel")
@click.argument("event_id", metavar="EVENT")
@click.option("--reason", type=TextType(2_000), required=True, help="why")
@as_option("isu")
def event_cancel(event_id, reason, acting):
    """Cancel an event, with a reason; its outcome note is no longer asked for."""
    from domain.outreach import outreach_event

    _event(event_id)
    row = outreach_event("outreach.cancelled", event_id, "cancelled", geneva_today(), acting.actor, acting.office,
                         reason=reason)  # fmt: skip
    record("record_outreach", [row], acting)
    click.echo(f"{event_id}: cancelled" + _close(event_id, cancel=reason))


@event.command("list")
@click.option("--as-of", type=DATE, help="the events' stages on that day (default today)")
@click.option("--theme", type=ThemeType(), help="only those serving this theme")
@click.option("--target", type=ANY_STATE, help="only those for this State")
@output_option()
def event_list(as_of, theme, target, output):
    """The events recorded, with their stage: planned, under way, held, outcome recorded,
    cancelled."""
    on = as_of or geneva_today()
    rows = []
    for e in sorted(_events().values(), key=lambda e: (e.first_day, e.id)):
        if (theme and e.theme != theme) or (target and target not in e.targets):
            continue
        rows.append(e.model_dump(mode="json") | {"stage": e.stage(on), "targets": ",".join(e.targets)})
    emit(rows, output, EVENT_COLUMNS, title=f"Events ({len(rows)}) on {on}")


@event.command("ics")
@click.argument("event_id", metavar="EVENT")
def event_ics(event_id):
    """The event as a calendar file (all-day, its days), to send as an invitation."""
    from activities.calendar import outreach_ics

    click.echo(outreach_ics(_event(event_id)).decode(), nl=False)


@click.group()
def coalition():
    """Country Coalitions (the Presidency's non-paper of 4 November 2016): a target State, a
    lead State, donors, stakeholders, status, its events and a funding line."""


@coalition.command("set")
@click.option("--target", type=ANY_STATE, required=True, help="the State the coalition is for")
@click.option(
    "--lead", type=ANY_STATE, required=True, help="the lead or donor State that coordinates it with the target"
)
@click.option("--donors", help="donor States, comma-separated")
@click.option("--stakeholders", type=TextType(2_000, lines=False), help="others, separated by ';'")
@click.option("--status", type=click.Choice(["proposed", "active", "closed"]), default="proposed", show_default=True)
@click.option("--event", "events", multiple=True, help="an event held for it (ccm event list); repeatable")
@click.option("--funding-line", type=click.Choice(["7a", "7b", "7c"]), help="the budget line that funds it")
@click.option("--note", type=TextType(2_000), help="anything more")
@as_option("president")
def coalition_set(target, lead, donors, stakeholders, status, events, funding_line, note, acting):
    """Set a target State's coalition as it stands now (a new row; the earlier ones stay)."""
    from domain.outreach import Coalition, coalition_event

    if lead == target:
        raise click.BadParameter("the lead State is not the target State", param_hint="--lead")
    known = _events()
    unknown = [e for e in events if e not in known]
    if unknown:
        raise click.BadParameter(f"no event {unknown[0]!r} is recorded (ccm event list)", param_hint="--event")
    with reading_log() as log:
        before = len(list(log.query(workflow_id=f"coalition-{target}")))
    coalition = Coalition(
        target=target,
        lead=lead,
        donors=state_codes(donors),
        stakeholders=[s.strip() for s in (stakeholders or "").split(";") if s.strip()],
        status=status,
        events=list(events),
        funding_line=funding_line or "",
        note=note or "",
        since=geneva_today(),
    )
    record("record_coalition", [coalition_event(coalition, before + 1, acting.actor, acting.office)], acting)
    click.echo(f"coalition for {target}: {status}, led with {lead}" + (" (changed)" if before else ""))


@coalition.command("list")
@output_option()
def coalition_list(output):
    """Every Country Coalition as it stands."""
    from domain.outreach import fold_coalitions

    with reading_log() as log:
        found = fold_coalitions(log.query(event_type="coalition.recorded"))
    rows = [
        c.model_dump(mode="json") | {k: ",".join(getattr(c, k)) for k in ("donors", "stakeholders", "events")}
        for c in sorted(found.values(), key=lambda c: c.target)
    ]
    emit(rows, output, ["target", "lead", "donors", "status", "events", "funding_line", "since"],
         title=f"Country Coalitions ({len(rows)})")  # fmt: skip
