"""iCalendar (RFC 5545) files for Committee meetings, built with the `icalendar` library.

One meeting is one event with a stable UID; a reschedule is the same UID with a higher
SEQUENCE, a cancellation the same UID with METHOD:CANCEL. The file sent by e-mail carries
METHOD (iTIP, RFC 5546); the one a calendar server stores carries none (RFC 4791 §4.1)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress, vText

from domain.schedule import GENEVA, Participant, Schedule

UID_DOMAIN = "ccm.clusterconvention.org"

# Geneva's time zone as every client reads it: the rule (RRULE) form, valid for any year,
# as calendar servers publish it. icalendar's own (`add_missing_timezones`) lists each
# change as an RDATE up to 2038, which dateutil (vobject, Radicale) reads as CET all year.
# Switzerland has kept the EU's rule since 1996: summer time from the last Sunday of March
# at 02:00 to the last Sunday of October at 03:00 (checked against zoneinfo, 2010-2060, by
# tests/integration/test_calendar_clients.py).
GENEVA_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Zurich
BEGIN:DAYLIGHT
TZNAME:CEST
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
DTSTART:19810329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:CET
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
DTSTART:19961027T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


def meeting_uid(meeting_id: str) -> str:
    return f"{meeting_id}@{UID_DOMAIN}"


def meeting_ics(
    meeting_id: str,
    schedule: Schedule,
    summary: str,
    organizer: str,
    participants: list[Participant],
    sequence: int,
    method: str = "REQUEST",
    stamp: datetime | None = None,
    stored: bool = False,
) -> bytes:
    """The meeting's calendar file: as sent (with `method`, REQUEST or CANCEL), or, with
    `stored`, as a calendar server keeps it (no METHOD; a cancelled meeting is STATUS
    CANCELLED)."""
    cal = Calendar()
    cal.add("prodid", "-//ccm//Coordination Committee//EN")
    cal.add("version", "2.0")
    if not stored:
        cal.add("method", method)
    event = Event()
    event.add("uid", meeting_uid(meeting_id))
    event.add("sequence", sequence)
    event.add("dtstamp", stamp or datetime.now(timezone.utc))
    event.add("dtstart", datetime.combine(schedule.date, schedule.start, GENEVA))
    event.add("dtend", datetime.combine(schedule.date, schedule.end, GENEVA))
    event.add("summary", summary)
    event.add("location", schedule.venue)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    org = vCalAddress(f"mailto:{organizer}")
    org.params["cn"] = vText("ISU-CCM")
    event["organizer"] = org
    for p in participants:
        if not p.email:
            continue
        attendee = vCalAddress(f"mailto:{p.email}")
        attendee.params["cn"] = vText(p.name)
        attendee.params["role"] = vText("OPT-PARTICIPANT" if p.role == "observer" else "REQ-PARTICIPANT")
        attendee.params["rsvp"] = vText("TRUE")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        event.add("attendee", attendee, encode=0)
    if method != "CANCEL":
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", timedelta(hours=-1))
        event.add_component(alarm)
    cal.add_component(Timezone.from_ical(GENEVA_VTIMEZONE))
    cal.add_component(event)
    return cal.to_ical()


def outreach_ics(event) -> bytes:
    """An event of the Committee (`domain.outreach.OutreachEvent`) as an all-day calendar
    entry over its days: no time and no time zone, so every client shows the same days."""
    from datetime import timedelta

    cal = Calendar()
    cal.add("prodid", "-//ccm//Convention on Cluster Munitions//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    entry = Event()
    entry.add("uid", f"{event.id}@ccm")
    entry.add("summary", event.title)
    entry.add("location", f"{event.place} ({event.host})")
    entry.add("dtstart", event.first_day)
    entry.add("dtend", event.last_day + timedelta(days=1))  # exclusive, as RFC 5545 counts all-day ends
    entry.add("dtstamp", datetime.combine(event.first_day, datetime.min.time(), tzinfo=timezone.utc))
    entry.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    cal.add_component(entry)
    return cal.to_ical()
