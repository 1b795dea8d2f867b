"""no story twice: an edition item remembers the edition that sent its event before

Revision ID: f3d7b9a1c5e2
Revises: a7c3e9f1b5d2
Create Date: 2026-12-03 15:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "f3d7b9a1c5e2"
down_revision = "a7c3e9f1b5d2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("edition_item") as batch:
        batch.add_column(sa.Column("repeat_of", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("is_update", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("edition_item") as batch:
        batch.drop_column("is_update")
        batch.drop_column("repeat_of")
