"""editions that learn: a newsletter may order stories by readers' clicks; an edition says so

Revision ID: e5c9a1d7b3f2
Revises: c5e8a1f3b7d9
Create Date: 2026-12-03 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "e5c9a1d7b3f2"
down_revision = "c5e8a1f3b7d9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("newsletter") as batch:
        batch.add_column(
            sa.Column("orders_by_clicks", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("edition") as batch:
        batch.add_column(
            sa.Column("ordered_by_clicks", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("edition") as batch:
        batch.drop_column("ordered_by_clicks")
    with op.batch_alter_table("newsletter") as batch:
        batch.drop_column("orders_by_clicks")
