"""delivery events (bounces, complaints, unsubscribes by mail) and pause thresholds

DeliveryEvent: what came back about a delivery row and what digest did about it.
Newsletter.pause_bounce_rate / pause_complaint_rate: a sending edition pauses above these.

Revision ID: c7a2e4f19d05
Revises: e5b1c9d3a7f2
Create Date: 2026-11-27 19:50:00

"""
import sqlalchemy as sa
from alembic import op

import digest.models

revision = "c7a2e4f19d05"
down_revision = "e5b1c9d3a7f2"
branch_labels = None
depends_on = None

KINDS = ("hard_bounce", "soft_bounce", "delayed", "complaint", "unsubscribe", "auto_reply", "unknown")


def upgrade():
    with op.batch_alter_table("newsletter", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pause_bounce_rate", sa.Double(), server_default="0.05", nullable=False)
        )
        batch_op.add_column(
            sa.Column("pause_complaint_rate", sa.Double(), server_default="0.003", nullable=False)
        )
    op.create_table(
        "delivery_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("edition_id", sa.Integer(), nullable=True),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum(*KINDS, name="eventkind", native_enum=False, length=20), nullable=False),
        sa.Column("action", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("recipient_domain", sa.String(length=254), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("requested_at", digest.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_at", digest.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"], name=op.f("fk_delivery_event_delivery_id_delivery"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["edition_id"], ["edition.id"], name=op.f("fk_delivery_event_edition_id_edition"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscriber.id"], name=op.f("fk_delivery_event_subscriber_id_subscriber"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_event")),
        sa.UniqueConstraint("delivery_id", "fingerprint", name=op.f("uq_delivery_event_delivery_id_fingerprint")),
    )
    with op.batch_alter_table("delivery_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_event_subscriber_id"), ["subscriber_id", "kind", "received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_event_edition_id"), ["edition_id", "kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_event_received_at"), ["received_at"], unique=False)


def downgrade():
    op.drop_table("delivery_event")
    with op.batch_alter_table("newsletter", schema=None) as batch_op:
        batch_op.drop_column("pause_complaint_rate")
        batch_op.drop_column("pause_bounce_rate")
