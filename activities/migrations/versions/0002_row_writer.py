"""Each row signed by the worker that wrote it: the key's fingerprint and its signature over
the row's hash (`activities.eventlog.EventLog.writer`). Rows written before stay unsigned.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("writer", sa.String(100), nullable=True))
    op.add_column("events", sa.Column("writer_sig", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("writer_sig")
        batch.drop_column("writer")
