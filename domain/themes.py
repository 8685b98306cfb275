"""The themes of the Coordination Committee and their coordinators (minutes of 4 November
2016, item 5): two States per theme, one for Transparency Measures and for National
Implementation Measures; the Presidency's own non-paper has none.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from domain.process import Refusal


class Theme(BaseModel):
    slug: str
    title: str
    coordinators: list[str] = Field(description="alpha-3 codes; the Presidency's own paper has none")


THEMES = [
    Theme(slug="victim-assistance", title="Victim Assistance", coordinators=["ITA", "CHL"]),
    Theme(slug="universalization", title="Universalization", coordinators=["FRA", "ZMB"]),
    Theme(slug="stockpile-destruction", title="Stockpile Destruction", coordinators=["HRV", "MEX"]),
    Theme(slug="clearance-and-rre", title="Clearance and Risk Reduction Education", coordinators=["NOR", "NLD"]),
    Theme(
        slug="cooperation-and-assistance", title="International Cooperation and Assistance", coordinators=["IRQ", "AUS"]
    ),
    Theme(slug="transparency-measures", title="Transparency Measures", coordinators=["CRI"]),
    Theme(slug="national-implementation", title="National Implementation Measures", coordinators=["NZL"]),
    Theme(slug="general-status", title="General Status and Operation of the Convention", coordinators=["BIH", "CHE"]),
    Theme(slug="country-coalitions", title="Country Coalitions (non-paper of the Presidency)", coordinators=[]),
]
THEMES_BY_SLUG = {t.slug: t for t in THEMES}


def theme(slug: str) -> Theme:
    try:
        return THEMES_BY_SLUG[slug]
    except KeyError:
        raise Refusal(f"unknown theme {slug!r}: one of {', '.join(THEMES_BY_SLUG)}") from None
