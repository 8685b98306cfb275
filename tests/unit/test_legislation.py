"""National implementation: each source's latest word on a State's legislation, kept apart."""

from __future__ import annotations

from datetime import date

from domain.events import Event
from domain.legislation import fold_legislation, legislation_event


def rows(*said: tuple[str, str, date, str]) -> list[Event]:
    """Rows as the log holds them, each built by the command's own function."""
    found = []
    for seq, (state, status, day, source) in enumerate(said, start=1):
        new = legislation_event(state, status, day, source, f"ref {seq}", "", "Sheila Mweemba", "isu")
        found.append(Event(seq=seq, recorded_at=new.occurred_at, hash="", prev_hash="", **new.model_dump()))
    return found


def test_each_sources_latest_word_counts_and_where_sources_differ_both_are_shown():
    """The minutes: the Monitor's and the ISU's figures differ because their sources do."""
    log = rows(
        ("NZL", "adopted", date(2009, 12, 17), "article7"),
        ("NZL", "adopted", date(2016, 8, 1), "monitor"),
        ("ITA", "in_progress", date(2015, 4, 30), "article7"),
        ("ITA", "adopted", date(2016, 6, 1), "article7"),  # a later report: it counts
        ("ITA", "in_progress", date(2016, 8, 1), "monitor"),
        ("FJI", "none", date(2016, 8, 1), "monitor"),
    )
    on = fold_legislation(log, date(2016, 11, 4))
    assert {s: v.status for s, v in on.items()} == {"NZL": "adopted", "ITA": "disputed", "FJI": "none"}
    assert (on["ITA"].by_source["article7"].status, on["ITA"].by_source["article7"].as_of) == (
        "adopted", date(2016, 6, 1),
    )  # fmt: skip
    # As of a day before the later statements, only what was said by then.
    before = fold_legislation(log, date(2016, 5, 1))
    assert {s: v.status for s, v in before.items()} == {"NZL": "adopted", "ITA": "in_progress"}


def test_a_statement_is_one_row_per_state_source_and_day():
    one = legislation_event("ITA", "adopted", date(2016, 6, 1), "article7", "A7-ITA-2015", "", "x", "isu")
    assert one.idempotency_key == "legislation/ITA/article7/2016-06-01"
    assert (one.workflow_id, one.event_type, one.subject) == ("legislation", "state.legislation_recorded", "ITA")
