"""mail sources: newsletters mailed to a signed inbound address, each mail kept with its outcome

Revision ID: a7c3e9f1b5d2
Revises: a1f4c7e2d9b6
Create Date: 2026-12-03 15:00:00

"""
import sqlalchemy as sa
from alembic import op

import digest.models

revision = "a7c3e9f1b5d2"
down_revision = "a1f4c7e2d9b6"
branch_labels = None
depends_on = None

STATUSES = ("pending", "articles", "signup", "empty", "failed")


def upgrade():
    op.create_table(
        "source_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("received_at", digest.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sender", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="mailstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.Column("handled_at", digest.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_source_mail_source_id_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_mail")),
        sa.UniqueConstraint(
            "source_id", "fingerprint", name=op.f("uq_source_mail_source_id_fingerprint")
        ),
    )
    op.create_index(op.f("ix_source_mail_source_id"), "source_mail", ["source_id"])
    op.create_index(
        op.f("ix_source_mail_status"), "source_mail", ["status", "received_at"]
    )


def downgrade():
    op.drop_index(op.f("ix_source_mail_status"), table_name="source_mail")
    op.drop_index(op.f("ix_source_mail_source_id"), table_name="source_mail")
    op.drop_table("source_mail")
