"""source boilerplate and editor sections

Source.boilerplate: the lines each source repeats across its articles.
Newsletter.sections: the editor's keyword sections.

Revision ID: 5c1e0a7b2d41
Revises: 488db00b1d73
Create Date: 2026-11-25 16:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "5c1e0a7b2d41"
down_revision = "488db00b1d73"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("boilerplate", sa.JSON(), nullable=True))
    with op.batch_alter_table("newsletter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sections", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("newsletter", schema=None) as batch_op:
        batch_op.drop_column("sections")
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("boilerplate")
