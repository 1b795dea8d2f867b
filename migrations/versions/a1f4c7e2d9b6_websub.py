"""websub: a feed's hub and our subscription to it (pushed items, lease, last push)

Revision ID: a1f4c7e2d9b6
Revises: e5c9a1d7b3f2
Create Date: 2026-12-03 15:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a1f4c7e2d9b6"
down_revision = "e5c9a1d7b3f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "hub_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("hub_url", sa.String(2000), nullable=False),
        sa.Column("topic_url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("asked_mode", sa.String(20), nullable=True),
        sa.Column("lease_seconds", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_push_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("push_count", sa.Integer(), nullable=False),
        sa.Column("refused_count", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
            name="fk_hub_subscription_source_id_source",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_hub_subscription"),
        sa.UniqueConstraint("source_id", name="uq_hub_subscription_source_id"),
    )
    op.create_index("ix_hub_subscription_due_at", "hub_subscription", ["due_at"])


def downgrade():
    op.drop_index("ix_hub_subscription_due_at", table_name="hub_subscription")
    op.drop_table("hub_subscription")
