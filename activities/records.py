"""The activities workflows call. Built once by the worker with its resources."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.common import MetricMeter
from temporalio.exceptions import ApplicationError

from activities.calendar import meeting_ics
from activities.documents import load_document
from activities.eventlog import EventLog
from activities.letters import (
    Letterhead,
    LetterRefused,
    Mailbox,
    as_drawn,
    languages_of,
    letter_file_name,
    letter_values,
    load_contacts,
    render_letter,
)
from activities.pages import page_context
from activities.templating import templates
from domain.contract import (
    COUNTERS,
    AgendaFacts,
    AgendaFactsRequest,
    Attachment,
    DeliveryRequest,
    EventBatch,
    LetterOutcome,
    LetterRequest,
    MessageRequest,
    PageRequest,
    RebuildRequest,
    RebuildResult,
    StartCheck,
    VerifyRequest,
)
from domain.contributions import fold_contributions
from domain.coverage import fold_added
from domain.cycle import CycleAmounts, CycleInput, billed, carried, why_not_billed
from domain.event_types import typed
from domain.events import Event, NewEvent
from domain.ids import chase_prefix
from domain.meetings import fold_open_actions, meeting_id
from domain.process import Refusal
from domain.records import (
    CheckpointRequest,
    EntrySettlement,
    OutboxRetryInput,
    RecordInput,
    RecordResult,
    ReversalClaims,
    StatementInput,
    StatementPlan,
)
from domain.scale import ScaleError, indicative_amounts, read_amounts, read_scale, scale_for
from domain.schedule import geneva_date, geneva_today
from domain.signatures import KeyRegistration
from domain.states import registry_with
from domain.universalization import Target


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
    event = NewEvent(
        idempotency_key=delivered_key,
        workflow_id=intent.workflow_id,
        run_id=intent.run_id,
        workflow_type=intent.workflow_type,
        subject=intent.subject,
        event_type=event_type,
        occurred_at=datetime.now(timezone.utc),
        payload={"message_id": intent.payload["message_id"], "to": intent.payload.get("to", "")},
    )
    await asyncio.to_thread(log.append, event)
    return "delivered"


def agenda_facts(log: EventLog, request: AgendaFactsRequest) -> AgendaFacts:
    """Open action items, whether the previous meeting's minutes await approval, and the
    concept notes started for presentation at this meeting (not withdrawn)."""
    from domain.office_holders import coordinators
    from domain.themes import theme

    if request.target is not None:
        return AgendaFacts(open_actions=[], minutes_pending=None, target_reached=target_reached(log, request.target))
    open_actions = fold_open_actions(log.query(event_type="action.*"))
    pending = None
    if request.previous_meeting:
        approved = log.query(workflow_id=meeting_id(request.previous_meeting), event_type="meeting.minutes_approved")
        pending = None if next(approved, None) else request.previous_meeting
    notes = []
    if request.meeting:
        withdrawn = {ev.workflow_id for ev in log.query(event_type="concept.withdrawn")}
        for ev in log.query(event_type="concept.started"):
            started = typed(ev)
            if started.meeting == request.meeting and ev.workflow_id not in withdrawn:
                held = started.coordinators or coordinators(started.msp, started.theme)
                notes.append(f"{theme(started.theme).title} ({', '.join(held) or 'the Presidency'})")
    numbered = meeting_number(log, request.meeting) if request.meeting else ""
    return AgendaFacts(open_actions=open_actions, minutes_pending=pending, notes_to_present=notes, numbered=numbered)


def target_reached(log: EventLog, target: Target) -> int:
    """A universalization target's count on its day, from the registry as the log holds it
    (the shipped one with `ccm states record`'s changes)."""
    from domain.states import registry_with
    from domain.universalization import progress

    return progress(registry_with(log.query(event_type="state.recorded")), target, target.by).reached


def meeting_number(log: EventLog, day: date) -> str:
    """The meeting of `day` numbered within the Presidency the key registry says holds
    office that day (`ccm keys register --office president --presidency-of DEU`), or
    empty where it names none."""
    from activities.localise import state_name
    from domain.meetings import Presidency, fold_meeting_days, number_in_presidency
    from domain.signatures import holder_among

    # The worker wrote these only once an administrator's signature was checked.
    registered = [KeyRegistration.model_validate(ev.payload) for ev in log.query(event_type="key.registered")]
    holder = holder_among(registered, "president", day)
    if holder is None or not holder.presidency_of:
        return ""
    presidency = Presidency(
        state_name=state_name(holder.presidency_of, "en", day).short, start=holder.valid_from, end=holder.valid_until
    )
    return number_in_presidency(day, fold_meeting_days(log.query(event_type="meeting.*")), presidency)


def cycle_amounts(
    log: EventLog, request: CycleInput, contacts_file: Path | None = None, budget_file: Path | None = None
) -> CycleAmounts:
    """Whom the year bills (the shipped registry with the changes the log records, under
    the cycle's membership rule), each amount (by the year's UN scale unless another was
    given, or the amounts given), the arrears and credits the year before left, and the
    language each State's contacts row asks for."""
    year = request.year
    reg = registry_with(log.query(event_type="state.recorded"))
    members = [s for s in reg if billed(s, year, request.membership_rule)]
    codes = [s.alpha3 for s in members]
    scale = None
    try:
        if request.amounts_csv:
            amounts = read_amounts(request.amounts_csv, reg, set(codes))
        else:
            added = fold_added(log.query(event_type="data.*"))
            scale = read_scale(request.scale_csv, reg) if request.scale_csv else scale_for(year, added.scales)
            amounts = indicative_amounts(request.budget, scale, codes, request.minimum)
    except ScaleError as e:
        if request.amounts_csv or request.scale_csv:  # the file given is wrong: retrying cannot help
            raise ApplicationError(f"the cycle's amounts cannot be computed: {e}", non_retryable=True) from None
        # The world ccm knows ends before this year: said, and nothing billed, until the
        # operator records the year's scale (`ccm data add-scale`); the cycle is run again then.
        return CycleAmounts(amounts={}, missing=f"no one is billed for {year}: {e}")
    last_year = list(log.query(workflow_prefix=chase_prefix(year - 1), event_type="chase.*"))
    arrears, credits = carried(fold_contributions(last_year, year - 1))
    on = date(year, 1, 1)
    reasons = {s.alpha3: why for s in reg if (why := why_not_billed(s, year, request.membership_rule))}
    concerned = {s.alpha3 for s in members} | set(arrears) | set(credits) | set(reasons)
    return CycleAmounts(
        amounts={k: v for k, v in amounts.items() if v > 0},
        arrears=arrears,
        credits=credits,
        names={a: reg.get(a).name_on(on) for a in concerned},
        rates={a: (str(scale.rate_of(a)) if scale.rate_of(a) else None) for a in codes} if scale else {},
        period=scale.period if scale else "amounts given",
        scale_source=scale.source if scale else "",
        rule=request.rule_text(year),
        languages=languages_of(load_contacts(contacts_file)) if contacts_file else {},
        budget_lines=_budget_lines(budget_file),
        not_billed={a: why for a, why in reasons.items() if a not in amounts},
    )


def _budget_lines(path: Path | None) -> list:
    """The year's budget lines (`$CCM_HOME/budget-YEAR.csv`, as the report reads it), by
    which each call shows its amount split; none when the file is absent."""
    from domain.contributions import read_budget

    if path is None or not path.exists():
        return []
    try:
        return read_budget(path.read_text("utf-8"))
    except (ValueError, OSError) as e:  # the configuration is wrong: retrying cannot help
        raise ApplicationError(f"{path}: {e}", non_retryable=True) from None


# Where a row came from, not what it says: a ledger re-sorted names its rows on other lines.
PROVENANCE = frozenset({"file_sha256", "line", "signed"})


def check_no_conflict(log: EventLog, events: list[NewEvent]) -> None:
    """Refuse events whose key the log already holds for something else (a corrected
    amount due, a receipt whose reference now says another amount): both are named, and
    nothing is written. The same thing again is no conflict: it is written once."""
    stored = log.get_many([e.idempotency_key for e in events])

    def said(e) -> tuple:
        return e.event_type, e.subject, {k: v for k, v in e.payload.items() if k not in PROVENANCE}

    clashes = [
        (new, stored[new.idempotency_key])
        for new in events
        if new.idempotency_key in stored and said(new) != said(stored[new.idempotency_key])
    ]
    if clashes:

        def where(e) -> str:
            return f"line {e.payload['line']}" if "line" in e.payload else e.idempotency_key

        described = "; ".join(
            f"{where(new)} says {said(new)[2]} where row {old.seq} ({old.occurred_at.date()}) says {said(old)[2]}"
            for new, old in clashes[:5]
        )
        raise Refusal(
            f"{len(clashes)} rows differ from what the log already holds under their names: {described}"
            "; nothing was written (record a correction instead)",
            code="conflict",
        )


def check_no_live_chases(log: EventLog, request: RecordInput) -> None:
    """A ledger is imported only for a year that no chase of ccm runs, and not for a year to
    come: the import's rows would otherwise count beside the chases' own."""
    from domain.contributions import IMPORTED
    from domain.records import imported_year

    year = imported_year(request)
    if year is None:
        return
    if year > geneva_today().year:
        raise Refusal(f"{year} has not begun: only a year past, or this one, is imported", code="not_this_command")
    live = next(
        (
            ev
            for ev in log.query(workflow_prefix=chase_prefix(year), event_type="chase.*")
            if ev.event_type not in IMPORTED
        ),
        None,
    )
    if live is not None:
        raise Refusal(
            f"{year} has chases in ccm ({live.workflow_id}): it cannot be imported over", code="not_this_command"
        )


def _letter_metrics(meter: MetricMeter, request: LetterRequest, outcome: str, seconds: float | None) -> None:
    """ccm's own metrics, on the worker's Prometheus page with the SDK's: letters drawn or
    held, by kind and language, and the seconds each took to render and draw."""
    meter = meter.with_additional_attributes({"kind": request.letter, "language": request.language})
    name = f"ccm_letters_{outcome}"
    meter.create_counter(name, COUNTERS[name]).add(1)
    if seconds is not None:
        drawing = meter.create_histogram_float("ccm_letter_drawing", "time to render and draw a letter", "seconds")
        drawing.record(seconds)


def refusal_error(refusal: Refusal) -> ApplicationError:
    """A refusal as the failure the caller reads (not retried: retrying cannot make a
    refused command acceptable), counted in `ccm_refusals_total` by code and process."""
    info = activity.info()
    activity.metric_meter().create_counter("ccm_refusals", COUNTERS["ccm_refusals"]).add(
        1, {"code": refusal.code, "process": info.workflow_type or ""}
    )
    return ApplicationError(str(refusal), type=refusal.code, non_retryable=True)


def _bank_metrics(meter: MetricMeter, rows: list[dict]) -> None:
    """A statement's lines by outcome, and the amount left unmatched, on the metrics page."""
    for row in rows:
        if row.get("already"):
            continue
        meter.create_counter("ccm_bank_lines", COUNTERS["ccm_bank_lines"]).add(1, {"outcome": row["outcome"]})
        if row["outcome"] == "unmatched":  # each currency apart: EUR 250,000 is no CHF amount
            meter.create_counter("ccm_bank_unmatched_amount", COUNTERS["ccm_bank_unmatched_amount"]).add(
                int(Decimal(str(row.get("amount") or 0))), {"currency": row.get("currency") or "none"}
            )


class CcmActivities:
    def __init__(
        self,
        log: EventLog,
        mailbox: Mailbox,
        contacts_file=None,
        site: Path | None = None,
        iban: str | None = None,
        letterhead: Letterhead | None = None,
        checkpoint_key: Path | None = None,
        verifier=None,
    ):
        self.log = log
        self.verifier = verifier  # activities.trust.CommandVerifier; None: unsigned commands pass
        # How a bank statement's steps reach the chases (`activities.bank.Chases`), handed
        # in by the worker (`runtime.worker.make_worker`).
        self.chases = None
        self.checkpoint_key = checkpoint_key
        self.iban = iban
        self.letterhead = letterhead or Letterhead()
        self.mailbox = mailbox
        self.contacts_file = contacts_file
        self.site = site or mailbox.outbox.parent / "site"
        # The worker's metrics (`runtime.metrics`); its own labels only, so that the series
        # the worker declares at 0 are the series counted here.
        self.meter: MetricMeter = MetricMeter.noop

    @activity.defn(name="record_event")
    def record_event(self, event: NewEvent) -> Event:
        """Append one event; a retry with the same idempotency key writes nothing."""
        stored, _ = self.log.append(event)
        return stored

    @activity.defn(name="record_events")
    def record_events(self, batch: EventBatch) -> int:
        """Append a step's events in order in one transaction; a retry writes none of those
        already stored. How many were written now."""
        return self.log.append_all(batch.events)

    @activity.defn(name="write_letter")
    async def write_letter(self, request: LetterRequest) -> LetterOutcome:
        """Render a letter to a State as PDF on letterhead and write it with its cover
        note (see `write_message`); a letter whose facts cannot be filled is held, not
        written, and its event says why."""
        done = await asyncio.to_thread(self.log.get, request.event.idempotency_key)
        if done is not None:
            return LetterOutcome(
                message_id=done.payload.get("message_id", ""), delivery=done.payload["delivery"], written=False
            )
        # Rendered and drawn in a thread (about 8 ms of CPU): the event loop runs on.
        began = time.perf_counter()
        try:
            message, pdf = await asyncio.to_thread(self._letter_message, request)
        except LetterRefused as refused:  # its facts, or its text or logo, cannot be drawn
            _letter_metrics(self.meter, request, "held", None)
            return await self._hold(request, str(refused))
        _letter_metrics(self.meter, request, "drawn", time.perf_counter() - began)
        return await self._write(message, pdf=pdf)

    def _letter_message(self, request: LetterRequest) -> tuple[MessageRequest, bytes]:
        state = request.event.subject
        contacts = self._contacts()
        day = geneva_date(request.event.occurred_at)  # the letter is dated in Geneva
        context = as_drawn(self.log, request.event.workflow_id, state, request.context, day)
        letterhead = self.letterhead.held_on(self.verifier.ring if self.verifier else None, day)
        values = letter_values(
            request.letter,
            state,
            context,
            request.language,
            day,
            letterhead,
            contacts.get(state),
            self.iban,
            self.contacts_file.name if self.contacts_file else "contacts.csv",
        )
        letter = render_letter(request.letter, request.language, values)
        contact = contacts[state]
        event = request.event.model_copy(
            update={
                "payload": request.event.payload
                | {
                    "letter": request.letter,
                    "language": request.language,
                    "reference_number": letter.reference_number,
                    # a note verbale is closed by the office's initials; the President's letter by the holder
                    "signed_by": values["signatory"]["name"] if values["register"] == "letter" else "ISU-CCM",
                }
            }
        )
        attachment = Attachment(
            filename=letter_file_name(letter.reference_number), content_type="application/pdf", data=""
        )
        return MessageRequest(
            event=event,
            to=[contact.email] if contact.email else [],
            subject=letter.subject,
            body=letter.cover,
            attachments=[attachment],
            before=request.before,
        ), letter.pdf()

    def _contacts(self) -> dict:
        """The contacts file, read again only when it changed (a letter a chase: 100 letters
        read it 100 times, measured at a tenth of a letter's time)."""
        if not self.contacts_file:
            return {}
        try:
            info = self.contacts_file.stat()
            stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
        except FileNotFoundError:
            return {}
        if getattr(self, "_contacts_read", (None,))[0] != stamp:
            self._contacts_read = (stamp, load_contacts(self.contacts_file))
        return self._contacts_read[1]

    async def _hold(self, request: LetterRequest, reason: str) -> LetterOutcome:
        """Log a letter that was not written, with why, in the step's transaction."""
        payload = request.event.payload | {
            "letter": request.letter,
            "language": request.language,
            "delivery": "held",
            "reason": reason,
            "message_id": "",
        }
        activity.logger.warning("letter %s held: %s", request.event.idempotency_key, reason)
        await asyncio.to_thread(
            self.log.append_all, [*request.before, request.event.model_copy(update={"payload": payload})]
        )
        return LetterOutcome(message_id="", delivery="held", written=True)

    @activity.defn(name="write_message")
    async def write_message(self, request: MessageRequest) -> LetterOutcome:
        """Write a message to the outbox and log it with its Message-ID: the intent,
        recorded before any delivery, so a retry never sends twice. Local I/O only: the
        workflow delivers it beside its lock (`deliver_message`)."""
        return await self._write(request)

    async def _write(self, request: MessageRequest, pdf: bytes | None = None) -> LetterOutcome:
        key = request.event.idempotency_key
        done = await asyncio.to_thread(self.log.get, key)
        if done is not None:
            return LetterOutcome(
                message_id=done.payload["message_id"], delivery=done.payload["delivery"], written=False
            )
        msg = await asyncio.to_thread(self._compose, request, pdf)
        await asyncio.to_thread(self.mailbox.put_in_outbox, msg, pdf)
        if self.mailbox.smtp is None:
            delivery = "outbox"
        elif not request.to:
            delivery = "undelivered"
        else:
            delivery = "queued"
        payload = request.event.payload | {
            "subject": request.subject,
            "message_id": msg["Message-ID"],
            "delivery": delivery,
            "to": ", ".join(request.to),
        }
        if delivery == "undelivered":
            payload["reason"] = f"no contact address for {request.event.subject}"
        # The step's events that came before the message, then the message's own: one
        # transaction, so a retry finds them all or none.
        await asyncio.to_thread(
            self.log.append_all, [*request.before, request.event.model_copy(update={"payload": payload})]
        )
        return LetterOutcome(message_id=msg["Message-ID"], delivery=delivery, written=True)

    @activity.defn(name="deliver_message")
    async def deliver_message(self, request: DeliveryRequest) -> str:
        """Send a written message by SMTP and log its delivery, once."""
        meter = self.meter
        try:
            outcome = await deliver(self.log, self.mailbox, request.intent_key, request.event_type)
        except Exception:
            # A failed attempt; Temporal retries it (a day of retries, then `delivery_failed`).
            meter.create_counter("ccm_delivery_attempts_failed", COUNTERS["ccm_delivery_attempts_failed"]).add(1)
            raise
        meter.create_counter("ccm_messages_delivered", COUNTERS["ccm_messages_delivered"]).add(1)
        return outcome

    def _compose(self, request: MessageRequest, pdf: bytes | None = None):
        if request.body_document is not None:
            request = request.model_copy(update={"body": load_document(self.log, request.body_document.sha256)})
        # A letter's PDF travels as bytes beside the request, not through its JSON.
        attachments = [
            (
                a.filename,
                a.content_type,
                pdf if a.content_type == "application/pdf" and pdf is not None else a.data.encode(),
            )
            for a in request.attachments
        ]
        if (c := request.calendar) is not None:
            ics = meeting_ics(
                c.meeting_id,
                c.schedule,
                c.summary,
                c.organizer,
                c.participants,
                c.sequence,
                c.method,
                stamp=request.event.occurred_at,
            )
            attachments.append(("meeting.ics", f"text/calendar; method={c.method}", ics))
        return self.mailbox.compose(
            request.event.idempotency_key,
            request.to,
            request.subject,
            request.body,
            request.event.occurred_at,
            attachments,
        )

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
        template = templates.get_template(f"pages/{request.template}.html")
        tmp.write_text(template.render(**page_context(request.template, context)), "utf-8")
        tmp.replace(target)
        payload = request.event.payload | {"page": request.path}
        self.log.append(request.event.model_copy(update={"payload": payload}))
        return str(target)

    @activity.defn(name="cycle_amounts")
    def cycle_amounts(self, request: CycleInput) -> CycleAmounts:
        home = self.mailbox.outbox.parent
        return cycle_amounts(self.log, request, self.contacts_file, home / f"budget-{request.year}.csv")

    @activity.defn(name="agenda_facts")
    def agenda_facts(self, request: AgendaFactsRequest) -> AgendaFacts:
        return agenda_facts(self.log, request)

    @activity.defn(name="checkpoint_log")
    def checkpoint_log(self, request: CheckpointRequest) -> dict[str, Any]:
        """Verify the whole chain, then sign the log's head with the ISU's key
        (CCM_CHECKPOINT_KEY) and log it. A broken chain is never signed: the checkpoint
        fails, and the metrics say so (`ccm_eventlog_verified` 0) for the alert to fire.
        A person's request is checked as any command that starts a run of its own (the ISU's,
        signed where signatures are required); the daily schedule's, which no one signs, is
        logged at most once a Geneva day, so a run started by anyone else in its name adds
        nothing the schedule would not."""
        from activities.trust import check_sender, load_private_key, make_checkpoint
        from domain.process import Refusal
        from domain.records import checkpoint_arguments

        if not request.daily:
            try:
                check_sender(
                    self.verifier, "checkpoint", activity.info().workflow_id, request, checkpoint_arguments(request)
                )
            except Refusal as e:
                raise refusal_error(e) from None
        # One process: forking a worker that runs Temporal's threads is not safe.
        began = time.perf_counter()
        verification = self.log.verify(processes=1)
        meter = self.meter
        meter.create_gauge_float(
            "ccm_eventlog_verify_duration_seconds", "time the last verification of the whole event log took"
        ).set(time.perf_counter() - began)
        meter.create_gauge(
            "ccm_eventlog_verified", "1: the event log verified whole at the last checkpoint; 0: it did not"
        ).set(1 if verification.ok else 0)
        meter.create_gauge("ccm_eventlog_verified_rows", "rows of the event log the last verification walked").set(
            verification.rows
        )
        if not verification.ok:
            broken = verification.first_break
            raise ApplicationError(
                f"the event log is broken at row {broken.seq} ({broken.reason}): its head is not signed",
                type="chain_broken",
                non_retryable=True,
            )
        if self.checkpoint_key is None:
            raise ApplicationError(
                "no key to sign checkpoints with: set CCM_CHECKPOINT_KEY on the worker", non_retryable=True
            )
        try:
            key = load_private_key(self.checkpoint_key, os.environ.get("CCM_KEY_PASSPHRASE"))
            ring = self.verifier.ring if self.verifier is not None else None
            daily = f"daily/{geneva_today().isoformat()}" if request.daily else None
            return make_checkpoint(self.log, key, ring=ring, daily=daily).model_dump(mode="json")
        except Refusal as e:
            raise refusal_error(e) from None

    @activity.defn(name="check_start")
    def check_start(self, request: StartCheck) -> None:
        """A process starts only as `ccm` starts it, whoever sent the start (`ccm` or the
        plain `temporal` CLI): a chase for a State the registry bills that year
        (`domain.chase.check_chase_start`). Whoever started it proved it with their
        signature over its input, where this installation requires it (the office was
        checked by the workflow itself)."""
        from domain.rebuild import REBUILT, generation_of

        info = activity.info()
        generation = int(request.arguments.get("generation") or 1)
        # A new run of a process's id would take the old run's rows for its own and drop its
        # own as "already written": it starts as the next generation (`ccm … rebuild`). A run of
        # the annual cycle again is meant to find its rows written: it starts what is missing.
        earlier = (
            None
            if info.workflow_type not in REBUILT
            else next(
                (
                    ev
                    for ev in self.log.query(workflow_id=info.workflow_id)
                    if ev.run_id != info.workflow_run_id
                    and (generation == 1 or generation_of(info.workflow_id, ev.idempotency_key) >= generation)
                ),
                None,
            )
        )
        if earlier is not None:  # its rows would be taken for this run's and dropped as "already written"
            raise refusal_error(
                Refusal(
                    f"{info.workflow_id} has rows in the event log from an earlier run "
                    f"({earlier.run_id or 'imported'}, row {earlier.seq}, {earlier.event_type}): "
                    "a new run cannot start over them"
                    + (
                        ""
                        if generation > 1
                        else f"; `{REBUILT[info.workflow_type]}` starts the next generation from them"
                    ),
                    code="bad_start",
                )
            )
        if info.workflow_type == "ContributionChase" and generation == 1:
            from domain.chase import ChaseInput, check_chase_start

            try:
                check_chase_start(
                    ChaseInput.model_validate(request.arguments),
                    info.workflow_id,
                    registry_with(self.log.query(event_type="state.recorded")),
                )
            except Refusal as e:
                raise refusal_error(e) from None
        if self.verifier is None:
            return
        try:
            self.verifier(
                VerifyRequest(
                    workflow_id=info.workflow_id,
                    update="start",
                    update_id=info.workflow_id,
                    office=request.office,
                    arguments=request.arguments,
                    signature=request.signature,
                )
            )
        except Refusal as e:
            raise refusal_error(e) from None

    @activity.defn(name="rebuild_process")
    def rebuild_process(self, request: RebuildRequest) -> RebuildResult:
        """A process folded from the event log's rows of its earlier generations
        (`domain.rebuild`), for the run that carries it on; refused where the rows cannot
        be reproduced."""
        from domain import rebuild

        info = activity.info()
        rows = list(self.log.query(workflow_id=info.workflow_id))
        try:
            if info.workflow_type == "ContributionChase":
                from domain.chase import ChaseInput

                inp = ChaseInput.model_validate_json(request.input)
                chase = rebuild.rebuild_chase(inp, rows, inp.generation)
                status = chase.status()
                return RebuildResult(
                    snapshot=chase.model_dump_json(),
                    event_type="chase.rebuilt",
                    payload={
                        "generation": inp.generation,
                        "received": str(status.received),
                        "outstanding": str(status.outstanding),
                        "amount_due": str(status.amount_due),
                        "letters": len(status.letters),
                        "receipts": len(status.receipts),
                    },
                )
            if info.workflow_type not in rebuild.FOLDS:
                raise Refusal(f"a {info.workflow_type} is not rebuilt from the log", code="bad_start")
            input_type, fold, prefix, due_of = rebuild.FOLDS[info.workflow_type]
            process = fold(input_type.model_validate_json(request.input), info.workflow_id, rows)
        except Refusal as e:
            raise refusal_error(e) from None
        return RebuildResult(
            snapshot=process.model_dump_json(),
            event_type=f"{prefix}.rebuilt",
            payload={
                "generation": process.input.generation,
                "stage": process.stage,
                "due": due_of(process).isoformat(),
                "rows": len(rows),
            },
        )

    @activity.defn(name="record_command")
    def record_command(self, request: RecordInput) -> RecordResult:
        """A command that only records (`domain.records`): who sends it is checked as for
        any command (the office table, the signature; a key statement must be an
        administrator's), then its events are written in one transaction, once."""
        from activities.trust import check_record
        from domain.records import check_record_events

        info = activity.info()
        try:
            check_record(request, info.workflow_id, self.verifier)
            check_record_events(request)
            check_no_live_chases(self.log, request)
            check_no_conflict(self.log, request.events)
        except Refusal as e:
            raise refusal_error(e) from None
        events = [e.model_copy(update={"run_id": info.workflow_run_id}) for e in request.events]
        written = self.log.append_all(events)
        if request.command in ("register_key", "revoke_key") and self.verifier is not None:
            self.verifier.refresh()  # in force at once on this worker
        return RecordResult(
            written=written,
            already=len(events) - written,
            log=self.log.engine.url.render_as_string(hide_password=True),
        )

    # --- a bank statement's steps (`workflows.bank_statement`) -----------------------------
    @activity.defn(name="prepare_statement")
    async def prepare_statement(self, request: StatementInput) -> StatementPlan:
        """Who sends the statement is checked first (its signature, and its importer's over
        every entry), so a refused one writes nothing; then the run's plan
        (`activities.bank.prepare`)."""
        from activities.bank import prepare
        from activities.trust import check_sender
        from domain.records import statement_arguments

        workflow_id = activity.info().workflow_id
        try:
            check_sender(self.verifier, "import_statement", workflow_id, request, statement_arguments(request))
            self._check_entry_proofs(request, workflow_id)
        except Refusal as e:
            raise refusal_error(e) from None
        return await prepare(self._chases(), self.log, request.statement)

    @activity.defn(name="settle_entry")
    async def settle_entry(self, request: EntrySettlement) -> NewEvent:
        """One entry settled on its chase (`activities.bank.settle`): its event, to log."""
        from activities.bank import settle

        return await settle(self._chases(), request)

    @activity.defn(name="claim_reversals")
    def claim_reversals(self, request: ReversalClaims) -> dict[str, dict[str, Any]]:
        """The matched credit each reversal cancels (`activities.bank.claim_credits`)."""
        from activities.bank import claim_credits

        return claim_credits(self.log, request.account, request.reversals)

    @activity.defn(name="log_entries")
    def log_entries(self, events: list[NewEvent]) -> list[dict[str, Any]]:
        """A statement's entries logged in one transaction, each once: their rows, and the
        lines written now counted on the metrics page."""
        from domain.bank import row_of

        rows = [
            row_of(stored, already=not written)
            for stored, written in self.log.append_many(events)
            if stored.event_type.startswith("bank.entry_")
        ]
        _bank_metrics(self.meter, rows)
        return rows

    def _chases(self):
        if self.chases is None:
            raise ApplicationError("this worker was given no way to reach the chases", non_retryable=True)
        return self.chases

    @activity.defn(name="retry_outbox")
    async def retry_outbox(self, request: OutboxRetryInput) -> list[dict[str, Any]]:
        """`ccm outbox retry`: who sends it is checked first; then each message is sent by
        SMTP and its delivery logged once (`deliver`). A message the server turns away stays
        in the outbox, and says why."""
        import aiosmtplib

        from activities.trust import check_sender
        from domain.records import outbox_retry_arguments

        try:
            check_sender(
                self.verifier, "retry_outbox", activity.info().workflow_id, request, outbox_retry_arguments(request)
            )
        except Refusal as e:
            raise refusal_error(e) from None
        done = []
        for key in request.intent_keys:
            intent = await asyncio.to_thread(self.log.get, key)
            if intent is None or "message_id" not in intent.payload:
                done.append({"intent_key": key, "message_id": "", "outcome": "not delivered (no message logged there)"})
                continue
            try:
                outcome = await deliver(self.log, self.mailbox, key, f"{intent.event_type.split('.')[0]}.delivered")
                self.meter.create_counter("ccm_messages_delivered", COUNTERS["ccm_messages_delivered"]).add(1)
            except (OSError, aiosmtplib.SMTPException, ApplicationError) as e:  # down or refusing: try later
                first = str(e).splitlines()[0] if str(e) else "no answer"
                outcome = f"not delivered ({type(e).__name__}: {first})"
            done.append({"intent_key": key, "message_id": intent.payload["message_id"], "outcome": outcome})
            activity.heartbeat()
        return done

    def _check_entry_proofs(self, request: StatementInput, workflow_id: str) -> None:
        """Each entry's proof, checked before anything is written: a signed statement
        carries its importer's signature over every entry, or it is refused whole."""
        if request.signature is None:
            return
        if len(request.entry_signatures) != len(request.statement.entries):
            raise Refusal(
                f"the statement is signed but {len(request.entry_signatures)} of its "
                f"{len(request.statement.entries)} entries are: import it with `ccm bank import`",
                code="bad_signature",
            )
        if self.verifier is not None:
            now = datetime.now(timezone.utc)
            for proof in request.entry_proofs(workflow_id):
                self.verifier.ring.check_entry_proof(proof, now)

    def all(self) -> list:
        return [
            self.record_event,
            self.record_events,
            self.check_start,
            self.rebuild_process,
            self.record_command,
            self.prepare_statement,
            self.settle_entry,
            self.claim_reversals,
            self.log_entries,
            self.retry_outbox,
            self.write_letter,
            self.write_message,
            self.deliver_message,
            self.publish_page,
            self.agenda_facts,
            self.cycle_amounts,
            self.checkpoint_log,
        ]
