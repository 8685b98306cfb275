"""`ccm obligations`, `ccm import obligations`, `ccm report obligations` and
`ccm states record` against a real dev server and a `ccm worker` process."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from domain.schedule import geneva_today
from tests.conftest import wait_for  # noqa: E402
from tests.e2e.conftest import event_log


def test_the_stockpile_obligations_start_once_and_the_overdue_are_listed_and_reported(ccm, worker, ccm_env):
    first = ccm("obligations", "start", "--kind", "art3-stockpiles")
    assert first.exit_code == 0 and first.stdout.strip() == "9 obligations started, 0 already existed", first.output
    again = ccm("obligations", "start", "--kind", "art3-stockpiles")
    assert again.stdout.strip() == "0 obligations started, 9 already existed"

    # Croatia: in force 1 August 2010, stockpiles due 1 August 2018. Started today, ccm did not
    # follow it then: "no report recorded", nobody told, until the ISU confirms one overdue.
    def listed(stage: str) -> list[dict]:
        return json.loads(ccm("obligations", "list", f"--{stage}", "-o", "json").stdout)

    unrecorded = wait_for(lambda: [r for r in listed("unrecorded") if r["state"] == "HRV"])
    assert unrecorded[0]["due"] == "2018-08-01" and unrecorded[0]["stage"] == "unrecorded"
    assert list(event_log(ccm_env).query(event_type="obligation.coordinators_told")) == []
    confirmed = ccm(
        "obligations", "confirm-overdue", "--state", "BGR", "--kind", "art3-stockpiles", "--reason", "record complete"
    )
    assert "obligation-BGR-art3-stockpiles-eif: overdue" in confirmed.stdout, confirmed.output
    overdue = wait_for(lambda: listed("overdue"))
    assert [(r["state"], r["kind"]) for r in overdue] == [("BGR", "art3-stockpiles")]
    again = ccm("obligations", "confirm-overdue", "--state", "BGR", "--kind", "art3-stockpiles", "--reason", "x")
    assert again.exit_code == 1 and "the obligation is overdue: only one with no report recorded" in again.stderr
    done = ccm(
        "obligations",
        "fulfil",
        "--state",
        "Croatia",
        "--kind",
        "art3-stockpiles",
        "--date",
        "2020-07-21",
        "--reference",
        "Art7-HRV-2020",
    )
    assert done.exit_code == 0 and "obligation-HRV-art3-stockpiles-eif: fulfilled" in done.stdout, done.output
    refused = ccm(
        "obligations", "exempt", "--state", "PER", "--kind", "art3-stockpiles", "--reason", "x", "--as", "Peru"
    )
    assert refused.exit_code == 1 and "only the Presidency may exempt, not PER" in refused.stderr
    report = wait_for(
        lambda: [
            r
            for r in json.loads(ccm("report", "obligations", "-o", "json").stdout)
            if r["kind"] == "art3-stockpiles" and r["late"] == 1
        ]
    )
    assert report[0]["states"] == 9 and report[0]["late"] == 1
    assert (report[0]["overdue"], report[0]["no report recorded"]) == (1, 7)
    log = event_log(ccm_env)
    told = [e for e in log.query(event_type="obligation.coordinators_told")]
    assert told and told[0].payload["told"] == "coordinator:stockpile-destruction"


def test_past_reports_are_imported_once_and_counted_from_their_own_date(ccm, ccm_env, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "state,kind,period,submitted_on,reference\nNorway,art7-annual,2015,2016-04-29,A7\n"
        "Atlantis,art7-annual,2015,2016-04-29,A7\n"
    )
    refused = ccm("import", "obligations", "--file", bad)
    assert refused.exit_code == 1 and "line 3, state: unknown State 'Atlantis'" in refused.stderr
    log = event_log(ccm_env)
    assert list(log.query(event_type="obligation.imported")) == []  # nothing half-written
    good = tmp_path / "reports-2015.csv"
    good.write_text(
        "\ufeffstate,kind,period,submitted_on,reference\nNorway,art7-annual,2015,2016-04-29,A7-NOR\n"
        "NZL,art7-annual,2015,2016-06-01,A7-NZL\n"
    )
    first = ccm("import", "obligations", "--file", good)
    assert first.exit_code == 0 and first.stdout.strip().startswith("2 rows imported"), first.output
    assert ccm("import", "obligations", "--file", good).stdout.strip().startswith("0 rows imported")
    as_of = json.loads(ccm("report", "obligations", "--as-of", "2016-05-15", "-o", "json").stdout)
    annual = next(r for r in as_of if r["kind"] == "art7-annual" and r["period"] == "2015")
    assert annual["states"] == 1 and annual["on time"] == 1  # New Zealand's came on 1 June
    later = json.loads(ccm("report", "obligations", "--as-of", "2016-12-31", "-o", "json").stdout)
    annual = next(r for r in later if r["kind"] == "art7-annual" and r["period"] == "2015")
    assert annual["states"] == 2 and annual["late"] == 1


def test_membership_follows_the_shipped_data_and_the_events_recorded(ccm, worker, ccm_env):
    # Shipped: Sri Lanka acceded on 1 March 2018, in force from 1 September 2018.
    before = json.loads(ccm("states", "list", "--as-of", "2018-08-31", "--status", "party", "-o", "json").stdout)
    after = json.loads(ccm("states", "list", "--as-of", "2018-09-01", "--status", "party", "-o", "json").stdout)
    assert "LKA" not in {r["alpha3"] for r in before} and "LKA" in {r["alpha3"] for r in after}
    assert len(after) == 103 and "Eswatini" in {r["name"] for r in after}  # renamed on 19 April 2018
    in_2016 = json.loads(ccm("states", "list", "--as-of", "2016-11-04", "--status", "party", "-o", "json").stdout)
    assert len(in_2016) == 100 and "Swaziland" in {r["name"] for r in in_2016}
    # Recorded: an accession this ccm was not shipped with takes effect by Article 17.
    recorded = ccm("states", "record", "--state", "Finland", "--event", "accession", "--deposited", "2026-06-15")
    assert recorded.exit_code == 0 and "in force from 2026-12-01" in recorded.stdout, recorded.output
    # Bound from 1 December 2026: its initial report (Article 7.1, 180 days) is followed from then;
    # recorded after 30 May 2027 (a later run of this test), it has no report recorded.
    assert "its initial transparency report started, due 2027-05-30" in recorded.stdout, recorded.output
    stage = "open" if geneva_today() <= date(2027, 5, 30) else "unrecorded"
    initial = wait_for(lambda: json.loads(ccm("obligations", "list", "--state", "FIN", "-o", "json").stdout))
    assert [(r["kind"], r["due"], r["stage"]) for r in initial] == [("art7-initial", "2027-05-30", stage)]
    for day, present in (("2026-11-30", False), ("2026-12-01", True)):
        rows = json.loads(ccm("states", "list", "--as-of", day, "--status", "party", "-o", "json").stdout)
        assert ("FIN" in {r["alpha3"] for r in rows}) is present
    again = ccm("states", "record", "--state", "FIN", "--event", "accession", "--deposited", "2026-12-01")
    assert again.exit_code == 2 and "Finland is already a State Party on 2026-12-01" in again.stderr
    not_isu = ccm(
        "states", "record", "--state", "LKA", "--event", "withdrawal", "--deposited", "2026-01-01", "--as", "ITA"
    )
    assert not_isu.exit_code == 1 and "only the ISU may record state, not ITA" in not_isu.stderr
    future = ccm("states", "record", "--state", "LKA", "--event", "withdrawal", "--deposited", "2099-01-01")
    assert future.exit_code == 2 and "up to today" in future.stderr


def test_a_state_joining_today_has_its_initial_report_started_on_the_day_it_is_bound(ccm, worker, client):
    """Tonga deposits today: the Convention binds it on the first day of the sixth month after
    (Article 17), and its initial report's run is held by Temporal until that day."""
    import asyncio
    from datetime import datetime, timedelta, timezone

    from domain.obligations import initial_report_due
    from domain.states import entry_into_force

    today = geneva_today()
    bound = entry_into_force(today)
    recorded = ccm("states", "record", "--state", "Tonga", "--event", "accession", "--deposited", today)
    assert recorded.exit_code == 0, recorded.output
    assert recorded.stdout.strip() == (
        f"Tonga (TON): accession deposited {today}, in force from {bound}; its initial transparency report "
        f"starts on {bound}, due {initial_report_due(bound)}"
    )
    info = asyncio.run(client.get_workflow_handle("obligation-TON-art7-initial-eif").describe())
    held_until = datetime.combine(bound, datetime.min.time(), tzinfo=timezone.utc)
    assert abs(info.execution_time - held_until) < timedelta(seconds=1), info.execution_time


def test_an_obligation_the_log_records_as_met_is_not_started(ccm, worker, ccm_env, tmp_path):
    met = tmp_path / "met.csv"
    met.write_text("state,kind,period,submitted_on,reference\nCHL,art4-clearance,eif,2024-03-01,A7-CHL-2023\n")
    assert ccm("import", "obligations", "--file", met).exit_code == 0
    started = ccm("obligations", "start", "--kind", "art4-clearance")
    assert started.stdout.strip() == (
        "12 obligations started, 0 already existed, 1 already met or exempted in the log (CHL)"
    ), started.output
    log = event_log(ccm_env)
    assert not [
        e for e in log.query(event_type="obligation.*") if e.subject == "CHL" and e.event_type != "obligation.imported"
    ]


def test_publish_adds_the_obligations_page(ccm, worker, ccm_env):
    published = ccm("report", "publish", "--year", geneva_today().year)
    assert published.exit_code == 0, published.output
    page = Path(ccm_env["CCM_HOME"]) / "draft" / "obligations.html"  # no decision to publish: drafted
    assert "drafted" in published.stdout and page.exists() and '<table id="obligations">' in page.read_text()


def test_national_implementation_is_recorded_by_source_and_reported_with_both_where_they_differ(ccm, worker):
    said = [
        ("NZL", "adopted", "2016-05-01", "article7"),
        ("ITA", "adopted", "2016-06-01", "article7"),
        ("ITA", "in_progress", "2016-08-01", "monitor"),
    ]
    for state, status, day, source in said:
        r = ccm("states", "legislation", "--state", state, "--status", status, "--source", source, "--as-of", day)
        assert r.exit_code == 0 and r.stdout.startswith(f"{state}: "), r.output
    again = ccm("states", "legislation", "--state", "NZL", "--status", "adopted", "--source", "article7",
                "--as-of", "2016-05-01")  # fmt: skip
    assert again.exit_code == 0 and "(already recorded)" in again.stdout
    report = ccm("report", "legislation", "--as-of", "2016-11-04", "-o", "json")
    rows = {r["state"]: r for r in json.loads(report.stdout)}
    assert len(rows) == 100  # every State Party of that day, those with no word as "no information"
    assert (rows["ITA"]["status"], rows["ITA"]["article7"], rows["ITA"]["monitor"]) == (
        "disputed", "adopted (2016-06-01)", "in_progress (2016-08-01)",
    )  # fmt: skip
    assert (rows["NZL"]["status"], rows["NZL"]["region"]) == ("adopted", "Oceania")
    assert rows["FJI"]["status"] == "no_information"
    summary = json.loads(ccm("report", "legislation", "--as-of", "2016-11-04", "--summary", "-o", "json").stdout)
    assert {"status": "disputed", "region": "Europe", "states": 1} in summary
    assert sum(r["states"] for r in summary) == 100
