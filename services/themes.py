"""A theme's page for its coordinators: what the Committee holds on it, gathered from the
event log and the running processes (`ccm report theme`)."""

from __future__ import annotations

from datetime import date
from typing import Any

# The page's headings in the Convention's three languages.
HEADINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "{title}: the coordinators' page, {day}",
        "coordinators": "Coordinators",
        "action_plan": "Action plan",
        "notes": "Concept notes and operational plans",
        "targets": "Targets",
        "campaigns": "Campaigns",
        "legislation": "National implementation",
        "events": "Events",
        "actions": "Open action items",
        "none": "None.",
    },
    "fr": {
        "title": "{title} : la page des coordonnateurs, {day}",
        "coordinators": "Coordonnateurs",
        "action_plan": "Plan d'action",
        "notes": "Notes conceptuelles et plans opérationnels",
        "targets": "Objectifs",
        "campaigns": "Campagnes",
        "legislation": "Mise en œuvre nationale",
        "events": "Manifestations",
        "actions": "Actions en cours",
        "none": "Aucune.",
    },
    "es": {
        "title": "{title}: la página de los coordinadores, {day}",
        "coordinators": "Coordinadores",
        "action_plan": "Plan de acción",
        "notes": "Notas conceptuales y planes operativos",
        "targets": "Metas",
        "campaigns": "Campañas",
        "legislation": "Aplicación nacional",
        "events": "Eventos",
        "actions": "Acciones pendientes",
        "none": "Ninguna.",
    },
}


async def theme_page(client, log, slug: str, on: date) -> dict[str, Any]:
    """Everything the Committee holds on a theme on `on`, section by section."""
    from domain.action_items import ActionItemStatus
    from domain.action_plans import serving
    from domain.campaigns import CampaignStatus
    from domain.concept_notes import ConceptNoteStatus
    from domain.legislation import fold_legislation
    from domain.office_holders import coordinators, from_events, holdings, term_on
    from domain.outreach import fold_events
    from domain.states import name_of, registry_with
    from domain.themes import theme
    from domain.universalization import progress, targets
    from services.commands import read_status

    t = theme(slug)

    async def statuses(query: str, model) -> list:
        ids = sorted({wf.id async for wf in client.list_workflows(query)})
        return [await read_status(client, wid, model) for wid in ids]

    notes = await statuses(f"WorkflowType = 'ConceptNote' AND CcmTheme = '{slug}'", ConceptNoteStatus)
    actions = await statuses(
        f"WorkflowType = 'ActionItem' AND ExecutionStatus = 'Running' AND CcmOwner = 'coordinator:{slug}'",
        ActionItemStatus,
    )
    recorded = holdings(from_events(log.query(event_type="coordinators.recorded")))
    area = serving(slug, on)
    page: dict[str, Any] = {
        "theme": slug,
        "title": t.title,
        "day": on.isoformat(),
        "action_plan": area.said() if area else "",
        "coordinators": [name_of(c) for c in coordinators(term_on(on), slug, recorded)],
        "notes": [
            {"note": n.workflow_id, "msp": n.msp, "stage": n.stage, "versions": len(n.versions),
             "comments": len(n.comments), "plan_due": n.plan_due.isoformat()}
            for n in notes
        ],
        "actions": [
            {"item": a.workflow_id, "text": a.text, "due": a.due.isoformat(), "stage": a.stage} for a in actions
        ],
        "events": [
            {"event": e.id, "title": e.title, "days": f"{e.first_day}–{e.last_day}", "place": e.place,
             "funding": e.funding, "stage": e.stage(on)}
            for e in sorted(fold_events(log.query(event_type="outreach.*")).values(), key=lambda e: e.first_day)
            if e.theme == slug
        ],
    }  # fmt: skip
    if slug == "universalization":
        reg = registry_with(log.query(event_type="state.recorded"))
        page["targets"] = [{"target": x.target, "standing": progress(reg, x, on).said} for x in targets()]
        campaigns = await statuses("WorkflowType = 'Campaign' AND ExecutionStatus = 'Running'", CampaignStatus)
        page["campaigns"] = [
            {"state": name_of(c.state), "category": c.category, "outreach": len(c.outreach)} for c in campaigns
        ]
    if slug == "national-implementation":
        said = fold_legislation(log.query(event_type="state.legislation_recorded"), on)
        counts: dict[str, int] = {}
        for state in said.values():
            counts[state.status] = counts.get(state.status, 0) + 1
        page["legislation"] = [{"status": k, "states": v} for k, v in sorted(counts.items())]
    return page


SECTIONS = ("notes", "targets", "campaigns", "legislation", "events", "actions")


def page_html(page: dict[str, Any], language: str, alternates: list[tuple[str, str]] = ()) -> str:
    """The page as one HTML document in `language`, linking its other languages."""
    from activities.templating import templates

    words = HEADINGS[language]
    return templates.get_template("report/theme.html").render(
        page=page,
        language=language,
        words=words,
        heading=words["title"].format(title=page["title"], day=page["day"]),
        sections=SECTIONS,
        alternates=alternates,
    )


def publish_pages(pages: list[dict[str, Any]], site) -> list:
    """Each theme's page in English, French and Spanish (`theme-universalization.html`,
    `….fr.html`, `….es.html`, each naming the others), written whole; the English paths."""
    from activities.localise import LANGUAGES

    site.mkdir(parents=True, exist_ok=True)
    written = []
    for page in pages:
        names = {lang: f"theme-{page['theme']}{'' if lang == 'en' else '.' + lang}.html" for lang in LANGUAGES}
        for lang, name in names.items():
            tmp = (site / name).with_suffix(".tmp")
            tmp.write_text(page_html(page, lang, [(o, n) for o, n in names.items() if o != lang]), encoding="utf-8")
            tmp.replace(site / name)
        written.append(site / names["en"])
    return written


def page_markdown(page: dict[str, Any], language: str) -> str:
    """The page as Markdown, its headings in `language`."""
    h = HEADINGS[language]
    lines = [f"# {h['title'].format(title=page['title'], day=page['day'])}", ""]
    lines += [f"**{h['coordinators']}**: {', '.join(page['coordinators']) or h['none']}", ""]
    lines += [f"**{h['action_plan']}**: {page['action_plan'] or h['none']}", ""]
    for key in SECTIONS:
        if key not in page:
            continue
        lines += [f"## {h[key]}", ""]
        rows = page[key]
        if not rows:
            lines += [h["none"], ""]
            continue
        columns = list(rows[0])
        lines += ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
        lines += ["| " + " | ".join(str(r[c]).replace("|", "\\|") for c in columns) + " |" for r in rows]
        lines.append("")
    return "\n".join(lines)
