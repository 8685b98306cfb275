"""The activities workflows call. Built once by the worker with its resources."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.calendar import meeting_ics
from activities.eventlog import EventLog
from activities.letters import Mailbox, load_contacts, render_letter
from activities.templating import templates
from domain.contract import (
    AgendaFacts,
    AgendaFactsRequest,
    CycleAmounts,
    LetterOutcome,
    LetterRequest,
    MessageRequest,
    PageRequest,
)
from domain.cycle import CycleInput
from domain.events import Event, NewEvent
from domain.meetings import fold_open_actions, meeting_id
from domain.money import format_chf
from domain.scale import ScaleError, indicative_amounts, read_amounts
from domain.states import UnknownState, registry


def letter_context(state: str, context: dict[str, Any]) -> dict[str, Any]:
    """Template variables: the State's name and every amount written the Swiss way."""
    values = dict(context)
    try:
        values["state_name"] = registry().get(state).name
    except UnknownState as e:  # retrying cannot help: fail the letter at once
        raise ApplicationError(str(e), type="UnknownState", non_retryable=True) from None
    for key, value in context.items():
        if key in {"amount_due", "arrears", "total_due", "received", "outstanding", "credit"}:
            values[key] = format_chf(Decimal(str(value)))
    values["has_arrears"] = Decimal(str(context.get("arrears", "0"))) > 0
    values["has_credit"] = Decimal(str(context.get("credit", "0"))) > 0
    values["received_any"] = Decimal(str(context.get("received", "0"))) > 0
    return values


def agenda_facts(log: EventLog, request: AgendaFactsRequest) -> AgendaFacts:
    """Open action items and whether the previous meeting's minutes await approval."""
    open_actions = fold_open_actions(log.query(event_type="action.*"))
    pending = None
    if request.previous_meeting:
        approved = log.query(workflow_id=meeting_id(request.previous_meeting), event_type="meeting.minutes_approved")
        pending = None if next(approved, None) else request.previous_meeting
    return AgendaFacts(open_actions=open_actions, minutes_pending=pending)


def cycle_amounts(log: EventLog, request: CycleInput) -> CycleAmounts:
    """Each State Party's amount for the year, and what last year's chases left unpaid."""
    reg = registry()
    try:
        if request.amounts_csv:
            amounts = read_amounts(request.amounts_csv, reg)
        else:
            amounts = indicative_amounts(request.budget, request.scale_csv, reg, request.minimum)
    except ScaleError as e:  # the configuration is wrong: retrying cannot help
        raise ApplicationError(f"the cycle's amounts cannot be computed: {e}", non_retryable=True) from None
    arrears: dict[str, Decimal] = {}
    for ev in log.query(event_type="chase.closed_in_arrears"):
        if ev.workflow_id.startswith(f"chase-{request.year - 1}-"):
            arrears[ev.subject] = Decimal(ev.payload["arrears_carried"])
    return CycleAmounts(amounts={k: v for k, v in amounts.items() if v > 0},
                        arrears={k: v for k, v in arrears.items() if v > 0})


class CcmActivities:
    def __init__(self, log: EventLog, mailbox: Mailbox, contacts_file=None, site: Path | None = None):
        self.log = log
        self.mailbox = mailbox
        self.contacts_file = contacts_file
        self.site = site or mailbox.outbox.parent / "site"

    @activity.defn(name="record_event")
    def record_event(self, event: NewEvent) -> Event:
        """Append one event; a retry with the same idempotency key writes nothing."""
        stored, _ = self.log.append(event)
        return stored

    @activity.defn(name="send_letter")
    async def send_letter(self, request: LetterRequest) -> LetterOutcome:
        """Render a letter to a State from its template, then send and log it once."""
        state = request.event.subject
        subject, body = render_letter(request.letter, request.language, letter_context(state, request.context))
        contacts = load_contacts(self.contacts_file) if self.contacts_file else {}
        to = [contacts[state]] if state in contacts else []
        event = request.event.model_copy(update={
            "payload": request.event.payload | {"letter": request.letter, "language": request.language}})
        outcome = await self.send_message(MessageRequest(event=event, to=to, subject=subject, body=body))
        return outcome

    @activity.defn(name="send_message")
    async def send_message(self, request: MessageRequest) -> LetterOutcome:
        """Deliver a message and log it, once: a message already logged is not sent again.
        It always lands in the outbox; by SMTP it goes on to its recipients, if any."""
        key = request.event.idempotency_key
        done = await asyncio.to_thread(self.log.get, key)
        if done is not None:
            return LetterOutcome(message_id=done.payload["message_id"], delivery=done.payload["delivery"],
                                 written=False)
        attachments = [(a.filename, a.content_type, a.data.encode()) for a in request.attachments]
        if (c := request.calendar) is not None:
            ics = meeting_ics(c.meeting_id, c.schedule, c.summary, c.organizer, c.participants, c.sequence,
                              c.method, stamp=request.event.occurred_at)
            attachments.append(("meeting.ics", f"text/calendar; method={c.method}", ics))
        msg = self.mailbox.compose(key, request.to, request.subject, request.body, request.event.occurred_at,
                                   attachments)
        await asyncio.to_thread(self.mailbox.put_in_outbox, msg)
        if self.mailbox.smtp is None:
            delivery = "outbox"
        elif not request.to:
            delivery = "undelivered"
        else:
            await self.mailbox.send(msg)
            delivery = "smtp"
        payload = request.event.payload | {"subject": request.subject, "message_id": msg["Message-ID"],
                                           "delivery": delivery, "to": ", ".join(request.to)}
        if delivery == "undelivered":
            payload["reason"] = f"no contact address for {request.event.subject}"
        await asyncio.to_thread(self.log.append, request.event.model_copy(update={"payload": payload}))
        return LetterOutcome(message_id=msg["Message-ID"], delivery=delivery, written=True)

    @activity.defn(name="publish_page")
    def publish_page(self, request: PageRequest) -> str:
        """Write a page atomically (a retry rewrites the same file) and log it once."""
        target = (self.site / request.path).resolve()
        if self.site.resolve() not in target.parents:
            raise ApplicationError(f"{request.path} is outside the site folder", non_retryable=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(templates.get_template(f"pages/{request.template}.html").render(**request.context), "utf-8")
        tmp.replace(target)
        payload = request.event.payload | {"page": request.path}
        self.log.append(request.event.model_copy(update={"payload": payload}))
        return str(target)

    @activity.defn(name="cycle_amounts")
    def cycle_amounts(self, request: CycleInput) -> CycleAmounts:
        return cycle_amounts(self.log, request)

    @activity.defn(name="agenda_facts")
    def agenda_facts(self, request: AgendaFactsRequest) -> AgendaFacts:
        return agenda_facts(self.log, request)

    def all(self) -> list:
        return [self.record_event, self.send_letter, self.send_message, self.publish_page, self.agenda_facts,
                self.cycle_amounts]

