"""A published concept note, opened in headless Chromium: its Markdown shows as HTML
and nothing a note's author wrote runs in the reader's browser."""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest

from activities.database import open_event_log
from activities.letters import Mailbox
from activities.records import CcmActivities
from domain.contract import PageRequest
from domain.events import NewEvent
from tests.e2e.test_report_page import CHROMIUM, FLAGS

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Makefile: make chromium)")

NOTE = """## Objectives

Support States Parties to designate a **focal point** by the end of 2016:

1. analyse the Article 7 reports;
2. write to the States without a focal point.

| State | Focal point |
| --- | --- |
| Chad | not yet |

<script>document.title = "pwned by script"</script>
<img src="x" onerror="document.body.dataset.pwned = 'onerror'">
[a link](javascript:document.body.dataset.pwned='link') and [the Convention](https://www.clusterconvention.org)
"""


class Elements(HTMLParser):
    """Every element and attribute of a page, and its title."""

    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []
        self.title, self._in_title = "", False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes += [(k, v or "") for k, v in attrs]
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def test_a_notes_markdown_is_html_on_the_page_and_no_script_from_it_runs(tmp_path):
    log = open_event_log(f"sqlite:///{tmp_path / 'eventlog.db'}")
    acts = CcmActivities(log, Mailbox(tmp_path, "isu@example.org"))
    event = NewEvent(
        idempotency_key="note-page",
        workflow_id="concept-note-7MSP-victim-assistance",
        run_id="r",
        workflow_type="ConceptNote",
        subject="victim-assistance",
        event_type="concept.published",
        occurred_at=datetime(2016, 11, 4, tzinfo=timezone.utc),
        payload={"version": 1},
    )
    page = acts.publish_page(
        PageRequest(
            event=event,
            template="concept_note",
            path="concept-notes/7MSP-victim-assistance.html",
            context={
                "title": "Victim Assistance",
                "msp": "7MSP",
                "coordinators": "ITA, CHL",
                "approved_on": "2016-11-04",
                "approved_by": "Michael Biontino",
                "version": 2,
                "summary": "Focal points by 2016",
                "text": NOTE,
            },
        )
    )

    dom = subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=2000",
            "--dump-dom",
            f"file://{page}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0, dom.stderr
    html = dom.stdout  # the DOM after the page's scripts (if any) ran
    assert "<h2>Objectives</h2>" in html and "<strong>focal point</strong>" in html
    assert "<ol>" in html and "<td>Chad</td>" in html
    assert 'href="https://www.clusterconvention.org"' in html
    assert "Italy (ITA), Chile (CHL)" in html
    assert "4 November 2016" in html
    # Nothing ran: the title is the page's own, no handler fired, and no script, image,
    # event handler or javascript: link is left among the elements; the raw tags show
    # as text.
    elements = Elements()
    elements.feed(html)
    assert elements.title == "Victim Assistance — concept note, 7MSP"
    assert "script" not in elements.tags and "img" not in elements.tags
    assert not [a for a in elements.attributes if a[0].startswith("on") or a[0] == "data-pwned"]
    assert not [v for name, v in elements.attributes if name == "href" and v.lower().startswith("javascript")]
    assert "&lt;script&gt;document.title" in html
