"""`ccm event` and `ccm coalition` against a real dev server and a `ccm worker` process: the
events and Country Coalitions of the minutes of 4 November 2016, recorded as the Committee
would record them now."""

from __future__ import annotations

import json
from datetime import date, timedelta

from icalendar import Calendar

from domain.schedule import geneva_today
from tests.conftest import wait_for  # noqa: E402


def test_a_workshop_is_recorded_funded_held_and_its_outcome_note_closes_its_action_item(ccm, worker, tmp_path):
    """The universalization workshop in South-East Asia "funds permitting", the EU asked to
    fund it: its owner is reminded of the outcome note, which, once recorded, ends the item."""
    start = geneva_today() + timedelta(days=40)
    added = ccm(
        "event", "add", "--title", "Universalization workshop in South-East Asia", "--kind", "workshop",
        "--host", "Philippines", "--place", "Manila", "--from", start, "--to", start + timedelta(days=1),
        "--owner", "coordinator:universalization", "--theme", "universalization", "--targets", "MMR,Thailand,VNM",
        "--funder", "European Union", "--funding", "requested",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    wid = f"event-{start.isoformat()}-universalization-workshop-in-south-east-asia"
    due = start + timedelta(days=31)
    assert added.stdout.strip() == (
        f"{wid}: workshop recorded; its outcome note is due on {due} (action item action-{wid}-1)"
    )
    items = wait_for(
        lambda: [r for r in json.loads(ccm("task", "list", "-o", "json").stdout) if r["id"] == f"action-{wid}-1"]
    )
    assert items[0]["owner"] == "coordinator:universalization" and items[0]["due"] == due.isoformat()

    funded = ccm("event", "funding", wid, "--funder", "European Union", "--status", "granted")
    assert funded.exit_code == 0, funded.output
    listed = json.loads(ccm("event", "list", "--target", "Viet Nam", "-o", "json").stdout)
    assert [(r["id"], r["funding"], r["stage"], r["targets"]) for r in listed] == [
        (wid, "granted", "planned", "MMR,THA,VNM")
    ]
    after = json.loads(ccm("event", "list", "--as-of", start + timedelta(days=3), "-o", "json").stdout)
    assert [r["stage"] for r in after if r["id"] == wid] == ["held"]

    ics = Calendar.from_ical(ccm("event", "ics", wid).stdout.encode())
    [vevent] = list(ics.walk("VEVENT"))
    assert (vevent.decoded("dtstart"), vevent.decoded("dtend")) == (start, start + timedelta(days=2))
    assert str(vevent["location"]) == "Manila (Philippines)"

    note = tmp_path / "outcome.md"
    note.write_text("Twelve States attended; two announced they would accede.\n")
    outcome = ccm("event", "outcome", wid, "--file", note)
    assert outcome.exit_code == 0 and outcome.stdout.strip() == (
        f"{wid}: outcome recorded; action item action-{wid}-1 done"
    ), outcome.output
    assert [r["stage"] for r in json.loads(ccm("event", "list", "-o", "json").stdout) if r["id"] == wid] == [
        "outcome recorded"
    ]


def test_a_past_event_is_recorded_without_an_action_item_and_a_cancelled_one_says_why(ccm, worker):
    """The Lebanon workshop of November 2016, recorded now: nothing to remind anyone of."""
    past = ccm(
        "event", "add", "--title", "Workshop on clearance in Lebanon", "--kind", "workshop", "--host", "Lebanon",
        "--place", "Beirut", "--from", "2016-11-28", "--owner", "coordinator:clearance-and-rre",
        "--targets", "LBN", "--theme", "clearance-and-rre",
    )  # fmt: skip
    assert past.stdout.strip() == "event-2016-11-28-workshop-on-clearance-in-lebanon: workshop recorded", past.output
    soon = geneva_today() + timedelta(days=60)
    ccm("event", "add", "--title", "Workshop in Cameroon", "--kind", "workshop", "--host", "Cameroon",
        "--place", "Yaoundé", "--from", soon, "--owner", "CMR")  # fmt: skip
    wid = f"event-{soon.isoformat()}-workshop-in-cameroon"
    cancelled = ccm("event", "cancel", wid, "--reason", "the legislation was not approved in time")
    assert cancelled.exit_code == 0 and cancelled.stdout.strip() == (
        f"{wid}: cancelled; action item action-{wid}-1 cancelled"
    ), cancelled.output
    rows = {r["id"]: r for r in json.loads(ccm("event", "list", "-o", "json").stdout)}
    assert rows[wid]["stage"] == "cancelled" and rows[wid]["cancelled"].startswith("the legislation")
    for bad, why in [
        (["--to", "2016-11-27"], "is before --from 2016-11-28"),
        (["--from", "2008-01-01", "--to", "2008-01-02"], "falls from 2008-12-03"),
        (["--funding", "granted"], "--funding granted needs --funder"),
    ]:
        args = ["--title", "X", "--kind", "visit", "--host", "H", "--place", "P", "--from", "2016-11-28"]
        args += ["--owner", "isu"]
        refused = ccm("event", "add", *args, *bad)
        assert refused.exit_code == 2 and why in refused.stderr, refused.output
    unknown = ccm("event", "funding", "event-2016-01-01-nothing", "--funder", "EU", "--status", "requested")
    assert unknown.exit_code == 2 and "no event 'event-2016-01-01-nothing' is recorded" in unknown.stderr


def test_a_country_coalition_is_set_and_changed_by_new_rows(ccm, worker):
    """The Presidency's Country Coalitions: Lebanon, with Norway, donors and the operators."""
    lebanon = "event-2016-11-28-workshop-on-clearance-in-lebanon"
    if not any(r["id"] == lebanon for r in json.loads(ccm("event", "list", "-o", "json").stdout)):
        ccm("event", "add", "--title", "Workshop on clearance in Lebanon", "--kind", "workshop", "--host", "Lebanon",
            "--place", "Beirut", "--from", "2016-11-28", "--owner", "isu")  # fmt: skip
    first = ccm("coalition", "set", "--target", "Lebanon", "--lead", "Norway", "--donors", "DEU,Netherlands",
                "--stakeholders", "LMAC; operators; ICRC", "--event", lebanon, "--funding-line", "7c")  # fmt: skip
    assert first.exit_code == 0 and first.stdout.strip() == "coalition for LBN: proposed, led with NOR", first.output
    active = ccm("coalition", "set", "--target", "LBN", "--lead", "NOR", "--status", "active", "--event", lebanon)
    assert active.stdout.strip() == "coalition for LBN: active, led with NOR (changed)"
    [row] = json.loads(ccm("coalition", "list", "-o", "json").stdout)
    assert (row["target"], row["status"], row["events"], row["donors"]) == ("LBN", "active", lebanon, "")
    assert row["since"] == geneva_today().isoformat()
    same = ccm("coalition", "set", "--target", "LBN", "--lead", "LBN")
    assert same.exit_code == 2 and "the lead State is not the target State" in same.stderr
    stray = ccm("coalition", "set", "--target", "LBN", "--lead", "NOR", "--event", "event-2016-01-01-nothing")
    assert stray.exit_code == 2 and "no event 'event-2016-01-01-nothing'" in stray.stderr
    assert date.fromisoformat(row["since"]) <= geneva_today()


def test_hostile_or_repeated_values_are_refused_where_they_enter_or_counted_once(ccm, worker, tmp_path):
    """A note holding a NUL or a bidirectional override is refused in one line with nothing
    written; a State named twice among the targets counts once."""
    soon = geneva_today() + timedelta(days=90)
    added = ccm("event", "add", "--title", "Hostile seminar", "--kind", "meeting", "--host", "ISU", "--place",
                "Geneva", "--from", soon, "--owner", "isu", "--targets", "MMR,Myanmar,mmr")  # fmt: skip
    assert added.exit_code == 0, added.output
    wid = f"event-{soon.isoformat()}-hostile-seminar"
    [row] = [r for r in json.loads(ccm("event", "list", "-o", "json").stdout) if r["id"] == wid]
    assert row["targets"] == "MMR"
    for bad in ("held\x00", "held \u202e reversed"):
        note = tmp_path / "note.md"
        note.write_text(bad.encode().decode("unicode_escape"))
        refused = ccm("event", "outcome", wid, "--file", note)
        assert refused.exit_code == 2 and "control and bidirectional-formatting characters are refused" in (
            refused.stderr
        ), refused.output
        assert len(refused.stderr.strip().splitlines()) == 1
    listed = [r for r in json.loads(ccm("event", "list", "-o", "json").stdout) if r["id"] == wid]
    assert listed[0]["stage"] == "planned"  # nothing written
    big = tmp_path / "big.md"
    big.write_text("x" * 20_001)
    assert ccm("event", "outcome", wid, "--file", big).exit_code == 2
