"""A meeting's calendar file as other clients read it: icalendar (ours), vobject (dateutil's
reading of the VTIMEZONE, as many clients do) and a real CalDAV server, Radicale, on
loopback, asked for the meeting by a time-range query. Summer and winter: the probe found
a July meeting one hour late everywhere but in icalendar."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date, datetime, timedelta, timezone
from datetime import time as time_
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from dateutil import tz

from activities.calendar import GENEVA_VTIMEZONE, meeting_ics
from domain.schedule import Schedule

UTC = timezone.utc
# (day, start in Geneva, the same instant in UTC): summer time, winter time, and the days
# the clocks change.
MEETINGS = [
    (date(2027, 7, 7), time_(15), datetime(2027, 7, 7, 13, tzinfo=UTC)),
    (date(2027, 1, 13), time_(15), datetime(2027, 1, 13, 14, tzinfo=UTC)),
    (date(2027, 3, 29), time_(10), datetime(2027, 3, 29, 8, tzinfo=UTC)),  # the Monday after the change
    (date(2027, 10, 29), time_(10), datetime(2027, 10, 29, 8, tzinfo=UTC)),  # summer time still, till the 31st
    (date(2027, 11, 2), time_(10), datetime(2027, 11, 2, 9, tzinfo=UTC)),  # the Tuesday after the change back
]


def ics(day: date, start: time_, stored: bool = False) -> bytes:
    end = (datetime.combine(day, start) + timedelta(minutes=90)).time()
    return meeting_ics(
        f"meeting-cc-{day}", Schedule.at(day, start, end, "Geneva"), "CC", "isu@example.org", [], 0, stored=stored
    )


@pytest.mark.parametrize("day, start, utc", MEETINGS)
def test_icalendar_and_vobject_read_the_meeting_at_its_time(day, start, utc):
    data = ics(day, start)
    event = next(iter(icalendar.Calendar.from_ical(data).walk("VEVENT")))
    assert event.decoded("dtstart").astimezone(UTC) == utc
    read = vobject.readOne(data.decode())
    assert read.vevent.dtstart.value.astimezone(UTC) == utc  # dateutil's reading of our VTIMEZONE


def test_the_vtimezone_says_what_zoneinfo_says_on_every_day_of_fifty_years():
    """The rule form as dateutil reads it (vobject's and Radicale's reader) against the tz
    database: noon and the hours around each change, 2010-2060."""
    zone = tz.tzical(io.StringIO(GENEVA_VTIMEZONE)).get()
    geneva = ZoneInfo("Europe/Zurich")
    day = date(2010, 1, 1)
    while day < date(2061, 1, 1):
        for hour in (1, 4, 12):
            local = datetime.combine(day, time_(hour))
            assert local.replace(tzinfo=zone).utcoffset() == local.replace(tzinfo=geneva).utcoffset(), local
        day += timedelta(days=1)


def test_the_file_a_server_stores_has_no_method_and_the_one_sent_has():
    assert b"METHOD:REQUEST" in ics(date(2027, 7, 7), time_(15))
    assert b"METHOD" not in ics(date(2027, 7, 7), time_(15), stored=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    """A Radicale CalDAV server on loopback, no authentication, its collections in a tmp folder."""
    folder = tmp_path_factory.mktemp("radicale")
    port = _free_port()
    config = folder / "config"
    config.write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\n[auth]\ntype = none\n"
        f"[storage]\nfilesystem_folder = {folder / 'collections'}\n[logging]\nlevel = warning\n"
    )
    proc = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(config)])
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/.web/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(10)


def _send(method: str, url: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _found(base: str, collection: str, start: datetime, end: datetime) -> bool:
    """Whether a CalDAV time-range query (RFC 4791 §9.9) finds an event between the two."""
    query = f"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="{start:%Y%m%dT%H%M%SZ}" end="{end:%Y%m%dT%H%M%SZ}"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>""".encode()
    status, body = _send("REPORT", f"{base}/{collection}/", query, {"Depth": "1", "Content-Type": "application/xml"})
    assert status == 207, body
    return b".ics" in body


@pytest.mark.parametrize("day, start, utc", MEETINGS[:2])
def test_a_caldav_server_finds_the_meeting_at_its_real_time(radicale, day, start, utc):
    _send("MKCOL", f"{radicale}/isu/")  # the principal's home (made once)
    collection = f"isu/meetings-{day}"
    status, body = _send("MKCALENDAR", f"{radicale}/{collection}/")
    assert status == 201, body
    status, body = _send(
        "PUT", f"{radicale}/{collection}/meeting.ics", ics(day, start, stored=True), {"Content-Type": "text/calendar"}
    )
    assert status == 201, body
    assert _found(radicale, collection, utc, utc + timedelta(minutes=30))  # its first half hour
    assert not _found(radicale, collection, utc + timedelta(minutes=90), utc + timedelta(minutes=120))  # after
    assert not _found(radicale, collection, utc - timedelta(minutes=60), utc)  # the hour before
