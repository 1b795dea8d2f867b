"""edition lifecycle and the failure streak in the ledger

Edition.approved_at: when an editor (or an auto-send newsletter) approved it.
Delivery.attempted_at / failure_kind: the last attempt of a row and the kind of
its failure, from which the edition's failure streak is read.

Revision ID: 7d2f3a9c4e10
Revises: 5c1e0a7b2d41
Create Date: 2026-11-27 18:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "7d2f3a9c4e10"
down_revision = "5c1e0a7b2d41"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("edition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failure_kind", sa.String(length=40), nullable=True))
        batch_op.create_index(
            "ix_delivery_edition_id_attempted_at", ["edition_id", "attempted_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_edition_id_attempted_at")
        batch_op.drop_column("failure_kind")
        batch_op.drop_column("attempted_at")
    with op.batch_alter_table("edition", schema=None) as batch_op:
        batch_op.drop_column("approved_at")
