"""The States of the Convention over time, and how a State is named.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

The registry is data: the States Parties and signatories of November 2016
(`data/ccm_states_2016.csv`), every accession, ratification and withdrawal since, each with
its source (`data/ccm_membership_changes.csv`), and the names States were known by before
they changed them (`data/state_names.csv`). Changes recorded later in the event log
(`ccm states record`) are applied on top, so a new accession needs no code change.

Everywhere a user names a State, `Registry.get` accepts the ISO 3166 alpha-3 or alpha-2
code or any name it has had, in any case, and answers with the State.

Every State, not only the Convention's: the UN's Member States, its two non-member observer
States and the Cook Islands and Niue (`data/world_states.csv`, with sources), so that the
States not party can be counted and listed on any day (`Registry.world_on`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import pycountry
from pydantic import BaseModel, Field

from domain.csvfile import rows
from domain.event_types import typed
from domain.events import Event
from domain.schedule import geneva_today

Status = Literal["party", "signatory", "withdrawn"]
# Where a State of the world stands with the Convention on a day: one of the registry's
# statuses, or `neither` (never signed, never bound).
Standing = Literal["party", "signatory", "withdrawn", "neither"]
NOT_PARTY: tuple[Standing, ...] = ("signatory", "withdrawn", "neither")
# The registry of 2016 records the signatories of November 2016, not when the States Parties
# of then had signed: who had neither signed nor joined is known from then on.
WORLD_KNOWN_FROM = date(2016, 11, 1)
ChangeKind = Literal["ratification", "accession", "withdrawal"]
_CSV_STATUS = {"State Party": "party", "Signatory": "signatory"}


class FormerName(BaseModel):
    """A name a State was known by until `until` (in English, French and Spanish)."""

    name: str
    name_fr: str
    name_es: str
    until: date
    source: str = ""


class Change(BaseModel):
    """An instrument deposited with the depositary, and the day it took effect."""

    alpha3: str
    change: ChangeKind
    deposited: date
    takes_effect: date
    source: str = ""


class State(BaseModel):
    alpha3: str
    alpha2: str
    name: str = Field(description="the name it has now")
    signed: bool = Field(False, description="signed the Convention before ratifying (or has yet to)")
    entry_into_force: date | None = None
    withdrawn: date | None = Field(None, description="the day its withdrawal took effect (Article 20)")
    former_names: list[FormerName] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)

    def status_on(self, day: date) -> Status | None:
        """Party, signatory or withdrawn on `day`; None before it was any of these."""
        if self.withdrawn and day >= self.withdrawn:
            return "withdrawn"
        if self.entry_into_force and day >= self.entry_into_force:
            return "party"
        return "signatory" if self.signed else None

    @property
    def status(self) -> Status | None:
        """Its status today (what a person asking about the State means)."""
        return self.status_on(geneva_today())

    @property
    def ever_party(self) -> bool:
        return self.entry_into_force is not None

    def party_during(self, year: int) -> bool:
        """In force for it on at least one day of `year`."""
        return (
            self.entry_into_force is not None
            and self.entry_into_force <= date(year, 12, 31)
            and (self.withdrawn is None or self.withdrawn > date(year, 1, 1))
        )

    def name_on(self, day: date | None) -> str:
        """Its English name as it stood on `day` (Swaziland until 19 April 2018)."""
        former = self.former_name(day)
        return former.name if former else self.name

    def former_name(self, day: date | None) -> FormerName | None:
        if day is None:
            return None
        return next((f for f in sorted(self.former_names, key=lambda f: f.until) if day < f.until), None)


# The UN's regions (M49: https://unstats.un.org/unsd/methodology/m49/; each State's, as
# github.com/lukes/ISO-3166-Countries-with-Regional-Codes tabulates them).
Region = Literal["Africa", "Americas", "Asia", "Europe", "Oceania"]


class WorldState(BaseModel):
    """A State that can join the Convention: a UN Member State (`since`: its admission,
    where it came after the Convention opened for signature), a non-member observer State,
    or a State whose treaty-making capacity the Secretary-General recognizes."""

    alpha3: str
    name: str
    kind: Literal["member", "observer", "non-member"]
    region: Region
    since: date | None = None
    source: str

    def exists_on(self, day: date) -> bool:
        return self.since is None or day >= self.since


class UnknownState(ValueError):
    """A name that is not a State of the registry; the message suggests close matches."""

    def __init__(self, given: str, suggestions: list[State]):
        self.given = given
        self.suggestions = suggestions
        hint = ""
        if suggestions:
            hint = ": did you mean " + " or ".join(f"{s.name} ({s.alpha3})" for s in suggestions) + "?"
        super().__init__(f"unknown State {given!r}{hint}")


class Registry:
    """States of the Convention, keyed by alpha-3, with lookups by code or any name."""

    def __init__(self, states: list[State]):
        self.states = sorted(states, key=lambda s: s.name)
        self._by_key: dict[str, State] = {}
        for s in self.states:
            for key in (s.alpha3, s.alpha2, s.name, *(f.name for f in s.former_names)):
                self._by_key[key.casefold()] = s
            country = pycountry.countries.get(alpha_3=s.alpha3)
            for attr in ("name", "official_name", "common_name"):
                other = getattr(country, attr, None)
                if other:
                    self._by_key.setdefault(other.casefold(), s)

    def __iter__(self) -> Iterator[State]:
        return iter(self.states)

    def __len__(self) -> int:
        return len(self.states)

    def on(self, day: date) -> list[tuple[State, Status]]:
        """Every State with a status on `day`, by its name of that day."""
        found = [(s, s.status_on(day)) for s in self.states]
        return sorted(((s, st) for s, st in found if st), key=lambda p: p[0].name_on(day))

    def parties(self, day: date | None = None) -> list[State]:
        """The States Parties on `day` (today by default)."""
        day = day or geneva_today()
        return [s for s in self.states if s.status_on(day) == "party"]

    def parties_during(self, year: int) -> list[State]:
        return [s for s in self.states if s.party_during(year)]

    def world_on(self, day: date) -> list[tuple[str, str, Standing]]:
        """Every State of the world on `day` (alpha-3, its name that day, where it stands
        with the Convention), by name: the universalization's denominator. From
        `WORLD_KNOWN_FROM` on (before, a State Party of 2016 may have been a signatory)."""
        if day < WORLD_KNOWN_FROM:
            raise ValueError(
                f"the registry tells signatories from {WORLD_KNOWN_FROM} on, not on {day}: "
                "the States not party are known from then"
            )
        found = []
        for w in world():
            if not w.exists_on(day):
                continue
            known = self._by_key.get(w.alpha3.casefold())
            status = known.status_on(day) if known else None
            found.append((w.alpha3, known.name_on(day) if known else w.name, status or "neither"))
        return sorted(found, key=lambda row: row[1])

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

    def with_changes(self, changes: Iterable[Change]) -> Registry:
        """This registry with more changes applied (the event log's, on the shipped data)."""
        by_code = {s.alpha3: s.model_copy(deep=True) for s in self.states}
        for change in sorted(changes, key=lambda c: c.deposited):
            if change.alpha3 not in by_code:
                country = pycountry.countries.get(alpha_3=change.alpha3)
                if country is None:
                    raise ValueError(f"{change.alpha3!r} is not an ISO 3166 alpha-3 code")
                by_code[change.alpha3] = State(alpha3=country.alpha_3, alpha2=country.alpha_2, name=country.name)
            _apply(by_code[change.alpha3], change)
        return Registry(list(by_code.values()))

    def with_recorded(self, events: Iterable[Event]) -> Registry:
        """With the `state.recorded` events of the event log (`ccm states record`)."""
        return self.with_changes(change_of(ev) for ev in events)


def _apply(state: State, change: Change) -> None:
    if any(c.change == change.change and c.deposited == change.deposited for c in state.changes):
        return  # the shipped data and the log may both hold it
    state.changes.append(change)
    if change.change == "withdrawal":
        state.withdrawn = change.takes_effect
    else:
        state.entry_into_force, state.withdrawn = change.takes_effect, None
        state.signed = state.signed or change.change == "ratification"


def entry_into_force(deposit: date) -> date:
    """Art. 17: the first day of the sixth month after the month in which the instrument
    was deposited (deposited 6 April 2016: binds from 1 October 2016)."""
    month = deposit.month + 5  # 0-based: the sixth month after
    return date(deposit.year + month // 12, month % 12 + 1, 1)


def withdrawal_takes_effect(deposit: date) -> date:
    """Art. 20(2): six months after the depositary receives the instrument of withdrawal."""
    month = deposit.month + 5
    year, month = deposit.year + month // 12, month % 12 + 1
    day = deposit.day
    while True:  # 31 August + 6 months is the end of February
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def change_of(event: Event) -> Change:
    """A `state.recorded` event as a change: its date is the deposit (for a withdrawal,
    before this version of ccm, the day it took effect; its payload says which)."""
    p = typed(event)
    kind, day = p.event, p.date
    if kind == "withdrawal":
        takes_effect = p.takes_effect or day
    else:
        takes_effect = entry_into_force(day)
    return Change(
        alpha3=event.subject,
        change=kind,
        deposited=day,
        takes_effect=takes_effect,
        source=f"event log, row {event.seq}",
    )


def _rows(text: str, columns: set[str], what: str) -> Iterator[tuple[int, dict[str, str]]]:
    return rows(text, sorted(columns), f"{what}: line 1 must name the columns {', '.join(sorted(columns))}")


def _country(code: str, line: int, what: str) -> Any:
    country = pycountry.countries.get(alpha_3=code.upper())
    if country is None:
        raise ValueError(f"{what}: line {line}: {code!r} is not an ISO 3166 alpha-3 code")
    return country


def parse_states_csv(text: str) -> list[State]:
    """Rows of `name,alpha3,status,entry_into_force`, each checked against ISO 3166."""
    states = []
    for line, row in _rows(text, {"name", "alpha3", "status", "entry_into_force"}, "registry"):
        country = _country(row["alpha3"], line, "registry")
        if row["status"] not in _CSV_STATUS:
            raise ValueError(f"line {line}: unknown status {row['status']!r}")
        party = _CSV_STATUS[row["status"]] == "party"
        if party != bool(row["entry_into_force"]):
            raise ValueError(f"line {line}: a State Party has a date of entry into force, a signatory none")
        states.append(
            State(
                alpha3=country.alpha_3,
                alpha2=country.alpha_2,
                name=row["name"],
                signed=not party,
                entry_into_force=date.fromisoformat(row["entry_into_force"]) if party else None,
            )
        )
    return states


def parse_changes_csv(text: str) -> list[Change]:
    """Rows of `alpha3,name,change,deposited,entry_into_force,source`: each date checked
    against the article that sets it (17 for joining, 20 for withdrawing)."""
    changes = []
    for line, row in _rows(text, {"alpha3", "change", "deposited", "entry_into_force", "source"}, "changes"):
        country = _country(row["alpha3"], line, "changes")
        if row["change"] not in ("ratification", "accession", "withdrawal"):
            raise ValueError(f"changes: line {line}: unknown change {row['change']!r}")
        deposited, effect = date.fromisoformat(row["deposited"]), date.fromisoformat(row["entry_into_force"])
        rule = withdrawal_takes_effect if row["change"] == "withdrawal" else entry_into_force
        if rule(deposited) != effect:
            raise ValueError(
                f"changes: line {line}: deposited {deposited}, so it takes effect on {rule(deposited)}, not {effect}"
            )
        if not row["source"]:
            raise ValueError(f"changes: line {line}: a change needs its source")
        changes.append(
            Change(
                alpha3=country.alpha_3,
                change=row["change"],
                deposited=deposited,
                takes_effect=effect,
                source=row["source"],
            )
        )
    return changes


def parse_names_csv(text: str) -> dict[str, list[FormerName]]:
    names: dict[str, list[FormerName]] = {}
    for line, row in _rows(text, {"alpha3", "name", "name_fr", "name_es", "until", "source"}, "names"):
        country = _country(row["alpha3"], line, "names")
        names.setdefault(country.alpha_3, []).append(
            FormerName(
                name=row["name"],
                name_fr=row["name_fr"],
                name_es=row["name_es"],
                until=date.fromisoformat(row["until"]),
                source=row["source"],
            )
        )
    return names


def _data(name: str) -> str:
    return resources.files("domain").joinpath(f"data/{name}").read_text("utf-8")


def build_registry(states_csv: str, changes_csv: str, names_csv: str) -> Registry:
    """The registry of 2016 with the changes since applied and the names States had. A
    State renamed since 2016 is known by its name now (ISO 3166's), and by its old name
    on the days it bore it."""
    former = parse_names_csv(names_csv)
    states = []
    for s in parse_states_csv(states_csv):
        if s.alpha3 in former:
            s.former_names = former[s.alpha3]
            s.name = pycountry.countries.get(alpha_3=s.alpha3).name  # type: ignore[union-attr]  # shipped codes
        states.append(s)
    return Registry(states).with_changes(parse_changes_csv(changes_csv))


def name_of(alpha3: str, on: date | None = None) -> str:
    """A State's name in the registry (as of `on`, when given), else ISO 3166's."""
    try:
        return registry().get(alpha3).name_on(on)
    except UnknownState:
        country = pycountry.countries.get(alpha_3=alpha3)
        return country.name if country else alpha3


def registry_with(recorded: Iterable[Event]) -> Registry:
    """The shipped registry with the `state.recorded` events of an event log applied."""
    recorded = list(recorded)
    return registry().with_recorded(recorded) if recorded else registry()


def parse_world_csv(text: str) -> list[WorldState]:
    """Rows of `alpha3,name,standing,region,since,source`: ISO 3166 codes, each row sourced."""
    found = []
    for line, row in _rows(text, {"alpha3", "name", "standing", "region", "since", "source"}, "world"):
        country = _country(row["alpha3"], line, "world")
        if row["standing"] not in ("member", "observer", "non-member"):
            raise ValueError(f"world: line {line}: unknown standing {row['standing']!r}")
        if not row["source"]:
            raise ValueError(f"world: line {line}: a State needs its source")
        since = date.fromisoformat(row["since"]) if row["since"] else None
        try:
            state = WorldState(
                alpha3=country.alpha_3,
                name=row["name"],
                kind=row["standing"],
                region=row["region"],
                since=since,
                source=row["source"],
            )
        except ValueError as e:
            raise ValueError(f"world: line {line}: {str(e).splitlines()[0]}") from None
        found.append(state)
    return found


@lru_cache(maxsize=1)
def world() -> tuple[WorldState, ...]:
    """The States of the world shipped with ccm (197 since South Sudan's admission)."""
    return tuple(parse_world_csv(_data("world_states.csv")))


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The registry shipped with ccm: November 2016's States, and every change since."""
    return build_registry(_data("ccm_states_2016.csv"), _data("ccm_membership_changes.csv"), _data("state_names.csv"))
