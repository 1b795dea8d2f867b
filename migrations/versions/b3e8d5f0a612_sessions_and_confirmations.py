"""session versions and the last confirmation mail

User.session_version: part of every session id; raised at sign-out to end them all.
Subscriber.confirmation_sent_at: at most one opt-in mail per address per day.

Revision ID: b3e8d5f0a612
Revises: 9a4c1e2b7f31
Create Date: 2026-11-27 19:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = "b3e8d5f0a612"
down_revision = "9a4c1e2b7f31"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("confirmation_sent_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.drop_column("confirmation_sent_at")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_version")
