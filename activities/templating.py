"""The Jinja2 environment for letters and pages shipped in `activities/templates`."""

from importlib import resources

import jinja2

templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(resources.files("activities") / "templates")),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=jinja2.select_autoescape(["html"], default_for_string=False, default=False),
)
