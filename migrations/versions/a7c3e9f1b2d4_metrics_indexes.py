"""metrics: messages sent in the last minute and retries waiting, each read from an index

Revision ID: a7c3e9f1b2d4
Revises: f1a0c3d5e7b9
Create Date: 2026-12-03 06:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a7c3e9f1b2d4"
down_revision = "f1a0c3d5e7b9"
branch_labels = None
depends_on = None

RETRYING = "status = 'pending' AND attempts > 0"


def upgrade():
    op.create_index("ix_delivery_sent_at", "delivery", ["sent_at"])
    op.create_index(
        "ix_delivery_retrying",
        "delivery",
        ["edition_id"],
        postgresql_where=sa.text(RETRYING),
        sqlite_where=sa.text(RETRYING),
    )


def downgrade():
    op.drop_index("ix_delivery_retrying", table_name="delivery")
    op.drop_index("ix_delivery_sent_at", table_name="delivery")
