"""Opening the event log and keeping its schema current with Alembic."""

from __future__ import annotations

from importlib import resources

from sqlalchemy import Engine, inspect, text

from activities.eventlog import EventLog, MissingLog, make_engine

# The newest migration in migrations/versions (a test keeps it equal to Alembic's head).
# Every command opens the log; reading the version row costs nothing, while loading
# Alembic and parsing the migration scripts cost about 0.1 s of each command (measured).
HEAD = "0002"


def _alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("activities") / "migrations"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    config = _alembic_config()
    # Alembic runs its own transaction; SQLite's BEGIN IMMEDIATE hook is harmless here.
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.commit()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str:
    """Alembic's own head, from the migration scripts."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def open_event_log(url: str, *, upgrade_schema: bool = True, create: bool = True) -> EventLog:
    """The event log at `url`, its schema brought up to date (the worker's; a reader, with
    `upgrade_schema=False`, is told to run `ccm db upgrade` instead). With `create=False`
    (every caller but `ccm db upgrade`) a missing log, or a database without one, is
    MissingLog naming where it looked, never a new empty log."""
    engine = make_engine(url, create=create)
    revision = current_revision(engine)
    if revision is None and not create:
        engine.dispose()
        raise MissingLog(
            f"the database {engine.url.render_as_string(hide_password=True)} holds no event log: "
            "create it with `ccm db upgrade`"
        )
    if revision != HEAD:
        if not upgrade_schema:
            engine.dispose()
            raise MissingLog(
                f"the event log at {engine.url.render_as_string(hide_password=True)} is at revision "
                f"{revision}, not {HEAD}: bring it up to date with `ccm db upgrade`"
            )
        upgrade(engine)
    return EventLog(engine)
