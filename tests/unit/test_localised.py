"""No number or date formatted by hand where letters and pages are written: Babel does
it (activities/localise.py), in every language."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
HAND_MADE = re.compile(r"strftime\(|format_chf|:%[aAbBdY]|\{[^}]*:,[^}]*\}|MONTHS|\.isoformat\(\) \}\}")


def test_activities_and_templates_leave_formatting_to_babel():
    files = [*(ROOT / "activities").glob("*.py"), *(ROOT / "activities" / "templates").rglob("*.*")]
    offenders = [
        f"{p.relative_to(ROOT)}: {m.group(0)}"
        for p in files
        if p.name != "localise.py"
        for m in [HAND_MADE.search(p.read_text("utf-8"))]
        if m
    ]
    # documents.py counts characters in an error message, not a figure on a letter or page
    assert [o for o in offenders if not o.startswith("activities/documents.py")] == []
