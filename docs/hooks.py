"""MkDocs hook: the reference pages that are generated from the code, so they cannot drift
from it. A page holds a marker (`<!-- generated: events -->`) where the table goes."""

from __future__ import annotations


def _events() -> str:
    from domain.event_types import EVENT_TYPES

    rows = ["| event type | schema | payload fields |", "| --- | --- | --- |"]
    for name in sorted(EVENT_TYPES):
        model = EVENT_TYPES[name]
        fields = ", ".join(
            f"`{f.alias or n}`" for n, f in model.model_fields.items() if n not in ("signed", "proved", "schema_")
        )
        rows.append(f"| `{name}` | {getattr(model, 'SCHEMA', 1)} | {fields or '—'} |")
    return "\n".join(rows)


def _settings() -> str:
    from services.settings import Settings

    rows = ["| variable | default | what |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        variable = field.alias or f"CCM_{name.upper()}"
        default = "" if field.default_factory is not None or field.default is None else f"`{field.default}`"
        if hasattr(field.default, "get_secret_value"):
            default = "(secret)"
        rows.append(f"| `{variable}` | {default} | {(field.description or '').replace('|', '/')} |")
    return "\n".join(rows)


GENERATED = {"events": _events, "settings": _settings}


def on_page_markdown(markdown: str, page, config, files) -> str:
    for name, make in GENERATED.items():
        marker = f"<!-- generated: {name} -->"
        if marker in markdown:
            markdown = markdown.replace(marker, make())
    return markdown
