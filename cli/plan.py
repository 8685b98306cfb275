"""`ccm plan …`: concept notes and operational plans, one workflow per theme and MSP."""

from __future__ import annotations

from pathlib import Path

import click

from cli.client import as_option, connect, connect_polled, read_status, reason_command, run, update
from cli.common import DATE, TextType, emit, file_problems, output_option, read_input, rebuild_reason, settings

PLAN_COLUMNS = ["theme", "stage", "versions", "late", "comments", "plan_versions", "plan_due", "action_items"]


class ThemeType(click.ParamType):
    """A theme's slug, checked when used (so `ccm --help` need not load the domain)."""

    name = "THEME"

    def convert(self, value, param, ctx):
        from domain.concept_notes import Refusal, theme

        try:
            return theme(value).slug
        except Refusal as e:
            self.fail(str(e), param, ctx)


def theme_option(required=True):
    return click.option(
        "--theme",
        type=ThemeType(),
        required=required,
        help="the theme (victim-assistance, universalization, … see the README)",
    )


def msp_option(f):
    return click.option(
        "--msp",
        default=lambda: settings().msp,
        show_default="$CCM_MSP or 7MSP",
        help="the Meeting of States Parties (e.g. 7MSP)",
    )(f)


def _say(result) -> None:
    f = result.summary
    line = f"{result.workflow_id}: {result.stage.replace('_', ' ')}"
    if f["version"]:
        line += f", note version {f['version']}" + (" (late)" if f["late"] == "True" else "")
    if int(f["plan_version"]):
        late = int(f.get("plan_days_late") or 0)
        line += f", plan version {f['plan_version']}" + (f" ({late} days late)" if late else "")
    if int(f["action_items"]):
        line += f", {f['action_items']} action items"
    click.echo(line)


def _note_id(theme: str, msp: str) -> str:
    from domain.concept_notes import concept_note_id

    return concept_note_id(msp, theme)


def _update(msp: str, theme: str, name: str, arg) -> None:
    _say(run(update(_note_id(theme, msp), name, arg)))


@click.group()
def plan():
    """Concept notes and operational plans: versions, comments, approval by the Presidency."""


@plan.command("start")
@theme_option()
@msp_option
@click.option("--meeting", type=DATE, required=True, help="the Committee meeting where the note is presented")
@click.option("--circulate-by", type=DATE, help="circulation deadline (default: 3 working days before the meeting)")
@click.option("--plan-due", type=DATE, help="when the plan is due (default: the next scheduled meeting)")
@as_option("isu")
def plan_start(theme, msp, meeting, circulate_by, plan_due, acting):
    """Start a theme's concept note for an MSP."""
    from pydantic import ValidationError

    from cli.coordinators import recorded_table
    from cli.meeting import meeting_dates
    from domain.concept_notes import ConceptNoteInput, concept_note_id, concept_note_summary
    from domain.meetings import PROPOSALS_CLOSE
    from domain.office_holders import coordinators
    from domain.schedule import local_to_utc, working_days_before
    from workflows.concept_note import ConceptNote

    s = settings()
    deadline = local_to_utc(circulate_by or working_days_before(meeting, 3), PROPOSALS_CLOSE)

    async def go():

        from services.commands import start

        client = await connect_polled()
        later = [] if plan_due else await meeting_dates(client, meeting)
        due = plan_due or (later[0] if later else None)
        if due is None:
            raise click.ClickException(f"no meeting after {meeting} is scheduled: give --plan-due")
        try:
            inp = ConceptNoteInput(
                theme=theme,
                msp=msp,
                meeting=meeting,
                circulate_by=deadline,
                plan_due=due,
                coordinators=coordinators(msp, theme, recorded_table()),
            )
        except ValidationError as e:
            raise click.ClickException(str(e.errors()[0]["msg"])) from None
        summary, details = concept_note_summary(inp)
        return await start(
            client,
            ConceptNote.run,
            inp,
            concept_note_id(msp, theme),
            s.task_queue,
            acting,
            static_summary=summary,
            static_details=details,
        )

    click.echo(f"started {run(go()).id}")


@plan.command("submit")
@theme_option()
@msp_option
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="the concept note (text or Markdown)",
)
@click.option("--summary", required=True, help="the executive summary, published with the note")
@click.option(
    "--circulated-on", type=DATE, help="the day it was circulated, when entered afterwards (late is judged by that day)"
)
@as_option(required=True)
def plan_submit(theme, msp, path, summary, circulated_on, acting):
    """Submit a version of the concept note (the theme's coordinators)."""
    from cli.audit import text_or_document
    from domain.concept_notes import SubmitVersion

    _update(
        msp,
        theme,
        "submit_version",
        SubmitVersion(
            **text_or_document(path, acting), summary=summary, circulated_on=circulated_on, **acting.model_dump()
        ),
    )


@plan.command("comment")
@theme_option()
@msp_option
@click.option("--text", type=TextType(10_000), required=True, help="the comment (at most 10,000 characters)")
@as_option(required=True)
def plan_comment(theme, msp, text, acting):
    """Comment on the circulated note (any member, the ISU, observers)."""
    from domain.concept_notes import Comment

    _update(msp, theme, "comment", Comment(text=text, **acting.model_dump()))


@plan.command("approve-final")
@theme_option()
@msp_option
@as_option(required=True)
def plan_approve_final(theme, msp, acting):
    """Approve the final version (the Presidency): it is published with its summary."""
    _update(msp, theme, "approve_final", acting)


@plan.command("submit-plan")
@theme_option()
@msp_option
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="YAML: steps with action, responsible, due, budget, targets",
)
@as_option(required=True)
def plan_submit_plan(theme, msp, path, acting):
    """Submit the operational plan (the theme's coordinators). A file with problems is
    refused with every problem and its line; nothing is submitted."""
    from domain.concept_notes import PlanError, SubmitPlan, parse_plan

    try:
        steps = parse_plan(read_input(path), _target_state, _owner)
    except PlanError as e:
        raise file_problems(path, e.problems) from None
    _update(msp, theme, "submit_plan", SubmitPlan(plan=steps, **acting.model_dump()))


def _target_state(name: str) -> str:
    """Target States may be States not party (universalization): any ISO 3166 country."""
    import pycountry

    from domain.states import UnknownState, registry

    try:
        return registry().get(name).alpha3
    except UnknownState as e:
        try:
            return pycountry.countries.lookup(name.strip()).alpha_3
        except LookupError:
            raise ValueError(str(e)) from None


def _owner(name: str) -> str:
    from domain.offices import owner_of
    from domain.process import Refusal

    try:
        return owner_of(name)
    except Refusal as e:
        raise ValueError(str(e)) from None


@plan.command("approve")
@theme_option()
@msp_option
@as_option(required=True)
def plan_approve(theme, msp, acting):
    """Approve the operational plan (the Presidency): it is published and each step becomes
    a tracked action item; the meeting's action item that asked for it
    (`--fulfilled-by plan:NOTE_ID`) is closed, naming the plan."""
    from domain.action_items import plan_of
    from services.fulfilment import fulfil_items

    note = _note_id(theme, msp)

    async def go():
        client = await connect()
        result = await update(note, "approve_plan", acting, client)
        closed = await fulfil_items(
            client, plan_of(note), f"operational plan v{result.summary['plan_version']} of {note} approved", acting
        )
        return result, closed

    result, closed = run(go())
    _say(result)
    for item in closed:
        click.echo(f"action item {item} closed: the plan it asked for is approved")


@plan.command("request-changes")
@theme_option()
@msp_option
@click.option("--comments", required=True, help="what to change")
@as_option(required=True)
def plan_request_changes(theme, msp, comments, acting):
    """Send the plan back to the coordinators (the Presidency)."""
    from domain.concept_notes import RequestChanges

    _update(msp, theme, "request_changes", RequestChanges(comments=comments, **acting.model_dump()))


@plan.command("set-due")
@theme_option()
@msp_option
@click.option("--date", "day", type=DATE, required=True, help="new due date of the plan")
@as_option(required=True)
def plan_set_due(theme, msp, day, acting):
    """Move the plan's due date (the Presidency or the ISU)."""
    from domain.concept_notes import SetPlanDue

    _update(msp, theme, "set_plan_due", SetPlanDue(date=day, **acting.model_dump()))


reason_command(
    plan,
    "withdraw",
    "withdraw",
    "domain.concept_notes.Withdraw",
    lambda f: theme_option()(msp_option(f)),
    _note_id,
    _say,
    "Withdraw the note (its coordinators or the Presidency).",
    required_actor=True,
)


@plan.command("rebuild")
@theme_option()
@msp_option
@rebuild_reason
@as_option("isu")
def plan_rebuild(theme, msp, reason, acting):
    """Start a concept note again from the event log, the system of record: for a run that
    can no longer run (its history does not replay; `ccm doctor` lists it). The run is
    terminated, and the next generation carries on from what the log says (the versions,
    comments, the plan submitted, approvals, reminders sent): nothing is sent again. The
    worker folds the log and refuses where the rows cannot be reproduced."""
    from cli.client import rebuild
    from cli.common import open_log
    from domain.concept_notes import ConceptNoteInput, ConceptNoteStatus
    from workflows.concept_note import ConceptNote

    def stands(status: ConceptNoteStatus) -> str:
        return f"{status.stage.replace('_', ' ')}, plan due {status.plan_due.isoformat()}"

    rebuild(
        open_log(), _note_id(theme, msp), ConceptNote.run, ConceptNoteInput, ConceptNoteStatus, reason, acting, stands
    )


@plan.command("status")
@theme_option(required=False)
@msp_option
@output_option()
def plan_status(theme, msp, output):
    """One theme's note, or every theme of the MSP as a table (stage, due, late)."""
    from domain.concept_notes import ConceptNoteStatus, concept_note_id

    async def go():
        client = await connect()
        if theme:
            ids = [concept_note_id(msp, theme)]
        else:
            prefix = concept_note_id(msp, "")
            ids = sorted(
                {
                    wf.id
                    async for wf in client.list_workflows("WorkflowType = 'ConceptNote'")
                    if wf.id.startswith(prefix)
                }
            )
        return [await read_status(wid, ConceptNoteStatus, client) for wid in ids]

    statuses = run(go())
    if not statuses:
        raise click.ClickException(f"no concept notes for {msp}")
    if output == "json" and theme:
        emit(statuses[0].model_dump(mode="json"), "json")
        return
    rows = [
        {
            "theme": st.theme,
            "stage": st.stage,
            "versions": len(st.versions),
            "late": "late" if st.late else "",
            "comments": len(st.comments),
            "plan_versions": st.plan_versions,
            "plan_due": st.plan_due.isoformat(),
            "action_items": len(st.action_items),
        }
        for st in statuses
    ]
    emit(rows, output, PLAN_COLUMNS, title=f"Concept notes and plans, {msp}")
