"""Opening the event log and keeping its schema current with Alembic."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from activities.eventlog import EventLog, MissingLog, make_engine


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("activities") / "migrations"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = _alembic_config()
    # Alembic runs its own transaction; SQLite's BEGIN IMMEDIATE hook is harmless here.
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.commit()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def open_event_log(url: str, *, upgrade_schema: bool = True, create: bool = True) -> EventLog:
    """The event log at `url`, its schema brought up to date. With `create=False` (every
    command but `ccm db upgrade` and the embedded default's first run) a missing log, or a
    database without one, is MissingLog naming where it looked, never a new empty log."""
    engine = make_engine(url, create=create)
    revision = current_revision(engine)
    if revision is None and not create:
        engine.dispose()
        raise MissingLog(f"the database {engine.url.render_as_string(hide_password=True)} holds no event log: "
                         "create it with `ccm db upgrade`")
    if upgrade_schema and revision != head_revision():
        upgrade(engine)
    return EventLog(engine)
