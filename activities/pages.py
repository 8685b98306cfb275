"""The published pages' facts written for readers: a concept note's Markdown as
sanitised HTML, budgets in CHF, dates in words, and States and coordinators by name
with their code."""

from __future__ import annotations

from functools import cache

import nh3
from markupsafe import Markup

from activities.localise import chf, long_date
from domain.states import UnknownState, registry


@cache
def _markdown():
    from markdown_it import MarkdownIt

    # CommonMark with raw HTML off: a note's tags are shown as text, never run.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def note_html(text: str) -> Markup:
    """A note written in Markdown as HTML, cleaned by nh3 (an allow-list: no script,
    no event handler, no `javascript:` link survives, whatever the Markdown produced)."""
    return Markup(nh3.clean(_markdown().render(text), url_schemes={"http", "https", "mailto"}))


def named(code: str) -> str:
    """`Norway (NOR)` for a State's code; an office or a name is left as written."""
    try:
        state = registry().get(code)
    except UnknownState:
        return code
    return f"{state.name} ({state.alpha3})" if code.strip().upper() in {state.alpha3, state.alpha2} else code


def page_context(template: str, context: dict) -> dict:
    values = dict(context)
    if "coordinators" in values:
        values["coordinators"] = ", ".join(named(c.strip()) for c in values["coordinators"].split(","))
    if values.get("approved_on"):
        values["approved_on"] = long_date(values["approved_on"], "en")
    if template == "concept_note":
        values["note"] = note_html(values.get("text", ""))
    for step in values.get("steps", []):
        step["responsible"] = named(step["responsible"])
        step["targets"] = [named(t) for t in step.get("targets", [])]
        step["due"] = long_date(step["due"], "en")
        step["budget"] = chf(step["budget"], "en") if step.get("budget") not in (None, "") else ""
    return values
