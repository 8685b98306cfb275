"""UN General Assembly votes on the Convention's resolutions, imported from the UN Digital
Library's voting data (the Dag Hammarskjöld Library's dataset, one row per Member State and
resolution: `undl_id,date,…,resolution,…,title,…,undl_link,ms_code,ms_name,ms_vote`).

The minutes of 4 November 2016: the Presidency "had identified States not Parties that had
voted in favor of the new CCM Resolution" and proposed the Committee focus on them. Each
Member State's vote on a resolution is one row (`unga.vote_recorded`), with the dataset's
link as its source; `ccm states list --status not-party --voted yes --resolution …` lists
those States."""

from __future__ import annotations

import re
from datetime import date

from domain.events import NewEvent, read_import
from domain.schedule import utc_midnight
from domain.text import clean_text

# The dataset's vote codes: Y yes, N no, A abstention, X (or none) did not vote.
VOTES = {"Y": "yes", "N": "no", "A": "abstain", "X": "non_voting", "": "non_voting"}
COLUMNS = ["date", "resolution", "title", "undl_link", "ms_code", "ms_name", "ms_vote"]
RESOLUTION = r"A/RES/\d{1,3}/\d{1,4}"


def vote_events(data: bytes, resolution: str, members: set[str], actor: str, office: str) -> list[NewEvent]:
    """`unga.vote_recorded` rows for `resolution` of a voting-data CSV (other resolutions'
    rows are skipped: the dataset holds them all); every problem with its line."""
    if not re.fullmatch(RESOLUTION, resolution):
        raise ValueError(f"line 1: {resolution!r} is not a General Assembly resolution (A/RES/70/54)")
    sha, reader = read_import(data, COLUMNS)
    events: list[NewEvent] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for n, row in reader:
        if (row["resolution"] or "").strip() != resolution:
            continue
        code, vote = (row["ms_code"] or "").strip().upper(), (row["ms_vote"] or "").strip().upper()
        try:
            day = date.fromisoformat((row["date"] or "").strip()[:10])
        except ValueError:
            problems.append(f"line {n}, date: {row['date']!r} is not a date (YYYY-MM-DD)")
            continue
        if code not in members:
            problems.append(f"line {n}, ms_code: {code!r} is not a UN Member State")
            continue
        if vote not in VOTES:
            problems.append(f"line {n}, ms_vote: {vote!r} is not Y, N, A or X")
            continue
        try:
            title, source = clean_text((row["title"] or "").strip()), clean_text((row["undl_link"] or "").strip())
        except ValueError as e:
            problems.append(f"line {n}, title or undl_link: {e}")
            continue
        if code in seen:
            problems.append(f"line {n}: {code} votes twice on {resolution} (line {seen[code]})")
            continue
        seen[code] = n
        events.append(
            NewEvent(
                idempotency_key=f"votes/{resolution}/{code}",
                workflow_id="votes",
                subject=code,
                event_type="unga.vote_recorded",
                occurred_at=utc_midnight(day),
                actor=actor,
                office=office,
                payload={
                    "resolution": resolution,
                    "date": day.isoformat(),
                    "vote": VOTES[vote],
                    "title": title[:300],
                    "source": source[:300],
                    "file_sha256": sha,
                    "line": n,
                },
            )
        )
    if problems:
        raise ValueError("; ".join(problems[:20]))
    if not events:
        raise ValueError(f"line 1: the file holds no vote on {resolution}")
    return events
