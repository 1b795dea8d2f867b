"""subject tests: other subject lines tried on a sample, the winner sent to the rest

Revision ID: c3e5a7b9d1f2
Revises: b8d2f4a6c1e3
Create Date: 2026-12-03 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c3e5a7b9d1f2"
down_revision = "b8d2f4a6c1e3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("edition") as batch:
        batch.add_column(sa.Column("other_subjects", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("test_share", sa.Integer(), server_default="20", nullable=False)
        )
        batch.add_column(
            sa.Column("test_minutes", sa.Integer(), server_default="60", nullable=False)
        )
        batch.add_column(sa.Column("test_winner", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("test_decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("test_decision", sa.String(300), nullable=True))
        batch.add_column(sa.Column("test_results", sa.JSON(), nullable=True))
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(
            sa.Column("variant", sa.SmallInteger(), server_default="0", nullable=True)
        )
    with op.batch_alter_table("click") as batch:
        batch.add_column(
            sa.Column("variant", sa.SmallInteger(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("click") as batch:
        batch.drop_column("variant")
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("variant")
    with op.batch_alter_table("edition") as batch:
        for name in (
            "test_results", "test_decision", "test_decided_at", "test_winner",
            "test_minutes", "test_share", "other_subjects",
        ):
            batch.drop_column(name)
