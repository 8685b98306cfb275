"""The registry of States Parties and signatories, and how a State is named.

Everywhere a user names a State, `resolve` accepts the ISO 3166 alpha-3 or alpha-2
code or the name, in any case, and answers with the registry's alpha-3 code.
"""

from __future__ import annotations

import csv
import difflib
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Literal

import pycountry
from pydantic import BaseModel

Status = Literal["party", "signatory"]
_CSV_STATUS = {"State Party": "party", "Signatory": "signatory"}


class State(BaseModel):
    alpha3: str
    alpha2: str
    name: str
    status: Status
    entry_into_force: date | None = None


class UnknownState(ValueError):
    """A name that is not a State of the registry; the message suggests close matches."""

    def __init__(self, given: str, suggestions: list[State]):
        self.given = given
        self.suggestions = suggestions
        hint = ""
        if suggestions:
            hint = ": did you mean " + " or ".join(
                f"{s.name} ({s.alpha3})" for s in suggestions
            ) + "?"
        super().__init__(f"unknown State {given!r}{hint}")


class Registry:
    """States of the Convention, keyed by alpha-3, with lookups by code or name."""

    def __init__(self, states: list[State]):
        self.states = sorted(states, key=lambda s: s.name)
        self._by_key: dict[str, State] = {}
        for s in self.states:
            for key in (s.alpha3, s.alpha2, s.name):
                self._by_key[key.casefold()] = s
            country = pycountry.countries.get(alpha_3=s.alpha3)
            for attr in ("name", "official_name", "common_name"):
                other = getattr(country, attr, None)
                if other:
                    self._by_key.setdefault(other.casefold(), s)

    def __iter__(self):
        return iter(self.states)

    def __len__(self) -> int:
        return len(self.states)

    def parties(self) -> list[State]:
        return [s for s in self.states if s.status == "party"]

    def get(self, given: str) -> State:
        state = self._by_key.get(given.strip().casefold())
        if state is None:
            raise UnknownState(given, self.suggest(given))
        return state

    def suggest(self, given: str, n: int = 3) -> list[State]:
        """Names that contain what was given, then names that are spelled alike."""
        wanted = given.strip().casefold()
        containing = [k for k in self._by_key if len(wanted) >= 3 and wanted in k]
        close = difflib.get_close_matches(wanted, self._by_key, n=n * 2, cutoff=0.6)
        found: list[State] = []
        for key in containing + close:
            if self._by_key[key] not in found:
                found.append(self._by_key[key])
        return found[:n]


def parse_states_csv(text: str) -> list[State]:
    """Rows of `name,alpha3,status,entry_into_force`, each checked against ISO 3166."""
    states = []
    for line, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        country = pycountry.countries.get(alpha_3=row["alpha3"].strip().upper())
        if country is None:
            raise ValueError(f"line {line}: {row['alpha3']!r} is not an ISO 3166 alpha-3 code")
        if row["status"] not in _CSV_STATUS:
            raise ValueError(f"line {line}: unknown status {row['status']!r}")
        eif = row.get("entry_into_force", "").strip()
        states.append(
            State(
                alpha3=country.alpha_3,
                alpha2=country.alpha_2,
                name=row["name"].strip(),
                status=_CSV_STATUS[row["status"]],
                entry_into_force=date.fromisoformat(eif) if eif else None,
            )
        )
    return states


def name_of(alpha3: str) -> str:
    """A State's name in the registry, else ISO 3166's."""
    try:
        return registry().get(alpha3).name
    except UnknownState:
        country = pycountry.countries.get(alpha_3=alpha3)
        return country.name if country else alpha3


def entry_into_force(deposit: date) -> date:
    """Art. 17: the first day of the sixth month after the month in which the instrument
    was deposited (deposited 6 April 2016: binds from 1 October 2016)."""
    month = deposit.month + 5  # 0-based: the sixth month after
    return date(deposit.year + month // 12, month % 12 + 1, 1)


def membership(registry: Registry, recorded, on: date) -> dict[str, tuple[str, date | None]]:
    """alpha-3 -> (party, signatory or withdrawn; entry into force) as of `on`: the
    registry of 2016, then the dated `state.recorded` events (accession, ratification,
    withdrawal), so that "who was a State Party then" has one answer."""
    status = {s.alpha3: ("party" if s.entry_into_force and s.entry_into_force <= on else "signatory",
                         s.entry_into_force) for s in registry}
    for ev in sorted(recorded, key=lambda e: e.payload["date"]):
        day = date.fromisoformat(ev.payload["date"])
        if day > on:
            continue
        if ev.payload["event"] == "withdrawal":
            status[ev.subject] = ("withdrawn", None)
        else:
            eif = entry_into_force(day)
            status[ev.subject] = ("party" if eif <= on else "signatory", eif)
    return status


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The registry shipped with ccm: States Parties and signatories of November 2016."""
    text = resources.files("domain").joinpath("data/ccm_states_2016.csv").read_text("utf-8")
    return Registry(parse_states_csv(text))
