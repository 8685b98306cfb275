"""Times and places: Geneva time, a meeting's schedule and participants, dates in words.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

Times are kept as the Committee speaks of them (a date, a start and an end in Geneva)
and as UTC instants for timers; `local_to_utc` converts once, outside workflows. Dates
are written in words by `long_date`, never by `strftime`, whose `%A`/`%B` follow the
worker's locale and whose `%-d` is glibc's alone: every worker writes the same text.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from datetime import date as date_
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.clock import GENEVA as GENEVA  # re-exported: the one clock lives in domain.clock
from domain.clock import geneva_date as geneva_date
from domain.clock import geneva_today as geneva_today
from domain.refusal import Refusal
from domain.text import Short

Role = Literal["member", "observer", "isu", "presidency"]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


UN_HOLIDAYS_FILE = "un_geneva_holidays.csv"


@lru_cache(maxsize=1)
def shipped_un_holidays() -> dict[date, str]:
    import csv
    import io
    from importlib import resources

    text = resources.files("domain").joinpath(f"data/{UN_HOLIDAYS_FILE}").read_text("utf-8")
    return {date.fromisoformat(row["day"]): row["name"] for row in csv.DictReader(io.StringIO(text))}


def closed_day(day: date, added: dict[date, str] | None = None) -> str | None:
    """Why the Committee would not meet on `day`, or None: a Saturday or a Sunday, a public
    holiday of the canton of Geneva (the `holidays` package: New Year, Easter, Ascension,
    Whit Monday, 1 August, the Jeûne genevois, Christmas, 31 December), or a day the
    United Nations Office at Geneva alone keeps (`data/un_geneva_holidays.csv`: the Eids,
    with those the operator `added` since: `domain.coverage`)."""
    import holidays

    named = holidays.Switzerland(subdiv="GE", years=day.year, language="en_US").get(day)  # type: ignore[attr-defined]
    if named:
        return f"{named} in Geneva"
    un = shipped_un_holidays() | (added or {})
    if day in un:
        return f"{un[day]}, a holiday of the United Nations Office at Geneva"
    if day.weekday() >= 5:
        return "a Saturday" if day.weekday() == 5 else "a Sunday"
    return None


def day_month_year(day: date) -> str:
    """`7 December 2016`."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def long_date(day: date) -> str:
    """`Wednesday 7 December 2016`."""
    return f"{WEEKDAYS[day.weekday()]} {day_month_year(day)}"


def hhmm(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def yearly_day(text: str) -> tuple[int, int]:
    """`MM-DD` of something that happens every year: it must exist in every year, so
    29 February (and any day no month has) is refused."""
    import re

    if not re.fullmatch(r"\d{2}-\d{2}", text or ""):
        raise ValueError(f"{text!r} is not a day of the year (MM-DD)")
    month, day = int(text[:2]), int(text[3:])
    try:
        date(2023, month, day)  # a year without 29 February
    except ValueError:
        raise ValueError(f"{text!r} is not a day of every year (MM-DD; 29 February is not)") from None
    return month, day


def email_address(text: str) -> str:
    """One plain e-mail address, checked as the mail headers will read it: no line
    breaks, no display name, one `@` with a domain."""
    from email.headerregistry import Address
    from email.utils import parseaddr

    text = (text or "").strip()
    if any(c in text for c in "\r\n\t") or not text.isprintable():
        raise ValueError(f"{text!r} is not an e-mail address: it holds a line break or a control character")
    name, address = parseaddr(text)
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError):
        raise ValueError(f"{text!r} is not an e-mail address") from None
    if name or address != text or not parsed.domain or "." not in parsed.domain or not parsed.username:
        raise ValueError(f"{text!r} is not an e-mail address (name@example.org)")
    return address


def geneva_time(moment: datetime) -> str:
    """`2026-12-15 18:00 CET`: a moment as people in Geneva read it, with the zone."""
    local = moment.astimezone(GENEVA)
    return f"{local.date().isoformat()} {hhmm(local.time())} {local.tzname()}"


def check_geneva_time(day: date, moment: time) -> None:
    """Refuse a time Geneva's clocks do not show that day (the spring change skips
    02:00-03:00) or show twice (the autumn change repeats 02:00-03:00)."""
    local = datetime.combine(day, moment, GENEVA)
    if local.astimezone(timezone.utc).astimezone(GENEVA).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise Refusal(f"Geneva has no {hhmm(moment)} on {day.isoformat()}: the clocks go forward an hour that night")
    if local.replace(fold=1).utcoffset() != local.utcoffset():
        raise Refusal(
            f"{hhmm(moment)} on {day.isoformat()} happens twice in Geneva (the clocks go back an hour that "
            "night): choose another time"
        )


def utc_midnight(day: date) -> datetime:
    """The start of `day` in UTC: when a due date has passed, when an imported row is dated."""
    return datetime.combine(day, time(0, tzinfo=timezone.utc))


def local_to_utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, GENEVA).astimezone(timezone.utc)


def working_days_before(day: date, n: int) -> date:
    """The date `n` working days (Monday to Friday) before `day`."""
    while n > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


class Participant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: str = ""
    delegation: str = Field("", max_length=20, description="a State (alpha-3) or an organisation (ICRC, CMC, …)")
    role: Role = "member"

    @field_validator("email")
    @classmethod
    def _address(cls, value: str) -> str:
        return email_address(value) if value else value

    @field_validator("name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if not value.isprintable():
            raise ValueError(f"{value!r} holds a line break or a control character")
        return value


class Schedule(BaseModel):
    """When and where: local date and times in Geneva, and the UTC instants for timers."""

    model_config = ConfigDict(extra="forbid")

    date: date
    start: time
    end: time
    venue: Short  # one line: it reaches calendar files, whose lines it must not break
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def at(cls, day: date_, start: time, end: time, venue: str) -> Schedule:
        if end <= start:
            raise Refusal(f"the meeting must end after it starts ({hhmm(start)}–{hhmm(end)})")
        for moment in (start, end):
            check_geneva_time(day, moment)
        return cls(
            date=day,
            start=start,
            end=end,
            venue=venue,
            starts_at=local_to_utc(day, start),
            ends_at=local_to_utc(day, end),
        )

    def in_words(self) -> str:
        """`Wednesday 7 December 2016, 10:00–11:30 (Geneva time), Permanent Mission of Germany`."""
        return f"{long_date(self.date)}, {hhmm(self.start)}–{hhmm(self.end)} (Geneva time), {self.venue}"


def participants_from_csv(text: str) -> list[Participant]:
    """The participants of a CSV (`name,email,delegation,role`); a ValueError says what is
    wrong and where, as `: line 4: email: …` (the caller names the file before it)."""

    from pydantic import ValidationError

    from domain.csvfile import rows

    people = []
    for line, row in rows(text, ["name"], ": the header must include name (and email, delegation, role)"):
        try:
            people.append(Participant(**{k: v for k, v in row.items() if v}))
        except ValidationError as e:
            err = e.errors()[0]
            field = ".".join(str(x) for x in err["loc"])
            raise ValueError(f" line {line}: {field}: {err['msg'].removeprefix('Value error, ')}") from None
    return people
