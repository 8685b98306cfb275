"""The Committee's events and Country Coalitions, folded from the rows their commands write."""

from __future__ import annotations

from datetime import date

from domain.events import Event
from domain.outreach import Coalition, coalition_event, event_id, fold_coalitions, fold_events, outreach_event


def logged(*rows) -> list[Event]:
    return [
        Event(seq=n, recorded_at=r.occurred_at, hash="", prev_hash="", **r.model_dump()) for n, r in enumerate(rows, 1)
    ]


def test_an_event_is_named_by_its_first_day_and_its_title():
    assert event_id("Workshop on clearance — Lebanon (LMAC)", date(2016, 11, 28)) == (
        "event-2016-11-28-workshop-on-clearance-lebanon-lmac"
    )
    assert event_id("!!!", date(2017, 1, 1)) == "event-2017-01-01-event"


def test_an_events_rows_tell_its_funding_outcome_and_stage_on_any_day():
    wid = event_id("Lebanon workshop", date(2016, 11, 28))
    planned = outreach_event(
        "outreach.planned", wid, "planned", date(2016, 11, 1), "", "isu", title="Lebanon workshop",
        kind="workshop", host="Lebanon", place="Beirut", first_day="2016-11-28", last_day="2016-11-29",
        owner="coordinator:clearance-and-rre", targets=["LBN"], funding="none",
    )  # fmt: skip
    funded = outreach_event("outreach.funding_set", wid, "funding-granted-1", date(2016, 11, 10), "", "isu",
                            funder="Norway", funding="granted")  # fmt: skip
    outcome = outreach_event("outreach.outcome_recorded", wid, "outcome", date(2016, 12, 7), "", "isu", text="Held.")
    [event] = fold_events(logged(planned, funded)).values()
    assert (event.funder, event.funding, event.targets) == ("Norway", "granted", ["LBN"])
    assert [event.stage(d) for d in (date(2016, 11, 27), date(2016, 11, 29), date(2016, 11, 30))] == [
        "planned", "under way", "held",
    ]  # fmt: skip
    [done] = fold_events(logged(planned, funded, outcome)).values()
    assert done.stage(date(2016, 12, 7)) == "outcome recorded" and done.outcome == "Held."
    assert fold_events(logged(funded)) == {}  # a row of an event never planned names nothing


def test_a_coalition_is_its_latest_row():
    first = Coalition(target="LBN", lead="NOR", donors=["DEU"], since=date(2016, 11, 4))
    later = first.model_copy(update={"status": "active", "since": date(2017, 3, 1)})
    rows = logged(coalition_event(first, 1, "", "president"), coalition_event(later, 2, "", "president"))
    assert [r.idempotency_key for r in rows] == ["coalition-LBN/1", "coalition-LBN/2"]
    assert fold_coalitions(rows) == {"LBN": later}
