"""The Jinja2 environments for letters and pages shipped in `activities/templates`.

Letters are Typst documents (`*.typ`). Every value a letter template prints goes into the
document as a Typst string (`#"…";`), never as markup: a name holding `*`, `#` or `]`
is printed as written and cannot change the letter around it. Only the template's own
text, and what its macros and blocks return, is markup.
"""

from importlib import resources

import jinja2
from markupsafe import Markup

_LOADER = jinja2.FileSystemLoader(str(resources.files("activities") / "templates"))

templates = jinja2.Environment(
    loader=_LOADER,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=jinja2.select_autoescape(["html"], default_for_string=False, default=False),
)


def typst_string(value) -> str:
    """`value` as a Typst string literal."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'


def _as_text(value):
    """What `{{ value }}` prints in a letter: template markup (a macro's or a block's
    output) as it is; any other value as a string embedded in the markup, ended by `;`
    so that what follows cannot continue it (`#"x";.pdf` is text)."""
    if isinstance(value, Markup):
        return value
    return Markup(f"#{typst_string(value)};")


letter_templates = jinja2.Environment(
    loader=_LOADER,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=True,
    finalize=_as_text,
)
# In code (`#set document(author: {{ x | string }})`): a value as a Typst string literal.
letter_templates.filters["string"] = lambda value: Markup(typst_string(value))
letter_templates.filters["number"] = lambda value: Markup(str(int(value)))

# The subject of a letter as plain text, for the e-mail: the same templates, values as they are.
plain_templates = jinja2.Environment(loader=_LOADER, undefined=jinja2.StrictUndefined, autoescape=False)
plain_templates.filters["string"] = str
plain_templates.filters["number"] = lambda value: str(int(value))
