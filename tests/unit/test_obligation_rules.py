"""Treaty obligations on worked examples: Articles 17, 7, 3, 4, the nine-month rule for
extension requests, the Dubrovnik Action Plan, and the obligation's timeline."""

from datetime import date, datetime, timezone

import pytest

from domain.obligations import (
    COORDINATORS,
    DecideExtension,
    Exempt,
    Fulfil,
    Obligation,
    ObligationInput,
    OverrideDue,
    RequestExtension,
    annual_report_due,
    clearance_by,
    due_date,
    entry_into_force,
    initial_report_due,
    latest_extension_request,
    obligation_id,
    stockpiles_destroyed_by,
)
from domain.process import Message, Refusal


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_the_issues_worked_example():
    """Deposited 6 April 2016: binds from 1 October 2016, initial report due 30 March 2017."""
    assert entry_into_force(date(2016, 4, 6)) == date(2016, 10, 1)
    assert initial_report_due(date(2016, 10, 1)) == date(2017, 3, 30)


@pytest.mark.parametrize(
    "deposit,binds",
    [
        (date(2008, 12, 3), date(2009, 6, 1)),
        (date(2016, 7, 31), date(2017, 1, 1)),
        (date(2016, 12, 1), date(2017, 6, 1)),
    ],
)
def test_entry_into_force_is_the_first_day_of_the_sixth_month_after_deposit(deposit, binds):
    assert entry_into_force(deposit) == binds


def test_deadlines_of_articles_7_3_and_4():
    assert annual_report_due(2015) == date(2016, 4, 30)  # for the previous calendar year
    assert stockpiles_destroyed_by(date(2010, 8, 1)) == date(2018, 8, 1)  # 8 years
    assert clearance_by(date(2010, 8, 1)) == date(2020, 8, 1)  # 10 years
    assert due_date("dap-va-focal-point", None) == date(2016, 12, 31)
    assert due_date("dap-va-action-plan", None) == date(2018, 12, 31)
    assert obligation_id("FJI", "art7-annual", "2016") == "obligation-FJI-art7-annual-2016"
    with pytest.raises(Refusal, match="not a State Party"):
        due_date("art7-initial", None)


def test_an_extension_request_reaches_the_meeting_nine_months_before_it():
    assert latest_extension_request(date(2017, 9, 4)) == date(2016, 12, 4)


def new(kind="art7-annual", due=date(2017, 4, 30), now=None, in_force=None) -> Obligation:
    now = now or utc(2017, 1, 10)
    inp = ObligationInput(
        state="FJI", kind=kind, period="2016" if kind == "art7-annual" else "eif", due=due, in_force=in_force
    )
    ob = Obligation.new(inp, obligation_id("FJI", kind, inp.period), now)
    ob.start()
    return ob


def run_until(ob: Obligation, until: datetime) -> list[str]:
    fired = []
    while (action := ob.next_action()) and action.at <= until:
        ob.fire(action, action.at)
        fired.append(action.key)
    return fired


def test_reminders_60_and_14_days_before_then_overdue_then_monthly():
    ob = new()
    assert run_until(ob, utc(2017, 7, 1)) == [
        "reminder-60d-2017-04-30",
        "reminder-14d-2017-04-30",
        "overdue",
        "overdue-reminder",
        "overdue-reminder",
    ]
    assert ob.stage == "overdue" and ob.next_action().at == utc(2017, 7, 30, 8)


def test_the_coordinators_are_told_when_it_becomes_overdue():
    ob = new()
    run_until(ob, utc(2017, 4, 30))
    effects = ob.fire(ob.next_action(), utc(2017, 5, 1))
    told = [e for e in effects if isinstance(e, Message)]
    assert told[0].payload["told"] == "coordinator:transparency-measures"


def test_a_report_on_time_and_one_late():
    ob = new()
    ob.fulfil(Fulfil(date=date(2017, 4, 20), reference="A7-FJI-2016", office="isu"), date(2017, 4, 21))
    assert ob.finished and ob.status().on_time is True
    late = new()
    run_until(late, utc(2017, 5, 15))
    late.fulfil(Fulfil(date=date(2017, 5, 15), office="FJI"), date(2017, 5, 15))
    assert late.status().on_time is False and late.next_action() is None


def test_an_extension_too_late_is_refused_and_one_in_time_is_granted():
    ob = new(kind="art4-clearance", due=date(2020, 8, 1), now=utc(2019, 1, 1))
    late = RequestExtension(
        new_due=date(2025, 8, 1),
        meeting=date(2019, 9, 2),
        reason="contamination",
        submitted=date(2019, 3, 1),
        office="FJI",
    )
    with pytest.raises(Refusal, match="had to be submitted by 2018-12-02"):
        ob.check_extension(late, date(2019, 3, 1))
    with pytest.raises(Refusal, match="is in the future"):
        ob.check_extension(late.model_copy(update={"submitted": date(2018, 11, 30)}), date(2018, 11, 1))
    ob.request_extension(late.model_copy(update={"submitted": date(2018, 11, 30)}), date(2018, 12, 1))
    assert ob.stage == "extension_requested" and ob.next_action() is None
    ob.decide_extension(
        DecideExtension(
            granted=True,
            meeting=date(2019, 9, 2),
            msp="9MSP",
            office="president",
            text="The Meeting granted the request until 1 August 2025.",
        ),
        utc(2019, 9, 4),
    )
    assert ob.stage == "open" and ob.due == date(2025, 8, 1)
    assert ob.next_action().key == "reminder-60d-2025-08-01"


def extension(**fields) -> RequestExtension:
    return RequestExtension(
        **{
            "new_due": date(2022, 8, 1),
            "meeting": date(2019, 9, 2),
            "reason": "stockpiles",
            "submitted": date(2018, 11, 30),
            "office": "BGR",
        }
        | fields
    )


def test_a_request_asks_for_at_most_four_years_under_article_3_and_five_under_article_4():
    stockpiles = new(kind="art3-stockpiles", due=date(2019, 10, 1), now=utc(2018, 1, 1))
    with pytest.raises(
        Refusal,
        match=r"2040-10-01 is more than 4 years beyond the deadline in force, 2019-10-01: "
        r"Article 3\.5 allows an extension of up to 4 years",
    ):
        stockpiles.check_extension(extension(new_due=date(2040, 10, 1)), date(2018, 12, 1))  # Bulgaria's 21 years
    stockpiles.check_extension(extension(new_due=date(2023, 10, 1)), date(2018, 12, 1))  # four years: allowed
    clearance = new(kind="art4-clearance", due=date(2020, 8, 1), now=utc(2018, 1, 1))
    clearance.check_extension(extension(new_due=date(2025, 8, 1)), date(2018, 12, 1))
    with pytest.raises(Refusal, match=r"Article 4\.5 allows an extension of up to 5 years"):
        clearance.check_extension(extension(new_due=date(2025, 8, 2)), date(2018, 12, 1))


def test_a_request_after_its_deadline_expired_is_refused():
    clearance = new(kind="art4-clearance", due=date(2016, 5, 1), now=utc(2016, 1, 1))
    late = extension(new_due=date(2021, 5, 1), submitted=date(2016, 6, 1), meeting=date(2017, 9, 4), office="LBN")
    with pytest.raises(
        Refusal,
        match=r"the deadline of 2016-05-01 expired before the request of 2016-06-01: "
        r"a request is made before it \(Article 4\.5\)",
    ):
        clearance.check_extension(late, date(2016, 6, 2))


def test_only_a_meeting_that_has_opened_decides_and_its_decision_is_recorded_with_it():
    ob = new(kind="art4-clearance", due=date(2020, 8, 1), now=utc(2018, 1, 1))
    ob.request_extension(extension(new_due=date(2024, 8, 1)), date(2018, 12, 1))
    decision = DecideExtension(
        granted=True,
        meeting=date(2019, 9, 2),
        msp="9MSP",
        office="isu",
        text="The Meeting decided to grant the request.",
    )
    with pytest.raises(Refusal, match="has not opened: only the Meeting of States Parties decides"):
        ob.check_decision(decision, date(2019, 9, 1))
    with pytest.raises(Refusal, match=r"Article 4\.5 allows"):
        ob.check_decision(decision.model_copy(update={"new_due": date(2026, 1, 1)}), date(2019, 9, 3))
    effects = ob.decide_extension(decision, utc(2019, 9, 3))
    assert effects[-1].payload == {
        "granted": True,
        "meeting": "2019-09-02",
        "decided_by": "9MSP",
        "decision": "The Meeting decided to grant the request.",
        "due": "2024-08-01",
    }
    ob.authorize("decide_extension", decision)  # the ISU records it
    with pytest.raises(
        Refusal, match="only the Presidency or the ISU may record the meeting's decision on an extension, not BGR"
    ):
        ob.authorize("decide_extension", decision.model_copy(update={"office": "BGR"}))
    with pytest.raises(ValueError):
        DecideExtension(granted=True, meeting=date(2019, 9, 2), msp="the Presidency", text="x")


def test_only_articles_3_and_4_extend_and_who_may_do_what():
    ob = new()
    with pytest.raises(Refusal, match="only Article 3 and Article 4"):
        ob.check_extension(
            RequestExtension(
                new_due=date(2018, 1, 1), meeting=date(2018, 9, 1), reason="x", submitted=date(2017, 1, 1)
            ),
            date(2017, 1, 2),
        )
    with pytest.raises(Refusal, match="only the Presidency may exempt, not FJI"):
        ob.authorize("exempt", Exempt(reason="x", office="FJI"))
    ob.authorize("fulfil", Fulfil(date=date(2017, 4, 1), office="FJI"))  # its own report
    with pytest.raises(Refusal, match=r"only the ISU or the State itself \(FJI\) may fulfil, not NZL"):
        ob.authorize("fulfil", Fulfil(date=date(2017, 4, 1), office="NZL"))


def test_impossible_dates_are_refused():
    ob = new()
    with pytest.raises(Refusal, match="not between 2010-08-01"):
        ob.check_fulfil(Fulfil(date=date(1900, 1, 1), office="isu"), date(2017, 1, 11))
    with pytest.raises(Refusal, match="not between"):
        ob.check_fulfil(Fulfil(date=date(2017, 2, 1), office="isu"), date(2017, 1, 11))  # after today
    clearance = new(kind="art4-clearance", due=date(2020, 8, 1), now=utc(2018, 1, 1))
    clearance.request_extension(
        RequestExtension(
            new_due=date(2025, 8, 1), meeting=date(2019, 9, 2), reason="contamination", submitted=date(2018, 11, 30)
        ),
        date(2018, 12, 1),
    )
    with pytest.raises(Refusal, match="a deadline granted must be after 2020-08-01"):
        clearance.check_decision(
            DecideExtension(
                granted=True, meeting=date(2019, 9, 2), new_due=date(2019, 1, 1), msp="9MSP", text="granted"
            ),
            date(2019, 9, 4),
        )


def test_a_due_date_overridden_with_a_reason_moves_the_reminders():
    ob = new()
    effects = ob.override_due(
        OverrideDue(due=date(2017, 6, 30), reason="counted from deposit", office="isu"), utc(2017, 1, 11)
    )
    assert effects[-1].payload == {"from": "2017-04-30", "to": "2017-06-30", "reason": "counted from deposit"}
    assert ob.next_action().key == "reminder-60d-2017-06-30"


def test_a_file_naming_one_obligation_twice_is_refused_with_both_lines():
    from domain.obligations import imported_events
    from domain.states import registry

    data = (
        b"state,kind,period,submitted_on,reference\nNorway,art7-annual,2015,2016-04-29,A\n"
        b"NOR,art7-annual,2015,2016-05-02,B\n"
    )
    with pytest.raises(ValueError, match=r"line 3: the same obligation \(NOR art7-annual 2015\) as line 2"):
        imported_events(data, registry(), "", "isu", today=date(2017, 1, 1))


def fire_at(ob: Obligation, now: datetime) -> list:
    """Every action due by `now`, fired `now`: a workflow whose timers all lie in the past."""
    effects = []
    while (action := ob.next_action()) and action.at <= now:
        effects += ob.fire(action, now)
    return effects


def test_an_obligation_started_after_its_due_date_says_no_report_recorded_until_the_isu_confirms_it():
    """ccm did not follow it when it fell due: it cannot say the State missed it. It sends
    nothing and waits; confirmed overdue, it sends one notice, then a reminder a month from
    then, never the ones it missed. A report recorded ends it; a due date moved ahead reopens it."""
    from domain.obligations import ConfirmOverdue

    ob = new(kind="art3-stockpiles", due=date(2018, 8, 1), now=utc(2026, 12, 2))  # Norway's, started in 2026
    assert ob.stage == "unrecorded" and ob.next_action() is None and fire_at(ob, utc(2027, 6, 1)) == []
    assert ob.start()[1].payload["unrecorded"] is True
    with pytest.raises(Refusal, match="only one with no report recorded"):
        new(now=utc(2017, 1, 10)).check_confirm_overdue(ConfirmOverdue(reason="x", office="isu"))
    effects = ob.confirm_overdue(
        ConfirmOverdue(reason="the record of 2018 is complete", office="isu"), utc(2026, 12, 3)
    )
    assert [e.event_type for e in effects if hasattr(e, "event_type")] == [
        "obligation.overdue_confirmed",
        "obligation.coordinators_told",
    ]
    assert effects[1].payload == {"due": "2018-08-01", "told": COORDINATORS["art3-stockpiles"],
                                  "reason": "the record of 2018 is complete"}  # fmt: skip
    assert ob.stage == "overdue" and ob.next_action().at.date() == date(2027, 1, 2)  # a month from now
    with pytest.raises(Refusal, match="the obligation is overdue"):
        ob.check_confirm_overdue(ConfirmOverdue(reason="again", office="isu"))
    moved = new(due=date(2016, 4, 30), now=utc(2017, 1, 10))
    assert moved.stage == "unrecorded"
    moved.override_due(
        OverrideDue(due=date(2017, 6, 30), reason="counted from deposit", office="isu"), utc(2017, 1, 11)
    )
    assert moved.stage == "open" and moved.next_action() is not None
    fulfilled = new(kind="art3-stockpiles", due=date(2016, 4, 30), now=utc(2017, 1, 10))
    fulfilled.fulfil(Fulfil(date=date(2016, 4, 28), office="isu"), date(2017, 1, 10))
    assert fulfilled.stage == "fulfilled"


def test_an_obligation_followed_when_it_fell_due_is_overdue_the_day_after_by_itself():
    ob = new(due=date(2017, 4, 30), now=utc(2017, 1, 10))
    effects = fire_at(ob, utc(2017, 5, 1, 9))
    assert [e.event_type for e in effects if hasattr(e, "event_type")][-2:] == [
        "obligation.overdue",
        "obligation.coordinators_told",
    ]
    assert ob.stage == "overdue"


def test_due_dates_and_periods_stay_within_the_conventions_dates():
    ob = new()
    with pytest.raises(Refusal, match="from the Convention's entry into force, 2010-08-01, to 2100, not 1900-01-01"):
        ob.check_override(OverrideDue(due=date(1900, 1, 1), reason="x", office="isu"))
    with pytest.raises(ValueError, match="no obligation falls due before"):
        ObligationInput(state="FJI", kind="art7-annual", period="2016", due=date(2009, 4, 30))
    with pytest.raises(ValueError, match="period is a year from 2010"):
        ObligationInput(state="FJI", kind="art7-annual", period="0000", due=date(2017, 4, 30))


def test_a_report_is_not_met_before_its_period_ends_or_before_the_convention_binds_the_state():
    report_2025 = Obligation.new(
        ObligationInput(state="FJI", kind="art7-annual", period="2025", due=date(2026, 4, 30)), "o", utc(2025, 6, 1)
    )
    with pytest.raises(Refusal, match="before 2026-01-01: a report is submitted once its period has ended"):
        report_2025.check_fulfil(Fulfil(date=date(2024, 1, 1), office="isu"), date(2026, 3, 1))
    report_2025.check_fulfil(Fulfil(date=date(2026, 1, 5), office="isu"), date(2026, 3, 1))
    initial = new(kind="art7-initial", due=date(2016, 3, 29), in_force=date(2015, 10, 1), now=utc(2015, 10, 1))
    with pytest.raises(Refusal, match="before 2015-10-01"):
        initial.check_fulfil(Fulfil(date=date(2015, 9, 1), office="isu"), date(2016, 1, 1))


def test_an_import_refuses_a_report_before_its_period_or_a_period_that_is_no_year():
    from domain.obligations import imported_events
    from domain.states import registry

    rows = (
        "state,kind,period,submitted_on,reference\n"
        "NOR,art7-annual,2030,2017-04-28,A7\nNOR,art7-annual,0000,,\nNOR,art7-annual,2016,2016-12-01,\n"
    )
    with pytest.raises(ValueError) as err:
        imported_events(rows.encode(), registry(), "isu", "isu", today=date(2026, 12, 2))
    problems = str(err.value).split("; ")
    assert problems[0] == "line 2, period: an annual report's period is a year from 2010 to 2026, not '2030'"
    assert problems[1] == "line 3, period: an annual report's period is a year from 2010 to 2026, not '0000'"
    assert problems[2] == (
        "line 4, submitted_on: 2016-12-01 is before 2017-01-01, when its period ended and the "
        "Convention bound the State"
    )


def test_an_import_writes_each_row_as_one_event_dated_by_its_report_or_else_its_due_date():
    """What the log keeps of a file of past reports, field by field: an annual report
    submitted (dated by its day), one never submitted (dated by its due day, `date` None),
    an initial report submitted on the very day the Convention bound the State (its earliest
    day: accepted), a stockpile obligation (its period is the entry into force), and a
    reference of exactly 300 characters; every row keyed by its obligation."""
    import hashlib

    from domain.obligations import imported_events
    from domain.states import registry

    ref300 = "R" * 300
    data = (
        "state,kind,period,submitted_on,reference\n"
        f"Norway,art7-annual,2015,2016-04-29, A7-NOR-2015 \n"
        "NOR,art7-annual,2016,,\n"
        "CAN,art7-initial,eif,2015-09-01,\n"  # Canada: bound from 1 September 2015
        f"BGR,art3-stockpiles,whatever,2015-10-01,{ref300}\n"
    ).encode()
    events = imported_events(data, registry(), "Sheila Mweemba", "isu", today=date(2017, 1, 1))
    sha = hashlib.sha256(data).hexdigest()
    got = [
        (e.idempotency_key, e.workflow_id, e.workflow_type, e.subject, e.event_type, e.occurred_at, e.actor, e.office)
        for e in events
    ]
    assert got == [
        ("obligation-NOR-art7-annual-2015/imported", "obligation-NOR-art7-annual-2015", "import", "NOR",
         "obligation.imported", utc(2016, 4, 29), "Sheila Mweemba", "isu"),
        ("obligation-NOR-art7-annual-2016/imported", "obligation-NOR-art7-annual-2016", "import", "NOR",
         "obligation.imported", utc(2017, 4, 30), "Sheila Mweemba", "isu"),
        ("obligation-CAN-art7-initial-eif/imported", "obligation-CAN-art7-initial-eif", "import", "CAN",
         "obligation.imported", utc(2015, 9, 1), "Sheila Mweemba", "isu"),
        ("obligation-BGR-art3-stockpiles-eif/imported", "obligation-BGR-art3-stockpiles-eif", "import", "BGR",
         "obligation.imported", utc(2015, 10, 1), "Sheila Mweemba", "isu"),
    ]  # fmt: skip
    assert [e.payload for e in events] == [
        {"kind": "art7-annual", "period": "2015", "date": "2016-04-29", "due": "2016-04-30",
         "reference": "A7-NOR-2015", "file_sha256": sha, "line": 2},
        {"kind": "art7-annual", "period": "2016", "date": None, "due": "2017-04-30",
         "reference": "", "file_sha256": sha, "line": 3},
        {"kind": "art7-initial", "period": "eif", "date": "2015-09-01", "due": "2016-02-28",
         "reference": "", "file_sha256": sha, "line": 4},
        {"kind": "art3-stockpiles", "period": "eif", "date": "2015-10-01", "due": "2019-10-01",
         "reference": ref300, "file_sha256": sha, "line": 5},
    ]  # fmt: skip


@pytest.mark.parametrize(
    "row, problem",
    [
        ("Atlantis,art7-annual,2015,,", "line 2, state: unknown State 'Atlantis'"),
        ("NOR,art9,2015,,", "line 2, kind: 'art9' is not one of art7-initial"),
        ("NOR,art7-annual,2015,2017-01-02,", "line 2, submitted_on: '2017-01-02' is not a date between 2010-08-01 "
                                             "and today (YYYY-MM-DD)"),
        ("NOR,art7-annual,2015,2010-07-31,", "line 2, submitted_on: '2010-07-31' is not a date between"),
        ("CAN,art7-initial,eif,2015-08-31,", "line 2, submitted_on: 2015-08-31 is before 2015-09-01, when its "
                                             "period ended and the Convention bound the State"),
        ("BGR,art3-stockpiles,eif,2010-07-01,", "line 2, submitted_on: '2010-07-01' is not a date between"),
        ("NOR,art7-annual,2015,2016-04-29," + "R" * 301, "line 2, reference: longer than 300 characters"),
        ("NOR,art7-annual,2015,2016-04-29,A\u202eB", "line 2, reference:"),
        ("IDN,art7-initial,eif,,", "line 2, state: the State has no entry into force: it is not a State Party"),
    ],
)  # fmt: skip
def test_an_import_row_that_cannot_be_right_is_refused_naming_its_line_and_column(row, problem):
    from domain.obligations import imported_events
    from domain.states import registry

    data = f"state,kind,period,submitted_on,reference\n{row}\n".encode()
    with pytest.raises(ValueError) as refused:
        imported_events(data, registry(), "isu", "isu", today=date(2017, 1, 1))
    assert str(refused.value).startswith(problem), str(refused.value)


def test_an_import_names_every_bad_row_not_only_the_first():
    """A file is refused with all its problems, each with its line, so it is mended once."""
    from domain.obligations import imported_events
    from domain.states import registry

    data = (
        "state,kind,period,submitted_on,reference\n"
        "Atlantis,art7-annual,2015,,\n"
        "NOR,art9,2015,,\n"
        "NOR,art7-annual,1999,,\n"
        "NOR,art7-annual,2015,2016-04-29,A\u0007B\n"
        "NOR,art7-annual,2015,2099-01-01,\n"
        "NOR,art7-annual,2014,2015-04-29,fine\n"
    ).encode()
    with pytest.raises(ValueError) as refused:
        imported_events(data, registry(), "isu", "isu", today=date(2017, 1, 1))
    assert [p.split(":")[0] for p in str(refused.value).split("; ")] == [
        "line 2, state", "line 3, kind", "line 4, period", "line 5, reference", "line 6, submitted_on",
    ]  # fmt: skip
