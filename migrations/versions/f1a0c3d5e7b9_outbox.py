"""outbox: service mail written with the change that causes it, sent after the commit

Revision ID: f1a0c3d5e7b9
Revises: d4b1f6a2c8e5
Create Date: 2026-12-02 20:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = "f1a0c3d5e7b9"
down_revision = "d4b1f6a2c8e5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("envelope_from", sa.String(320), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_mail"),
    )
    op.create_index(
        "ix_outbox_mail_sent_at", "outbox_mail", ["sent_at", "next_attempt_at"]
    )


def downgrade():
    op.drop_index("ix_outbox_mail_sent_at", table_name="outbox_mail")
    op.drop_table("outbox_mail")
