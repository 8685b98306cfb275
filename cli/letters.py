"""`ccm letters preview`: any letter of a chase rendered as the State would receive it,
without sending it, from the figures in the event log; `ccm letters held`: the letters
not written for a missing fact; and `ccm letters contacts`: the Permanent Missions
letters are addressed to."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import click

from cli.common import MONEY, PARTY, check_out, emit, out_options, output_option, settings, write_out, year_option
from domain.clock import geneva_date, geneva_today
from domain.ids import chase_id, chase_prefix

KINDS = ("call", "second_reminder", "pre_msp_reminder", "reported_not_received", "president_letter", "thank_you")
_TEMPLATE = {"call": "call_for_contributions"}
# The events that record a letter sent, with the letter's kind in `payload["letter"]`.
_LETTER_EVENTS = {
    "chase.reminder_sent",
    "chase.escalated",
    "chase.paid",
    "chase.reported_not_received",
    "chase.letter_imported",  # sent before ccm
}


def chase_context(log, state: str, year: int, kind: str, amount: Decimal | None) -> tuple[dict, str]:
    """(template context, language) of a chase's next letter of `kind`, as the chase
    would write it today: its figures and the letters it sent, folded from the log."""
    from domain.contributions import fold_contributions
    from domain.event_types import typed

    events = list(log.query(workflow_id=chase_id(year, state)))
    started = next((e for e in events if e.event_type in ("chase.started", "chase.imported")), None)
    if started is None and amount is None:
        raise click.ClickException(f"no chase of {state} for {year} in the event log: start it, or give --amount")
    if started is None:
        context = {
            "amount_due": str(amount),
            "arrears": "0.00",
            "received": "0.00",
            "outstanding": str(amount),
            "credit": "0.00",
            "msp_date": date(year, 9, 1).isoformat(),
        }
        language = "en"
    else:
        row = fold_contributions(events, year).states[0]
        if row.outcome in ("waived", "cancelled"):
            raise click.ClickException(f"the chase of {state} for {year} was {row.outcome}: no letter goes to it")
        if kind == "thank_you" and (row.received == 0 or row.outstanding > 0):
            raise click.ClickException(
                f"{state} has not paid in full for {year}: there is no thank-you letter to preview"
            )
        context = {
            k: str(getattr(row, k))
            for k in ("amount_due", "arrears", "credit_carried", "received", "outstanding", "credit")
        }
        moved = next((typed(e) for e in reversed(events) if e.event_type == "chase.msp_date_set"), None)
        said = typed(started)  # a chase started by ccm, or a year imported from a ledger (no MSP date)
        msp = moved.to if moved else getattr(said, "msp_date", None) or date(year, 9, 1)
        context["msp_date"] = msp.isoformat()
        language = getattr(said, "language", "en")
    context["year"] = year
    context["total_due"] = str(Decimal(context["amount_due"]) + Decimal(context["arrears"]))
    chase_letters = [p for e in events if e.event_type in _LETTER_EVENTS and (p := typed(e)).letter]
    # Named only if it went; numbered either way, as the chase numbers its letters.
    numbered = enumerate([(e, typed(e)) for e in events if e.event_type in _LETTER_EVENTS], start=1)
    went = [(n, e, p) for n, (e, p) in numbered if p.letter and p.delivery != "held" and p.letter != kind]
    context["letters_before"] = [
        {"kind": p.letter, "date": geneva_date(e.occurred_at).isoformat(), "number": n} for n, e, p in went
    ]
    context["letter_number"] = 1 if kind == "call_for_contributions" else len(chase_letters) + 1
    if kind == "reported_not_received":
        reported = next((typed(e) for e in reversed(events) if e.event_type == "chase.payment_reported"), None)
        if reported is None:
            raise click.ClickException(f"{state} reported no payment for {year}: there is no such letter to preview")
        context |= {"reported_on": reported.date.isoformat(), "reference": reported.reference}
    return context, language


@click.group()
def letters():
    """Letters to States: preview any of them; the contacts they are addressed to."""


@letters.command("preview")
@click.option("--state", type=PARTY, required=True)
@year_option
@click.option("--letter", "kind", type=click.Choice(KINDS), default="call", show_default=True)
@click.option("--language", type=click.Choice(["en", "fr", "es"]), help="default: the chase's")
@click.option("--amount", type=MONEY, help="for a chase not started yet: the amount the call would ask")
@out_options("the PDF to write (default: its reference, ISU-CCM-2027-ITA-1.pdf)")
def preview(state, year, kind, language, amount, out, force):
    """Render a letter as PDF without sending it, for the ISU to check. It is refused
    with the reason a letter would be held (no address, nothing to pay)."""
    from activities.letters import as_drawn
    from cli.client import run
    from cli.common import open_log

    check_out(out, force)
    template = _TEMPLATE.get(kind, kind)
    log = open_log()
    # A running chase says what its letter would say now, by the path a letter sent takes;
    # a chase that ended (or a year imported) is folded from the log.
    running = run(_running_context(chase_id(year, state), template)) if amount is None else None
    context, chase_language = running or chase_context(log, state, year, template, amount)
    context = as_drawn(log, chase_id(year, state), state, context, geneva_today())
    if template == "thank_you" and (Decimal(context["received"]) == 0 or Decimal(context["outstanding"]) > 0):
        raise click.ClickException(f"{state} has not paid in full for {year}: there is no thank-you letter to preview")
    draw_letter(template, state, context, language or chase_language, out, force)


def draw_letter(template: str, state: str, context: dict, language: str, out: Path | None, force: bool) -> None:
    """Draw a letter as the worker would today, into `out` (default: its reference), or
    refuse in one line with the reason it would be held."""
    from activities.letters import LetterRefused, letter_file_name, letter_values, load_contacts, render_letter
    from cli.common import open_log
    from cli.keys import registry_events
    from domain.signatures import KeyRing

    s = settings()
    contacts = load_contacts(s.contacts_file)
    ring = KeyRing.from_events(s.admin_keyring, registry_events(open_log()))  # who holds which office today
    letterhead = s.letterhead.held_on(ring, geneva_today())
    try:
        values = letter_values(
            template,
            state,
            context,
            language,
            geneva_today(),
            letterhead,
            contacts.get(state),
            s.bank_iban,
            s.contacts_file.name,
        )
    except LetterRefused as e:
        raise click.ClickException(f"this letter would not be sent: {e}") from None
    letter = render_letter(template, language, values)
    target = out or Path(letter_file_name(letter.reference_number))
    if out is None:
        check_out(target, force)
    try:
        pdf = letter.pdf()
    except LetterRefused as e:
        raise click.ClickException(f"this letter would not be sent: {e}") from None
    write_out(target, pdf)  # whole or not at all
    click.echo(f"{letter.reference_number} ({language}): {letter.subject} -> {target}")


async def _running_context(workflow_id: str, kind: str) -> tuple[dict, str] | None:
    """(context, language) of the letter of `kind` as the running chase would write it now,
    or None where no chase of that id runs."""
    from temporalio.client import WorkflowExecutionStatus
    from temporalio.service import RPCError

    from cli.client import connect

    handle = (await connect()).get_workflow_handle(workflow_id)
    try:
        if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
            return None
    except RPCError:
        return None
    said = await handle.query("letter_context", kind, result_type=dict)
    return said["context"], said["language"]


@letters.command("held")
@click.option("--year", type=click.IntRange(2010, 2100), help="only this financial year's chases")
@output_option()
def held(year, output):
    """Letters that were not written because a fact was missing (an address, an amount),
    with the reason. Once the contacts file is complete the chase's next letter goes as
    usual; a held one can be printed with `ccm letters preview`."""
    from cli.common import open_log
    from domain.event_types import LetterSent, typed

    events = open_log().query(workflow_prefix=chase_prefix(year), event_type="chase.*")
    letters = [(ev, p) for ev in events if isinstance(p := typed(ev), LetterSent)]
    rows = [
        {
            "state": ev.subject,
            "workflow_id": ev.workflow_id,
            "letter": p.letter,
            "on": geneva_date(ev.occurred_at),
            "reason": p.reason,
        }
        for ev, p in letters
        if p.delivery == "held"
    ]
    emit(rows, output, ["state", "workflow_id", "letter", "on", "reason"])


@letters.command("contacts")
@output_option()
@click.option(
    "--missing",
    is_flag=True,
    help="only the States whose letters would be held or whose row has a problem (no row, no postal "
    "address, an e-mail that is not one address, a language ccm does not write, no head of mission named "
    "for a President's letter)",
)
def contacts(output, missing):
    """The mission, postal address, e-mail and head of mission of each State
    (CCM_HOME/contacts.csv), and whether its notes and a President's letter would go or be
    held, with why (a President's letter needs a head of mission named)."""
    from activities.letters import contact_problem, load_contacts, president_problem
    from activities.localise import LANGUAGES
    from domain.states import registry

    found = load_contacts(settings().contacts_file)
    rows = []
    for s in registry():  # one that withdrew still gets letters about its arrears
        if not s.ever_party:
            continue
        c = found.get(s.alpha3)
        problem = contact_problem(c)
        letters = f"held: {problem}" if problem else "sent"
        if c is not None and c.language and c.language not in LANGUAGES:
            letters += f" in en: language {c.language!r} is not en, fr or es"
        language = (c.language if c and c.language in LANGUAGES else "") or "en"
        president = president_problem(s.alpha3, c, language)
        president_letter = f"held: {president}" if president else "sent"
        if missing and letters == "sent" and president_letter == "sent":
            continue
        rows.append(
            {
                "state": s.alpha3,
                "name": s.name,
                "mission": c.mission if c else "",
                "address": " | ".join(c.address) if c else "",
                "email": c.email if c else "",
                "language": (c.language if c else "") or "en",
                "head_of_mission": f"{c.head_form} {c.head_name}".strip() if c else "",
                "letters": letters,
                "president_letter": president_letter,
            }
        )
    columns = ["state", "name", "mission", "address", "email", "language", "head_of_mission", "letters"]
    emit(rows, output, [*columns, "president_letter"])
