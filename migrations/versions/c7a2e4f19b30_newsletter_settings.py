"""newsletter settings, subscriber frequency and pauses, private editions

Newsletter: description, reply-to, postal address, look-back window, story limits, auto-send or
review-first with its window, images on or off, the topics offered, a weekly slot, archived.
Subscription: frequency (every edition or weekly) and a pause. Edition: preheader, private.

Revision ID: c7a2e4f19b30
Revises: b3e8d5f0a612
Create Date: 2026-11-27 19:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c7a2e4f19b30"
down_revision = "b3e8d5f0a612"
branch_labels = None
depends_on = None

NEWSLETTER = [
    sa.Column("description", sa.Text(), nullable=True),
    sa.Column("reply_to", sa.String(254), nullable=True),
    sa.Column("postal_address", sa.Text(), nullable=True),
    sa.Column("lookback_days", sa.Integer(), server_default="7", nullable=False),
    sa.Column("min_stories", sa.Integer(), server_default="1", nullable=False),
    sa.Column("max_stories", sa.Integer(), server_default="30", nullable=False),
    sa.Column("send_mode", sa.String(10), server_default="auto", nullable=False),
    sa.Column("review_minutes", sa.Integer(), server_default="120", nullable=False),
    sa.Column("show_images", sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column("topic_choices", sa.JSON(), nullable=True),
    sa.Column("offers_weekly", sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column("weekly_cron", sa.String(120), nullable=True),
    sa.Column("is_archived", sa.Boolean(), server_default=sa.false(), nullable=False),
]
SUBSCRIPTION = [
    sa.Column("frequency", sa.String(10), server_default="every", nullable=False),
    sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
]
EDITION = [
    sa.Column("preheader", sa.String(300), nullable=True),
    sa.Column("is_private", sa.Boolean(), server_default=sa.false(), nullable=False),
]
TABLES = {"newsletter": NEWSLETTER, "subscription": SUBSCRIPTION, "edition": EDITION}


def upgrade():
    for table, columns in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.add_column(column)


def downgrade():
    for table, columns in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(columns):
                batch_op.drop_column(column.name)
