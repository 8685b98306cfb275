"""Times and places: Geneva time, a meeting's schedule and participants, dates in words.

Times are kept as the Committee speaks of them (a date, a start and an end in Geneva)
and as UTC instants for timers; `local_to_utc` converts once, outside workflows. Dates
are written in words by `long_date`, never by `strftime`, whose `%A`/`%B` follow the
worker's locale and whose `%-d` is glibc's alone: every worker writes the same text.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

GENEVA = ZoneInfo("Europe/Zurich")
Role = Literal["member", "observer", "isu", "presidency"]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def day_month_year(day: date) -> str:
    """`7 December 2016`."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def long_date(day: date) -> str:
    """`Wednesday 7 December 2016`."""
    return f"{WEEKDAYS[day.weekday()]} {day_month_year(day)}"


def hhmm(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


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
    name: str
    email: str = ""
    delegation: str = Field("", description="a State (alpha-3) or an organisation (ICRC, CMC, UNODA, ISU)")
    role: Role = "member"


class Schedule(BaseModel):
    """When and where: local date and times in Geneva, and the UTC instants for timers."""

    date: date
    start: time
    end: time
    venue: str
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def at(cls, day: date, start: time, end: time, venue: str) -> Schedule:
        from domain.process import Refusal

        if end <= start:
            raise Refusal(f"the meeting must end after it starts ({hhmm(start)}–{hhmm(end)})")
        return cls(date=day, start=start, end=end, venue=venue,
                   starts_at=local_to_utc(day, start), ends_at=local_to_utc(day, end))

    def in_words(self) -> str:
        """`Wednesday 7 December 2016, 10:00–11:30 (Geneva time), Permanent Mission of Germany`."""
        return f"{long_date(self.date)}, {hhmm(self.start)}–{hhmm(self.end)} (Geneva time), {self.venue}"
