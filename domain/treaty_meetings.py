"""The Meetings of States Parties and the Review Conferences of the Convention, and whose
Presidency writes on a given day: the President of a meeting is designated at the one
before it and holds office until the meeting closes (the 7MSP's President, Germany, wrote
in November 2016). Sourced in `domain/data/treaty_meetings.csv` (from the 6MSP, 2016), with
each meeting's Presidency. Runs inside workflows (the coordinators' terms follow its
meetings): deterministic, and a change to what it decides is a workflow change.

After the last meeting the table holds, the numbering goes on as the Convention's has:
the Meetings of States Parties resume their count after a Review Conference (the 6MSP
after the First, the 10MSP after the Second), one a year; an operator records a meeting
once it is decided (a row of the table)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Literal

Kind = Literal["MSP", "RC"]

# Ordinal words in each language, in the feminine French and Spanish use for "Assemblée",
# "Conférence", "Reunión" and "Conferencia" (num2words 0.5.14 writes Spanish in the
# masculine and in two words, "décimo cuarto": not the UN's "Decimocuarta Reunión").
ORDINALS = {
    "en": (
        "First Second Third Fourth Fifth Sixth Seventh Eighth Ninth Tenth Eleventh Twelfth Thirteenth Fourteenth "
        "Fifteenth Sixteenth Seventeenth Eighteenth Nineteenth Twentieth"
    ).split(),
    "fr": (
        "première deuxième troisième quatrième cinquième sixième septième huitième neuvième dixième onzième douzième "
        "treizième quatorzième quinzième seizième dix-septième dix-huitième dix-neuvième vingtième"
    ).split(),
    "es": (
        "Primera Segunda Tercera Cuarta Quinta Sexta Séptima Octava Novena Décima Undécima Duodécima Decimotercera "
        "Decimocuarta Decimoquinta Decimosexta Decimoséptima Decimoctava Decimonovena Vigésima"
    ).split(),
}
NAMES = {
    ("MSP", "en"): "{n} Meeting of States Parties to the Convention on Cluster Munitions",
    ("RC", "en"): "{n} Review Conference of the Convention on Cluster Munitions",
    ("MSP", "fr"): "{n} Assemblée des États parties à la Convention sur les armes à sous-munitions",
    ("RC", "fr"): "{n} Conférence d’examen de la Convention sur les armes à sous-munitions",
    ("MSP", "es"): "{n} Reunión de los Estados Partes en la Convención sobre Municiones en Racimo",
    ("RC", "es"): "{n} Conferencia de Examen de la Convención sobre Municiones en Racimo",
}
PRESIDENCY = {
    "en": "Presidency of the {meeting}",
    "fr": "Présidence de la {meeting}",
    "es": "Presidencia de la {meeting}",
}


@dataclass(frozen=True)
class TreatyMeeting:
    number: int
    kind: Kind
    first_day: date | None  # None: a meeting the table does not hold yet (numbered by the rule)
    last_day: date | None

    @property
    def short(self) -> str:
        """`7MSP`, `3RC`."""
        return f"{self.number}{self.kind}"

    def name(self, language: str) -> str:
        """`Seventh Meeting of States Parties to the Convention on Cluster Munitions`,
        `troisième Conférence d’examen de la Convention …`."""
        words = ORDINALS[language]
        nth = words[self.number - 1] if self.number <= len(words) else f"{self.number}."
        return NAMES[(self.kind, language)].format(n=nth)

    def presidency_lines(self, language: str) -> list[str]:
        """The Presidency's letterhead in two lines, each name whole: the meeting, then
        the Convention (`… Reunión de los Estados Partes` / `en la Convención sobre …`)."""
        full = self.presidency(language)
        for joint in (
            " to the Convention",
            " of the Convention",
            " à la Convention",
            " de la Convention",
            " en la Conv",
            " de la Conv",
        ):
            if joint in full:
                cut = full.index(joint) + 1
                return [full[: cut - 1], full[cut:]]
        return [full]

    def presidency(self, language: str) -> str:
        """The letterhead of its President: `Presidency of the Seventh Meeting of …`."""
        meeting = self.name(language)
        if language == "fr":
            meeting = meeting[:1].lower() + meeting[1:]
        return PRESIDENCY[language].format(meeting=meeting)


@cache
def treaty_meetings() -> tuple[TreatyMeeting, ...]:
    text = resources.files("domain").joinpath("data/treaty_meetings.csv").read_text("utf-8")
    rows = csv.DictReader(io.StringIO(text))
    meetings = tuple(
        TreatyMeeting(
            number=int(r["number"]),
            kind=r["kind"],  # type: ignore[arg-type]
            first_day=date.fromisoformat(r["first_day"]),
            last_day=date.fromisoformat(r["last_day"]),
        )
        for r in rows
    )
    return tuple(sorted(meetings, key=lambda m: m.first_day or date.max))


def presiding_on(day: date) -> TreatyMeeting:
    """The meeting whose President holds office on `day`: the first that has not closed
    (from the 6MSP's Presidency, which ended on 7 September 2016). After the table's last
    meeting, the next Meetings of States Parties by the numbering rule (module docstring),
    each taken to close on 30 September of its year until the table holds it."""
    meetings = treaty_meetings()
    for meeting in meetings:
        assert meeting.last_day is not None
        if day <= meeting.last_day:
            return meeting
    last = meetings[-1].last_day
    assert last is not None
    number, closes = max(m.number for m in meetings if m.kind == "MSP") + 1, date(last.year + 1, 9, 30)
    while day > closes:
        number, closes = number + 1, date(closes.year + 1, 9, 30)
    return TreatyMeeting(number=number, kind="MSP", first_day=None, last_day=None)
