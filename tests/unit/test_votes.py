"""The General Assembly's votes, read from the UN Digital Library's voting data in its own
columns (the Dag Hammarskjöld Library's dataset). The votes below are illustrative, not the
record of any resolution."""

from __future__ import annotations

import pytest

from domain.states import world
from domain.votes import vote_events

HEADER = (
    "undl_id,date,session,resolution,draft,committee_report,meeting,title,agenda_title,subjects,total_yes,"
    "total_no,total_abstentions,total_non_voting,total_ms,undl_link,ms_code,ms_name,ms_vote\n"
)
MEMBERS = {w.alpha3 for w in world() if w.kind == "member"}


def row(code: str, name: str, vote: str, resolution: str = "A/RES/70/54", day: str = "2015-12-07") -> str:
    return (
        f'815001,{day},70,{resolution},A/C.1/70/L.41,A/70/460,A/70/PV.67,"Implementation of the Convention on '
        f'Cluster Munitions",General and complete disarmament,"CLUSTER MUNITIONS, DISARMAMENT",3,1,1,1,6,'
        f"https://digitallibrary.un.org/record/815001,{code},{name},{vote}\n"
    )


def test_each_member_states_vote_on_the_resolution_is_a_row_and_other_resolutions_are_skipped():
    data = (
        HEADER + row("MMR", "MYANMAR", "Y") + row("USA", "UNITED STATES", "A") + row("RUS", "RUSSIAN FEDERATION", "N")
        + row("THA", "THAILAND", "") + row("VNM", "VIET NAM", "Y", resolution="A/RES/71/45", day="2016-12-05")
    ).encode()  # fmt: skip
    events = vote_events(data, "A/RES/70/54", MEMBERS, "Sheila Mweemba", "isu")
    assert [(e.subject, e.payload["vote"]) for e in events] == [
        ("MMR", "yes"), ("USA", "abstain"), ("RUS", "no"), ("THA", "non_voting"),
    ]  # fmt: skip
    assert events[0].idempotency_key == "votes/A/RES/70/54/MMR"
    assert events[0].payload["source"] == "https://digitallibrary.un.org/record/815001"
    assert events[0].payload["title"] == "Implementation of the Convention on Cluster Munitions"


@pytest.mark.parametrize(
    "rows, resolution, problem",
    [
        (row("XKX", "KOSOVO", "Y"), "A/RES/70/54", "line 2, ms_code: 'XKX' is not a UN Member State"),
        (row("MMR", "MYANMAR", "maybe"), "A/RES/70/54", "line 2, ms_vote: 'MAYBE' is not Y, N, A or X"),
        (row("MMR", "MYANMAR", "Y", day="07/12/2015"), "A/RES/70/54", "line 2, date: '07/12/2015' is not a date"),
        (row("MMR", "MYANMAR", "Y") + row("MMR", "MYANMAR", "N"), "A/RES/70/54", "line 3: MMR votes twice"),
        (row("MMR", "MYANMAR", "Y"), "A/RES/99/99", "the file holds no vote on A/RES/99/99"),
        (row("MMR", "MYANMAR", "Y"), "70/54", "'70/54' is not a General Assembly resolution"),
        (
            row("MMR", "MYANMAR", "Y").replace("Implementation", "Imple\u202ementation"),
            "A/RES/70/54",
            "line 2, title or undl_link: holds the character U\\+202E",
        ),
    ],
)
def test_a_file_that_cannot_be_right_is_refused_with_its_line(rows, resolution, problem):
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        vote_events((HEADER + rows).encode(), resolution, MEMBERS, "x", "isu")
