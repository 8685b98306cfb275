"""iCalendar (RFC 5545) files for Committee meetings, built with the `icalendar` library.

One meeting is one event with a stable UID; a reschedule is the same UID with a higher
SEQUENCE, a cancellation the same UID with METHOD:CANCEL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from domain.schedule import GENEVA, Participant, Schedule

UID_DOMAIN = "ccm.clusterconvention.org"


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
) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//ccm//Coordination Committee//EN")
    cal.add("version", "2.0")
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
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
