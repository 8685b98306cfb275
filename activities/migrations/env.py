"""Alembic environment: the connection is handed in by `activities.database.upgrade`."""

from alembic import context

from activities.eventlog import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
