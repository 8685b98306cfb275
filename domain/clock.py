"""The one clock: Geneva's calendar day (`domain.schedule` re-exports it). Its own module,
with no import beyond the standard library, so that a `ccm` command can name today without
loading the schedule's models (pydantic): `ccm --help` imports it.

Runs inside workflows: deterministic only with the time a workflow is given
(`geneva_date(workflow.now())`); `geneva_today` reads the machine's clock and is for
commands and activities."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

GENEVA = ZoneInfo("Europe/Zurich")


def geneva_date(moment: datetime) -> date:
    """The day it is in Geneva at `moment`."""
    return moment.astimezone(GENEVA).date()


def geneva_today() -> date:
    """Today as the Convention's people count it: Geneva's calendar day, whatever the
    machine's time zone. Every date a person gives or gets is one of these (one clock)."""
    return geneva_date(datetime.now(timezone.utc))
