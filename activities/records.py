"""The activities workflows call. Built once by the worker with its resources."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.calendar import meeting_ics
from activities.documents import load_document
from activities.eventlog import EventLog
from activities.letters import Mailbox, letters_in_words, load_contacts, render_letter
from activities.templating import templates
from domain.contract import (
    AgendaFacts,
    AgendaFactsRequest,
    CycleAmounts,
    DeliveryRequest,
    LetterOutcome,
    LetterRequest,
    MessageRequest,
    PageRequest,
)
from domain.contributions import IMPORTED, fold_contributions
from domain.cycle import CycleInput
from domain.events import Event, NewEvent
from domain.meetings import fold_open_actions, meeting_id
from domain.money import format_chf
from domain.scale import ScaleError, indicative_amounts, read_amounts
from domain.states import UnknownState, registry


async def deliver(log: EventLog, mailbox: Mailbox, intent_key: str, event_type: str) -> str:
    """Send the message logged under `intent_key` by SMTP, then log `event_type` under
    `<intent_key>-delivered`. Once delivered (logged, or already in `sent/`), it is not
    sent again. At least once remains only here: an SMTP server that accepted the message
    just before the process died receives it again on the retry."""
    delivered_key = f"{intent_key}-delivered"
    if await asyncio.to_thread(log.get, delivered_key) is not None:
        return "already delivered"
    intent = await asyncio.to_thread(log.get, intent_key)
    if intent is None:
        raise ApplicationError(f"no message was written under {intent_key}", non_retryable=True)
    if mailbox.smtp is None:
        raise ApplicationError("no SMTP server is configured (CCM_SMTP_HOST)", non_retryable=True)
    name = intent.payload["message_id"].strip("<>")
    if not (mailbox.sent / "new" / name).exists():
        msg = await asyncio.to_thread(mailbox.read_outbox, name)
        await mailbox.send(msg)
    event = NewEvent(idempotency_key=delivered_key, workflow_id=intent.workflow_id, run_id=intent.run_id,
                     workflow_type=intent.workflow_type, subject=intent.subject, event_type=event_type,
                     occurred_at=datetime.now(timezone.utc),
                     payload={"message_id": intent.payload["message_id"], "to": intent.payload.get("to", "")})
    await asyncio.to_thread(log.append, event)
    return "delivered"


def letter_context(state: str, context: dict[str, Any], language: str = "en", iban: str | None = None
                   ) -> dict[str, Any]:
    """Template variables: the State's name, every amount written the Swiss way, the
    letters already sent named with their dates in the letter's language, and what a
    payment quotes: the chase's creditor reference and the trust fund's IBAN."""
    from domain.bank import creditor_reference, format_iban, format_reference

    values = dict(context)
    if "year" in context:
        values["creditor_reference"] = format_reference(creditor_reference(int(context["year"]), state))
    values["iban"] = format_iban(iban) if iban else ""
    values["letters_sent"] = letters_in_words(context.get("letters_before", []), language)
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
    last_year = f"chase-{request.year - 1}-"
    for ev in log.query(workflow_prefix=last_year, event_type="chase.closed_in_arrears"):
        arrears[ev.subject] = Decimal(ev.payload["arrears_carried"])
    # A year imported from the ISU's ledger counts like a live one: what was left unpaid.
    imported = [ev for ev in log.query(workflow_prefix=last_year, event_type="chase.*") if ev.event_type in IMPORTED]
    for row in fold_contributions(imported, request.year - 1).states:
        arrears.setdefault(row.state, row.outstanding)
    return CycleAmounts(amounts={k: v for k, v in amounts.items() if v > 0},
                        arrears={k: v for k, v in arrears.items() if v > 0},
                        names={k: reg.get(k).name for k in amounts})


class CcmActivities:
    def __init__(self, log: EventLog, mailbox: Mailbox, contacts_file=None, site: Path | None = None,
                 iban: str | None = None):
        self.log = log
        self.iban = iban
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
        """Runs from before `write_letter`: render, send and log a letter in one step."""
        return await self.send_message(await asyncio.to_thread(self._letter_message, request))

    @activity.defn(name="write_letter")
    async def write_letter(self, request: LetterRequest) -> LetterOutcome:
        """Render a letter to a State and write it (see `write_message`)."""
        # Rendered in a thread: the worker's event loop runs the workflows meanwhile.
        return await self.write_message(await asyncio.to_thread(self._letter_message, request))

    def _letter_message(self, request: LetterRequest) -> MessageRequest:
        state = request.event.subject
        context = letter_context(state, request.context, request.language, self.iban)
        subject, body = render_letter(request.letter, request.language, context)
        contacts = load_contacts(self.contacts_file) if self.contacts_file else {}
        to = [contacts[state]] if state in contacts else []
        event = request.event.model_copy(update={
            "payload": request.event.payload | {"letter": request.letter, "language": request.language}})
        return MessageRequest(event=event, to=to, subject=subject, body=body, before=request.before)

    @activity.defn(name="write_message")
    async def write_message(self, request: MessageRequest) -> LetterOutcome:
        """Write a message to the outbox and log it with its Message-ID: the intent,
        recorded before any delivery, so a retry never sends twice. Local I/O only: the
        workflow delivers it beside its lock (`deliver_message`)."""
        return await self._write(request, send_now=False)

    async def _write(self, request: MessageRequest, send_now: bool) -> LetterOutcome:
        key = request.event.idempotency_key
        done = await asyncio.to_thread(self.log.get, key)
        if done is not None:
            return LetterOutcome(message_id=done.payload["message_id"], delivery=done.payload["delivery"],
                                 written=False)
        msg = await asyncio.to_thread(self._compose, request)
        await asyncio.to_thread(self.mailbox.put_in_outbox, msg)
        if self.mailbox.smtp is None:
            delivery = "outbox"
        elif not request.to:
            delivery = "undelivered"
        elif send_now:
            await self.mailbox.send(msg)
            delivery = "smtp"
        else:
            delivery = "queued"
        payload = request.event.payload | {"subject": request.subject, "message_id": msg["Message-ID"],
                                           "delivery": delivery, "to": ", ".join(request.to)}
        if delivery == "undelivered":
            payload["reason"] = f"no contact address for {request.event.subject}"
        # The step's events that came before the message, then the message's own: one
        # transaction, so a retry finds them all or none.
        await asyncio.to_thread(self.log.append_all,
                                [*request.before, request.event.model_copy(update={"payload": payload})])
        return LetterOutcome(message_id=msg["Message-ID"], delivery=delivery, written=True)

    @activity.defn(name="deliver_message")
    async def deliver_message(self, request: DeliveryRequest) -> str:
        """Send a written message by SMTP and log its delivery, once."""
        return await deliver(self.log, self.mailbox, request.intent_key, request.event_type)

    def _compose(self, request: MessageRequest):
        if request.body_document is not None:
            request = request.model_copy(update={"body": load_document(self.log, request.body_document.sha256)})
        attachments = [(a.filename, a.content_type, a.data.encode()) for a in request.attachments]
        if (c := request.calendar) is not None:
            ics = meeting_ics(c.meeting_id, c.schedule, c.summary, c.organizer, c.participants, c.sequence,
                              c.method, stamp=request.event.occurred_at)
            attachments.append(("meeting.ics", f"text/calendar; method={c.method}", ics))
        return self.mailbox.compose(request.event.idempotency_key, request.to, request.subject, request.body,
                                    request.event.occurred_at, attachments)

    @activity.defn(name="send_message")
    async def send_message(self, request: MessageRequest) -> LetterOutcome:
        """Runs from before `write_message`: deliver and log in one step, under the
        workflow's lock (a failure between sending and logging could send twice)."""
        return await self._write(request, send_now=True)

    @activity.defn(name="publish_page")
    def publish_page(self, request: PageRequest) -> str:
        """Write a page atomically (a retry rewrites the same file) and log it once."""
        target = (self.site / request.path).resolve()
        if self.site.resolve() not in target.parents:
            raise ApplicationError(f"{request.path} is outside the site folder", non_retryable=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        context = dict(request.context)
        if context.get("text_document"):
            context["text"] = load_document(self.log, context["text_document"])
        tmp.write_text(templates.get_template(f"pages/{request.template}.html").render(**context), "utf-8")
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
        return [self.record_event, self.send_letter, self.send_message, self.write_letter, self.write_message,
                self.deliver_message, self.publish_page, self.agenda_facts, self.cycle_amounts]

