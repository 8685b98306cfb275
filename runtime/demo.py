"""The demo: the embedded server, a worker and this year's chases, end to end, then 2016
as the minutes of 4 November 2016 tell it. `ccm demo` runs it; it imports nothing from
`cli/` and writes the log only through the worker, as every command does."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, time, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path

from domain.process import Acting
from domain.schedule import geneva_today
from services.errors import CommandError

DEMO_BUDGET = Decimal("500000")

Table = Callable[[list[dict], list[str], str], None]


def write_contacts(path) -> None:
    """The demo's contacts file: an address in Geneva, in each language, for every State
    that has been a party, so that each note verbale has its addressee. The missions are
    named by ccm from each State's name (`Permanent Mission of the Netherlands…`, the
    observer missions of the Holy See and the State of Palestine). No head of mission is
    named: the demo knows none, so a President's letter would be held, with that reason
    (`ccm letters contacts --missing`); a real install keeps the missions' own."""
    import csv

    from domain.states import registry

    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["state", "email", "mission", "address", "address_fr", "address_es"])
        for st in registry():
            if not st.ever_party:
                continue
            out.writerow([st.alpha3, "", "", "1211 Geneva, Switzerland", "1211 Genève, Suisse", "1211 Ginebra, Suiza"])


def log_sdk_to(path: Path) -> None:
    """The Temporal SDK's own log lines (the Python SDK's and its Rust core's, forwarded to
    Python logging) go to `path`, the demo's `worker.log`, not over the demo's output; an
    operator who wants them on a terminal runs `ccm worker` in one of its own."""
    import logging

    from temporalio.runtime import LogForwardingConfig, LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    sdk = logging.getLogger("temporalio")
    sdk.addHandler(handler)
    sdk.propagate = False
    core = LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
        forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
    )
    Runtime.set_default(Runtime(telemetry=TelemetryConfig(logging=core)), error_if_already_set=False)


async def run(
    s, keep: bool, ui_port: int, say: Callable[[str], None], table: Table, note: Callable[[str], None], admin_key=None
) -> None:
    """The demo against its own embedded server (`s`: the demo's settings): a worker, this
    year's chases, 2016 as the minutes tell it. `say` prints a line, `table` rows, `note` a
    diagnostic; with `keep`, it runs until SIGINT or SIGTERM."""
    from activities.database import open_event_log
    from activities.reports import publish
    from domain.chase import ChaseInput, Pledge, RecordReceipt, ReportPayment, workflow_id
    from domain.contributions import read_budget, split_by_line
    from domain.cycle import MEMBERSHIP_RULES, billed
    from domain.scale import indicative_amounts
    from domain.states import registry
    from runtime.temporal import connect
    from runtime.worker import run_worker
    from services.chases import chase_rows, start_chase
    from services.commands import check_polled
    from services.reports import contributions_report, report_rows, summary

    stop = asyncio.Event()  # set by SIGINT or SIGTERM (the worker's handlers), or at the end
    worker = asyncio.create_task(run_worker(s, stop, say=note))
    log = open_event_log(s.database_url, create=False, upgrade_schema=False)
    try:
        client = await connect(s)
        for _ in range(100):  # the worker starts beside the demo: wait until it polls
            try:
                await check_polled(client, s.task_queue)
                break
            except CommandError:
                await asyncio.sleep(0.2)
        reg = registry()
        year, today = geneva_today().year, geneva_today()
        if admin_key is not None:
            holders = await _register_holders(client, s, admin_key, today)
            say("Office-holders (ccm keys list; the President signs her or his letters): " + "; ".join(holders))
        parties = reg.parties(today)
        signatories = sum(1 for _, st in reg.on(today) if st == "signatory")
        say(
            f"Registry: {len(parties)} States Parties and {signatories} signatories on {today} "
            f"(ccm states list --as-of {today})"
        )
        scale = demo_scale(year, say)
        billed_now = [st.alpha3 for st in reg if billed(st, year, s.membership_rule)]
        amounts = indicative_amounts(DEMO_BUDGET, scale, billed_now)
        say(
            f"Starting the {year} chases for {len(amounts)} States Parties "
            f"(demo budget CHF {DEMO_BUDGET:,}, UN scale {scale.period}; billed: "
            f"{MEMBERSHIP_RULES[s.membership_rule].format(year=year)})…"
        )
        lines = read_budget((s.home / f"budget-{year}.csv").read_text("utf-8"))  # the call splits each amount
        await asyncio.gather(
            *(
                start_chase(
                    client,
                    s.task_queue,
                    ChaseInput(
                        state=a,
                        year=year,
                        amount_due=v,
                        budget_split=split_by_line(v, lines),
                        membership_rule=s.membership_rule,
                    ),
                    Acting(**ISU),
                    wait=False,
                )
                for a, v in amounts.items()
            )
        )

        async def update(state, name, arg):
            await client.get_workflow_handle(workflow_id(year, state)).execute_update(name, arg)

        # As in the minutes of 4 November 2016: two States paid, Italy's payment "was
        # being processed", and one State reported paying while nothing had arrived.
        await update(
            "DEU",
            "record_receipt",
            RecordReceipt(amount=amounts["DEU"], date=today, reference="DE-2016-11", budget_line="7c"),
        )
        half = (amounts["AUS"] / 2).quantize(Decimal("0.01"))  # centimes: a receipt has no third decimal
        await update("AUS", "record_receipt", RecordReceipt(amount=half, date=today, budget_line="7b"))
        await update(
            "ITA",
            "pledge",
            Pledge(
                expected_date=today + timedelta(days=20),
                note="being processed after governmental restructuring",
                office="ITA",
            ),
        )
        await update("NZL", "report_payment", ReportPayment(date=today, reference="NZ-7781", office="NZL"))
        rows = []
        for _ in range(50):  # visibility is eventually consistent: wait for every chase
            rows = await chase_rows(client, None, year)
            if len(rows) >= len(amounts):
                break
            await asyncio.sleep(0.2)
        table(
            rows,
            ["state", "stage", "amount_due", "received", "outstanding", "letters", "next_action"],
            f"Contribution chases {year}",
        )
        say(f"Web UI: http://127.0.0.1:{ui_port}   Temporal: {s.temporal_address}   data: {s.home}")
        say(await _obligations(client, s, year - 1))
        for line in await _year_2016(client, s, log):
            say(line)
        say(await _meetings(client, s))
        say(await _letters_decided_in_2016(client, s, log))
        say(await _concept_notes(client, s))
        say(await _events_of_the_minutes(client, s))
        say(universalization(MINUTES_DAY, geneva_today()))
        say(await _targets_judged(client, s, log))
        say(_cycle_2017(log))
        report = contributions_report(log, year, s.home / f"budget-{year}.csv")
        table(
            report_rows(report),
            ["name", "amount_due", "received", "outstanding", "letters", "last_action"],
            f"Status of contributions {year} (from the event log)",
        )
        say(summary(report))
        # "asked Coordinators to seek advice from their capitals and provide an answer by the
        # next meeting": the page is drafted for the Committee, not published.
        say(
            f"Draft status page for the Committee, not published (publishing awaits advice from capitals, as the "
            f"minutes of 4 November 2016 record; `ccm report publish` once it decides): "
            f"{publish(report, s.home / 'draft')}"
        )
        pdfs = sorted((s.home / "outbox" / "letters").glob("*.pdf"))
        say(f"Letters: {len(pdfs)} PDF letters on letterhead in {s.home / 'outbox' / 'letters'}")
        if keep:
            note("KEEP=1: running until Ctrl-C (SIGINT) or SIGTERM")
            await stop.wait()
    finally:
        stop.set()
        await worker
        log.engine.dispose()


# The Presidency and the Director's post, by term, as the key registry records them: the
# holders of 2016 as the minutes name them, and today's (the demo's own, said as such).
HOLDERS = [
    (
        "president",
        "Michael Biontino",
        {
            "en": "Ambassador, Permanent Representative of Germany to the Conference on Disarmament; President of the "
            "Seventh Meeting of States Parties",
            "fr": "Ambassadeur, Représentant permanent de l'Allemagne auprès de la Conférence du désarmement ; "
            "Président de la Septième Assemblée des États parties",
            "es": "Embajador, Representante Permanente de Alemania ante la Conferencia de Desarme; Presidente de la "
            "Séptima Reunión de los Estados Partes",
        },
        date(2016, 9, 7),
        date(2017, 9, 6),
    ),
    (
        "isu",
        "Sheila Mweemba",
        {
            "en": "Director, Implementation Support Unit",
            "fr": "Directrice de l'Unité d'appui à l'application",
            "es": "Directora de la Dependencia de Apoyo a la Aplicación",
        },
        date(2015, 1, 1),
        date(2019, 12, 31),
    ),
]


def demo_scale(year: int, say):
    """The year's UN scale; where ccm knows none yet (from 2028 until the operator records
    one: `ccm data add-scale`), the latest it ships, and a line that says so: the demo
    shows the story, a real cycle bills no one by a scale that is not the year's."""
    from domain.scale import ScaleError, shipped_periods, shipped_scale

    try:
        return shipped_scale(year)
    except ScaleError as e:
        latest = shipped_scale(max(b for _, b in shipped_periods()))
        say(f"note: {e.problems[0]}; the demo bills by the UN scale {latest.period} instead")
        return latest


async def _register_holders(client, s, admin_key, today: date) -> list[str]:
    """Register who signs the Presidency's and the ISU's letters, for 2016 and for today,
    with the demo's administrator key: the worker checks it as any key statement."""
    from datetime import datetime, timezone

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from domain.signatures import KeyRegistration, b64, fingerprint, public_bytes, sign
    from services.commands import record
    from services.keystore import key_statement_event

    admin_fp = fingerprint(public_bytes(admin_key))
    today_holders = [
        (
            "president",
            s.president_name or "The President (the demo's holder)",
            {"en": s.president_title},  # none: the letter prints the office, "President of the … Meeting …"
            date(today.year, 1, 1),
            date(today.year, 12, 31),
        ),
        (
            "isu",
            s.director_name or "The Director (the demo's holder)",
            {"en": s.director_title or "Director"},
            date(today.year, 1, 1),
            date(today.year, 12, 31),
        ),
    ]
    events, said, admin = [], [], Acting(actor="demo administrator", office="isu")
    for office, holder, titles, start, end in HOLDERS + today_holders:
        raw = public_bytes(Ed25519PrivateKey.generate())  # the holder's key: the demo signs nothing with it
        reg = KeyRegistration(
            fingerprint=fingerprint(raw),
            public_key=b64(raw),
            holder=holder,
            office=office,
            valid_from=start,
            valid_until=end,
            registered_at=datetime.now(timezone.utc),
            admin=admin_fp,
            title=titles["en"],
            title_fr=titles.get("fr", ""),
            title_es=titles.get("es", ""),
            signs_letters=True,
            presidency_of="DEU" if holder == "Michael Biontino" else "",
        )
        reg.admin_signature = sign(admin_key, reg.message())
        events.append(
            key_statement_event(
                "key.registered",
                reg.fingerprint,
                reg.model_dump(mode="json"),
                f"registered/{reg.fingerprint}/{office}/{start}",
                admin,
                reg.registered_at,
            )
        )
        said.append(f"{holder} ({office}, {start} to {end})")
    await record(client, s.task_queue, "register_key", events, admin)
    return said


# The demo's own 2016 budget: its ledger's totals are those the ISU Director gave on
# 4 November 2016 (7a CHF 96'433, 7b 110'922, 7c 170'481; a deficit just over 100'000),
# and its non-voluntary line, 7a, is 40 % of it ("only 40% of the annual budget … as not
# voluntary"). The ledger's amounts due are the UN scale of 2016-2018 over that budget.
BUDGET_2016 = "line,amount,kind\n7a,191200,mandatory\n7b,113000,voluntary\n7c,173800,voluntary\n"


async def _year_2016(client, s, log) -> list[str]:
    """2016 from a ledger, as an ISU adopting ccm would bring it: the demo's own payers
    (named as such), with the totals the minutes quote, as of 4 November 2016; imported
    through the worker, as `ccm import contributions` does."""
    from domain.contributions import ledger_events
    from domain.process import Acting
    from domain.states import registry
    from services.commands import record
    from services.reports import contributions_report, summary

    data = resources.files("domain").joinpath("data/demo_ledger_2016.csv").read_bytes()
    await record(
        client,
        s.task_queue,
        "import_contributions",
        ledger_events(data, 2016, registry(), "demo ledger", "isu"),
        Acting(actor="demo ledger", office="isu"),
    )
    (s.home / "budget-2016.csv").write_text(BUDGET_2016)
    letters = await _letters_of_2016(client, s, log)
    await _import_article7(client, s)
    report = contributions_report(log, 2016, s.home / "budget-2016.csv", date(2016, 11, 4))
    return [
        "2016, imported from the demo's own ledger, as of 4 November 2016 (ccm report contributions "
        "--year 2016 --as-of 2016-11-04):",
        summary(report),
        letters,
        *await _finances_2016(client, s, log),
        article7_as_of_4_november(log),
    ]


# "three reminders had already been sent to States in 2016. To that effect, one letter had
# been sent in January, one in June and one just before the 6MSP" (5-7 September 2016): the
# months are the minutes', the days the demo's. The call went to every State billed; each
# reminder to those that had not paid in full by its day, as the ledger says.
LETTERS_2016 = [
    (date(2016, 1, 15), "call_for_contributions"),
    (date(2016, 6, 15), "second_reminder"),
    (date(2016, 8, 22), "pre_msp_reminder"),
]


_PLURAL = {
    "call_for_contributions": "calls for contributions",
    "second_reminder": "second reminders",
    "pre_msp_reminder": "pre-MSP reminders",
}


def letters_2016_csv(log, home) -> bytes:
    """The three letters of 2016 as `ccm import letters` reads them: the call to every State
    billed, each reminder to those that had not paid in full by its day (the ledger says)."""
    from services.reports import contributions_report

    rows = ["state,date,kind,reference"]
    for day, kind in LETTERS_2016:
        report = contributions_report(log, 2016, home / "budget-2016.csv", day)
        owing = [r.state for r in report.parties if kind == "call_for_contributions" or r.outstanding > 0]
        rows += [f"{state},{day.isoformat()},{kind}," for state in owing]
    return ("\n".join(rows) + "\n").encode()


async def _letters_of_2016(client, s, log) -> str:
    """The three letters of 2016 imported as `ccm import letters` brings them."""
    from domain.contributions import letter_events
    from domain.process import Acting
    from domain.states import registry
    from services.commands import record
    from services.reports import contributions_report

    data = letters_2016_csv(log, s.home)
    billed = {r.state for r in contributions_report(log, 2016, s.home / "budget-2016.csv").parties}
    events = letter_events(data, 2016, registry(), billed, "demo ledger", "isu")
    await record(client, s.task_queue, "import_letters", events, Acting(actor="demo ledger", office="isu"))
    counts = {kind: sum(1 for e in events if e.payload["letter"] == kind) for _, kind in LETTERS_2016}
    return "  letters of 2016 imported (ccm import letters; the minutes' months, the demo's days): " + ", ".join(
        f"{counts[kind]} {_PLURAL[kind]} ({day:%d %B})" for day, kind in LETTERS_2016
    )


# Item 6's figures the minutes do not give, the demo's own and said to be: the decision
# that approved the 2016 budget (the First Review Conference, Dubrovnik, September 2015; the
# day is the demo's), the funds carried over from 2015, and the Unit's spending (a twelfth of
# each line each month). With them the projection says what the Director said: the
# carry-over "would not be adequate to take the Secretariat through the first trimester of 2017".
DECISION_2016 = "First Review Conference, Dubrovnik, September 2015 (the demo's reference: illustrative)"
APPROVED_2016 = date(2015, 9, 11)
CARRY_OVER_2016 = Decimal("150000.00")


def expenditure_2016(until: date = date(2016, 10, 31)) -> bytes:
    """The demo's illustrative export of the host's accounting: each line's twelfth, monthly."""
    from domain.contributions import read_budget

    rows = ["date,budget_line,amount,description,document,kind"]
    for month in range(1, until.month + 1):
        for b in read_budget(BUDGET_2016):
            twelfth = (b.amount / 12).quantize(Decimal("0.01"))
            rows.append(
                f"2016-{month:02d}-25,{b.line},{twelfth},salaries and running costs,DEMO-2016-{month:02d}-{b.line},"
            )
    return ("\n".join(rows) + "\n").encode()


async def _finances_2016(client, s, log) -> list[str]:
    """The budget, the carry-over and the spending of 2016 recorded as `ccm budget set` and
    `ccm import expenditure` record them, and item 6 as `ccm report finances` says it."""
    from domain.finances import budget_event, expenditure_events
    from domain.process import Acting
    from services.commands import record
    from services.finances import finances, update_sentences
    from services.reports import arrears_report

    isu = Acting(actor="demo ledger", office="isu")
    budget = budget_event(BUDGET_2016.encode(), 2016, DECISION_2016, APPROVED_2016, CARRY_OVER_2016, isu.actor, "isu")
    await record(client, s.task_queue, "set_budget", [budget], isu)
    spent = expenditure_events(expenditure_2016(), isu.actor, "isu", date(2016, 11, 4))
    await record(client, s.task_queue, "import_expenditure", spent, isu)
    day = date(2016, 11, 4)
    fin, report = finances(log, s.home, 2016, day)
    return [
        "The finance update of 4 November 2016 (ccm report finances --year 2016 --as-of 2016-11-04 --since "
        "2016-09-27; the payers, the budget's decision, the carry-over and the spending are the demo's, "
        "illustrative; the totals by line, the deficit and the count of States are the minutes'):",
        *(f"  {line}" for line in update_sentences(fin, report, arrears_report(log, 2016, day), date(2016, 9, 27))),
    ]


async def _import_article7(client, s) -> None:
    """The demo's own Article 7 record, imported through the worker."""
    from domain.obligations import imported_events
    from domain.process import Acting
    from domain.states import registry
    from services.commands import record

    data = resources.files("domain").joinpath("data/demo_article7_2016.csv").read_bytes()
    await record(
        client,
        s.task_queue,
        "import_obligations",
        imported_events(data, registry(), "demo record", "isu"),
        Acting(actor="demo record", office="isu"),
    )


def article7_as_of_4_november(log) -> str:
    """The demo's Article 7 record counted as the Transparency Measures coordinator
    counted it on 4 November 2016."""
    from domain.obligations import fold_obligations

    on = date(2016, 11, 4)
    rows = fold_obligations(log.query(event_type="obligation.*"), on)
    initial = sum(1 for r in rows if r.kind == "art7-initial" and r.standing(on) == "overdue")
    annual = sum(1 for r in rows if r.kind == "art7-annual" and r.period == "2015" and r.standing(on) == "overdue")
    return (
        f"Article 7 as of 4 November 2016: {initial} States Parties with overdue initial transparency reports "
        f"and {annual} with overdue 2015 annual reports (ccm report obligations --as-of 2016-11-04; the "
        "minutes give the counts, no source names the States: the demo's are illustrative)"
    )


async def _obligations(client, s, year: int) -> str:
    """Last year's Article 7 annual reports, due on 30 April: started after that day with
    no report recorded, each says so (not "overdue": ccm did not follow them then) until
    the reports submitted are imported and the ISU confirms the rest overdue."""
    from domain.obligations import concerned, initial_report_due
    from domain.states import name_of, registry
    from services.obligations import start_obligations

    parties = {st.alpha3: st.entry_into_force for st in registry().parties()}
    states = concerned("art7-annual", parties, year)
    await start_obligations(client, s.task_queue, "art7-annual", year, states, parties, Acting(**ISU))
    query = "WorkflowType = 'Obligation' AND CcmStage = 'unrecorded'"
    unrecorded = 0
    for _ in range(100):  # visibility is eventually consistent
        unrecorded = (await client.count_workflows(query)).count
        if unrecorded >= len(states):
            break
        await asyncio.sleep(0.2)
    # Then the States bound this past year (Vanuatu, from 1 March 2026): their initial reports.
    recent = sorted(a for a, eif in parties.items() if eif and eif > geneva_today() - timedelta(days=365))
    await start_obligations(client, s.task_queue, "art7-initial", None, recent, parties, Acting(**ISU))
    initial = [f"{name_of(a)}'s due {initial_report_due(parties[a])}" for a in recent]
    return (
        f"Article 7 annual reports for {year}: {unrecorded} of {len(states)} States Parties with no report "
        "recorded (ccm import obligations records those submitted; ccm obligations confirm-overdue the rest); "
        f"initial reports of the States bound this past year followed: {', '.join(initial) or 'none'}"
    )


# The agenda of 4 November 2016, as the minutes' headings give it (items 2 to 8).
AGENDA_OF_4_NOVEMBER = [
    ("Opening remarks by the President", []),
    ("Approval of the minutes of 27 September 2016", []),
    ("Updates from the 7MSP Presidency", []),
    (
        "Presentation of concept notes by thematic Coordinators of their work up to the 7MSP",
        [
            "Victim Assistance (Italy and Chile)",
            "Universalization (France and Zambia)",
            "Stockpile Destruction (Croatia and Mexico)",
            "Clearance and Risk Reduction Education (Norway and Netherlands)",
            "International Cooperation and Assistance (Iraq and Australia)",
            "Transparency Measures (Costa Rica)",
            "National Implementation Measures (New Zealand)",
            "Country Coalitions non-paper (Presidency)",
        ],
    ),
    ("Implementation of the ISU-CCM Financial Decision", []),
    ("Update from the ISU-CCM", []),
    ("Date of the next CC meeting", []),
]


# The decisions of the Committee's meeting of 4 November 2016, as action items.
# Every follow-up the minutes of 4 November 2016 record, with its owner, the command that
# closes it where one does (`fulfilled_by`), and its due date where the minutes give
# another than the next meeting's: (owner, text, fulfilled_by, due).
THEMES_OF_2016 = (
    "victim-assistance",
    "universalization",
    "stockpile-destruction",
    "clearance-and-rre",
    "cooperation-and-assistance",
    "transparency-measures",
    "national-implementation",
)
ACTIONS_OF_4_NOVEMBER = [
    # "reminded all Coordinators to turn their concept papers into operational plans by the next meeting"
    *(
        (
            f"coordinator:{theme}",
            "Turn the concept note into an operational plan with concrete steps",
            f"plan:concept-note-{{msp}}-{theme}",
            None,
        )
        for theme in THEMES_OF_2016
    ),
    # "discussed and adapted … before uploading the final versions on the Convention's website
    # alongside an executive summary"
    (
        "isu",
        "Coordinators upload the final versions of their concept notes with an executive summary on the "
        "thematic pages of the website",
        None,
        None,
    ),
    (
        "president",
        "Turn the Country Coalitions non-paper into an operational plan; identify lead countries",
        None,
        None,
    ),
    # "he would, through the ISU-CCM, be sending out individual letters"
    (
        "president",
        "Individual letters to all States Parties that have not paid their ISU contribution",
        "escalation:2016",
        None,
    ),
    # "asked Coordinators to seek advice from their capitals and provide an answer by the next meeting"
    ("member", "Advice from capitals on publishing the status of ISU contributions (UNOG methodology)", None, None),
    ("coordinator:general-status", "Identify ways to address the ISU-CCM financing deficit", None, None),
    # "re-examine the issue with UNOG at the beginning of 2017"
    (
        "coordinator:general-status",
        "Look at the financing models of other Conventions and re-examine the issue with UNOG",
        None,
        date(2017, 3, 31),
    ),
    # "work in close coordination with the Presidency to start a constructive dialogue with major
    # cluster munitions producers and possessors"
    (
        "president",
        "Meet the Coordinators on universalization on the dialogue with producers and possessors",
        None,
        None,
    ),
    # Costa Rica, "with the support of the ISU-CCM … in the process of defining a target list of
    # countries in different regions"
    ("CRI", "Define, with the ISU-CCM, a target list of countries by region for transparency reporting", None, None),
    # New Zealand, "with the support of the ISU … developing a consolidated target list of States
    # Parties" on national legislation
    (
        "NZL",
        "Develop, with the ISU-CCM, a consolidated target list of States Parties on national implementation "
        "legislation",
        None,
        None,
    ),
    # New Zealand's ASEAN Inter-Sessional Meeting "in early 2017", to coordinate with the Presidency
    (
        "NZL",
        "Coordinate the ASEAN Inter-Sessional Meeting with the Presidency and the Coordinators on universalization",
        None,
        date(2017, 3, 31),
    ),
]


# The Committee's meetings of 2016 as the minutes of 4 November record them. The minutes
# give the time only of the next meeting; the demo holds the earlier ones at the same hours.
SEPTEMBER, NOVEMBER, DECEMBER = date(2016, 9, 27), date(2016, 11, 4), date(2016, 12, 7)
VENUE = "Permanent Mission of the Federal Republic of Germany"
PRESIDENT = {"actor": "Michael Biontino", "office": "president"}
ISU = {"actor": "Sheila Mweemba", "office": "isu"}


async def _meetings(client, s) -> str:
    """27 September 2016, its minutes approved on 4 November; 4 November held, with its
    attendance and action items; the next meeting on 7 December 2016. All three lie in the
    past, so each is recorded as held and no invitation goes out; the December meeting's
    calendar file is written beside the outbox."""
    from activities.calendar import meeting_ics
    from domain.meetings import (
        SUMMARY,
        AddActionItem,
        AgendaItem,
        ApproveMinutes,
        CirculateMinutes,
        MeetingInput,
        RecordAgenda,
        RecordAttendance,
        SetNextMeeting,
        meeting_id,
    )
    from domain.schedule import Schedule, participants_from_csv
    from workflows.meeting import Meeting

    people = participants_from_csv(resources.files("domain").joinpath("data/committee_2016.csv").read_text("utf-8"))

    async def record(day: date, previous: date | None):
        schedule = Schedule.at(day, time(10), time(11, 30), VENUE)
        return schedule, await client.start_workflow(
            Meeting.run,
            MeetingInput.plan(schedule, participants=people, previous_meeting=previous),
            id=meeting_id(day),
            task_queue=s.task_queue,
        )

    _, september = await record(SEPTEMBER, None)
    await september.execute_update(
        Meeting.circulate_minutes,
        CirculateMinutes(
            text="Draft minutes of the Coordination Committee meeting of 27 September 2016 (the demo's own text).",
            **ISU,
        ),
    )
    _, november = await record(NOVEMBER, SEPTEMBER)
    # "The draft Minutes … were approved without comments" (item 3).
    await september.execute_update(Meeting.approve_minutes, ApproveMinutes(at_meeting=NOVEMBER, **PRESIDENT))
    present = sorted({p.delegation for p in people})
    await november.execute_update(Meeting.record_attendance, RecordAttendance(present=present, **ISU))
    # "The President then presented the Agenda … he proceeded with the Agenda as presented"
    # (item 2): the agenda as the meeting had it, recorded, not recomposed later.
    await november.execute_update(
        Meeting.record_agenda,
        RecordAgenda(
            items=[AgendaItem(title=title, details=details) for title, details in AGENDA_OF_4_NOVEMBER], **ISU
        ),
    )
    # "the next meeting … would be held on Wednesday, 7 December 2016 from 10:00h to 11:30h" (item 8).
    await november.execute_update(Meeting.set_next_meeting, SetNextMeeting(date=DECEMBER, **ISU))
    for owner, text, fulfilled_by, due in ACTIONS_OF_4_NOVEMBER:
        await november.execute_update(
            Meeting.add_action_item,
            AddActionItem(
                owner=owner,
                text=text,
                due=due,
                fulfilled_by=fulfilled_by.format(msp=s.msp) if fulfilled_by else None,
                **ISU,
            ),
        )
    await november.execute_update(
        Meeting.circulate_minutes,
        CirculateMinutes(
            text="Draft minutes of the Coordination Committee meeting of 4 November 2016 (the demo's own text).", **ISU
        ),
    )
    december, _ = await record(DECEMBER, NOVEMBER)
    ics = s.home / f"{meeting_id(DECEMBER)}.ics"
    ics.write_bytes(meeting_ics(meeting_id(DECEMBER), december, SUMMARY, s.mail_from, people, 0, "REQUEST"))
    return (
        f"Meetings: {meeting_id(SEPTEMBER)}, minutes approved at the meeting of 4 November 2016; "
        f"{meeting_id(NOVEMBER)} held, {len(people)} people of {len(present)} delegations present, "
        f"{len(ACTIONS_OF_4_NOVEMBER)} action items (every follow-up the minutes record), its minutes "
        f"circulated; next meeting {december.in_words()} (calendar file {ics})"
    )


async def _letters_decided_in_2016(client, s, log) -> str:
    """The President's individual letters decided on 4 November 2016: 2016 is history here
    (imported), so the decision is recorded with the States that had not paid, nothing is
    sent, and the meeting's action item that records it is closed."""
    from domain.action_items import escalation_of
    from services.fulfilment import fulfil_items, record_history_decision

    president = Acting(**PRESIDENT)
    for _ in range(50):  # the meeting's items are listed once visibility has them
        unpaid = await record_history_decision(client, log, s.task_queue, 2016, president, s.home / "budget-2016.csv")
        closed = await fulfil_items(
            client, escalation_of(2016), "the decision on 2016, a year of history, recorded (nothing sent)", president
        )
        if closed:
            break
        await asyncio.sleep(0.2)
    return (
        f"President's letters of 2016 (ccm chase escalate --year 2016 --all-unpaid): 2016 is history, so the "
        f"decision is recorded for the {len((unpaid or {}).get('states', []))} States that sent nothing (listed "
        f"apart: {', '.join(f'{len(v)} {k}' for k, v in (unpaid or {}).items() if k != 'states' and v) or 'none'}) "
        f"and nothing is sent; action item {', '.join(closed) or 'none'} closed"
    )


# Where each theme stood after the meeting of 4 November 2016: (theme, coordinator, the day
# its note was circulated or None, comments made). The demo dates the notes that came on
# time a week before the meeting; Norway "apologized for not having sent its concept note
# prior to the … meeting" and New Zealand "for the late submission": both came on the day.
CONCEPT_NOTES = [
    (
        "victim-assistance",
        "ITA",
        date(2016, 10, 28),
        [("ICRC", "Could the coordinators explain the rationale behind the choice of countries?")],
    ),
    (
        "universalization",
        "ZMB",
        date(2016, 10, 28),
        [  # item 5.2: France, New Zealand, the CMC and the ICRC, as the minutes record them
            (
                "FRA",
                "Both coordinators will work closely with the Presidency to open a constructive dialogue with "
                "the major producers and possessors of cluster munitions, to address the security concerns of "
                "potential new States Parties.",
            ),
            (
                "NZL",
                "New Zealand hosts the ASEAN Inter-Sessional Meeting on Non-Proliferation and Disarmament in "
                "early 2017 and offers to coordinate with the Presidency and the coordinators; most Pacific States "
                "are of the first (administrative) category; Cameroon would host a workshop like Addis Ababa's "
                "once its new legislation is approved.",
            ),
            (
                "CMC",
                "The CMC welcomes the concept notes and is available to support the coordinators, including with "
                "data from the Cluster Munition Monitor.",
            ),
            (
                "ICRC",
                "The ICRC agrees with the President's grouping of the States not party, has done much bilateral "
                "work in South-East Asia, and encourages the Committee to target possessors as well as producers.",
            ),
        ],
    ),
    ("stockpile-destruction", "HRV", date(2016, 10, 28), []),  # "there were no comments"
    (
        "clearance-and-rre",
        "NOR",
        NOVEMBER,
        [
            (
                "NLD",
                "The coordinators will also look at affected States that find it hard to join because of the "
                "clearance deadline, and reach out to them with other Committee members.",
            )
        ],
    ),
    (
        "cooperation-and-assistance",
        "AUS",
        date(2016, 10, 28),
        [("CMC", "All relevant actors should be invited to the workshop for it to succeed.")],
    ),
    (
        "transparency-measures",
        "CRI",
        date(2016, 10, 28),
        [
            (
                "NZL",
                "The measures of the concept notes on national implementation and on transparency cross over: "
                "New Zealand will work closely with Costa Rica on follow-up.",
            ),
            (
                "NLD",
                "Could Costa Rica present its list of target countries, so that other coordinators "
                "reach out to the same States at the same time?",
            ),
        ],
    ),
    ("national-implementation", "NZL", NOVEMBER, []),  # the minutes record no comment on it
    ("general-status", "BIH", None, []),  # "would not be discussed at that time"
]


async def _concept_notes(client, s) -> str:
    """The notes presented on 4 November 2016, each with its operational plan due at the
    next meeting, 7 December 2016 ("translate their concept notes into operational action
    plans by the next meeting")."""
    from domain.concept_notes import Comment, ConceptNoteInput, SubmitVersion, concept_note_id, theme
    from domain.meetings import proposals_close_at
    from domain.office_holders import coordinators
    from workflows.concept_note import ConceptNote

    deadline = proposals_close_at(NOVEMBER, 3)
    said = []
    for slug, coordinator, circulated_on, comments in CONCEPT_NOTES:
        # The minutes' notes are the 7MSP term's, written by its coordinators, whatever MSP
        # the settings name (their ids only).
        inp = ConceptNoteInput(
            theme=slug,
            msp=s.msp,
            meeting=NOVEMBER,
            circulate_by=deadline,
            plan_due=DECEMBER,
            coordinators=coordinators("7MSP", slug),
        )
        handle = await client.start_workflow(
            ConceptNote.run, inp, id=concept_note_id(s.msp, slug), task_queue=s.task_queue
        )
        title = theme(slug).title
        if circulated_on:
            await handle.execute_update(
                ConceptNote.submit_version,
                SubmitVersion(
                    text=f"Concept note on {title}, based on the Dubrovnik Action Plan (the demo's own text).",
                    summary=f"{title}: objectives, strategies and activities up to the {s.msp}.",
                    circulated_on=circulated_on,
                    office=coordinator,
                ),
            )
        for office, text in comments:
            await handle.execute_update(ConceptNote.comment, Comment(text=text, office=office))
        status = await handle.query(ConceptNote.status)
        late = " (late)" if status.late else ""
        said.append(f"{slug} {status.stage.replace('_', ' ')}{late}")
    return (
        f"Concept notes ({s.msp}, presented on 4 November 2016, operational plans due 7 December 2016): "
        + ", ".join(said)
    )


MINUTES_DAY = date(2016, 11, 4)

# The events the minutes speak of, with the days their sources give: (title, kind, host,
# place, first day, last day, owner, theme, targets, funder, funding). "In November": the
# month stands for its days; the Bangkok seminar and the Mine Action Directors' meeting are
# dated by the Convention's site (http://www.clusterconvention.org/presidency/).
EVENTS_OF_THE_MINUTES = [
    ("Clearance workshop in Lebanon (Beirut; November 2016)", "workshop", "Norway and the Netherlands", "Beirut",
     date(2016, 11, 1), date(2016, 11, 30), "coordinator:clearance-and-rre", "clearance-and-rre", ["LBN"], "", "none"),
    ("Launch of the Guidance on an integrated approach to Victim Assistance (APMBC 15MSP)", "side_event",
     "Australia", "Santiago, Chile", date(2016, 11, 29), date(2016, 11, 29), "AUS", "victim-assistance", [], "",
     "none"),
    ("ASEAN Inter-Sessional Meeting on Non-Proliferation and Disarmament (early 2017)", "meeting", "New Zealand",
     "New Zealand", date(2017, 1, 1), date(2017, 3, 31), "NZL", "universalization", [], "", "none"),
    ("Side event at the 20th International Meeting of Mine Action Programme Directors", "side_event",
     "Australia and Iraq", "Geneva", date(2017, 2, 7), date(2017, 2, 10), "coordinator:cooperation-and-assistance",
     "cooperation-and-assistance", [], "", "none"),
    ("Regional seminar: Cooperating to implement the CCM, the Country Coalition concept", "workshop", "Germany",
     "Bangkok", date(2017, 3, 16), date(2017, 3, 17), "president", "universalization", [], "European Union",
     "requested"),
]  # fmt: skip


async def _events_of_the_minutes(client, s) -> str:
    """The workshops, side events and meetings of the minutes, recorded as `ccm event add`
    records them (the EU "approached for funding": requested)."""
    from domain.outreach import OutreachEvent, event_id, planned_event
    from domain.process import Acting
    from services.commands import record

    rows = []
    for title, kind, host, place, first, last, owner, theme, targets, funder, funding in EVENTS_OF_THE_MINUTES:
        planned = OutreachEvent(
            id=event_id(title, first), title=title, kind=kind, host=host, place=place, first_day=first,
            last_day=last, owner=owner, theme=theme, targets=targets, funder=funder, funding=funding,
        )  # fmt: skip
        rows.append(planned_event(planned, min(first, MINUTES_DAY), ISU["actor"], ISU["office"]))
    await record(client, s.task_queue, "record_outreach", rows, Acting(**ISU))
    return f"Events of the minutes: {len(rows)} recorded, from Beirut to Bangkok (ccm event list --as-of 2016-11-04)"


def universalization(then: date, now: date) -> str:
    """Universalization as the minutes speak of it (item 5.2), counted from the registry: the
    States Parties of the world's States then and now, and where each target stands."""
    from domain.states import registry
    from domain.universalization import joined_between, progress, targets

    reg = registry()

    def parties(day: date) -> str:
        world = reg.world_on(day)
        return f"{sum(1 for *_, st in world if st == 'party')} of {len(world)} States party on {day}"

    said = [f"{t.target}: {progress(reg, t, now).said}" for t in targets()]
    joined = joined_between(reg, then, date(2017, 9, 4))
    where = "ccm states targets, ccm states list --status not-party"
    return (
        f"Universalization: {parties(then)}, {parties(now)}; "
        + "; ".join(said)
        + f" (joined by the 7MSP: {', '.join(joined) or 'none'}; {where})"
    )


async def _targets_judged(client, s, log) -> str:
    """Each target watched to its day, as `ccm universalization watch` starts them: both days
    have passed, so each is counted at once and logged met or missed."""
    from domain.target_watch import TargetWatchInput, watch_id
    from domain.universalization import targets
    from workflows.target_watch import UniversalizationTarget

    for t in targets():
        handle = await client.start_workflow(
            UniversalizationTarget.run, TargetWatchInput(target=t), id=watch_id(t.id), task_queue=s.task_queue
        )
        await handle.result()
    judged = [row for row in log.query(event_type="target.*") if row.event_type != "target.watched"]
    return "Targets counted and logged (ccm universalization watch): " + "; ".join(
        f"{row.payload['target']}: {row.event_type.removeprefix('target.')}, "
        f"{row.payload['reached']} of {row.payload['count']} on {row.payload['by']}"
        for row in judged
    )


def _cycle_2017(log) -> str:
    """The 2017 cycle as its activity computes it: 2016's unpaid balances, read from the
    imported ledger, become 2017's arrears. (The 2017 chases cannot run live now: every
    letter and the year end of 2017 lie in the past.)"""
    from activities.records import cycle_amounts
    from domain.cycle import CycleInput
    from domain.money import format_chf

    computed = cycle_amounts(log, CycleInput(year=2017, budget=DEMO_BUDGET))
    arrears = sum(computed.arrears.values(), Decimal("0.00"))
    credits = sum(computed.credits.values(), Decimal("0.00"))
    return (
        f"2017 cycle (ccm chase start-all --year 2017 --budget {DEMO_BUDGET} --dry-run): "
        f"{len(computed.chased())} chases by the UN scale {computed.period}, "
        f"{format_chf(arrears)} of arrears carried from 2016 by {len(computed.arrears)} States Parties "
        f"and {format_chf(credits)} of credits by {len(computed.credits)}"
    )
