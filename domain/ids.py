"""The names of the contribution chases: `chase-<year>-<alpha-3>`, made and read here alone.

A chase's workflow id is also the key of its rows in the event log, the reference a bank
entry is matched by, and what `ccm` and an auditor search for: one format, one place.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

import re

_CHASE_ID = re.compile(r"^chase-(?P<year>\d{4})-(?P<state>[A-Z]{3})$")


def chase_id(year: int, alpha3: str) -> str:
    """`chase-2027-ITA`."""
    return f"chase-{year}-{alpha3}"


def chase_prefix(year: int | None = None) -> str:
    """What every chase id of `year` (of any year: None) begins with, for a search."""
    return "chase-" if year is None else f"chase-{year}-"


def parse_chase_id(workflow_id: str) -> tuple[int, str] | None:
    """(year, alpha-3) of a chase id; None for any other workflow id."""
    m = _CHASE_ID.match(workflow_id)
    return (int(m["year"]), m["state"]) if m else None


def chase_state(workflow_id: str) -> str:
    """The State a chase id names (a ValueError for any other id)."""
    return _parsed(workflow_id)[1]


def chase_year(workflow_id: str) -> int:
    """The year a chase id names (a ValueError for any other id)."""
    return _parsed(workflow_id)[0]


def _parsed(workflow_id: str) -> tuple[int, str]:
    parsed = parse_chase_id(workflow_id)
    if parsed is None:
        raise ValueError(f"{workflow_id!r} is not a chase's id (chase-<year>-<alpha-3>)")
    return parsed
