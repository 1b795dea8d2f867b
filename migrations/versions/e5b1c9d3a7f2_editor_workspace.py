"""editor workspace: edited headlines and summaries, renamed sections, send time

EditionItem.headline_override / summary_override hold the editor's texts (NULL:
the article's own); Edition.section_renames maps a built section name to the
editor's name, so a rebuild files new stories under the renamed section;
Edition.send_at is when an approved edition may go out (its slot, or at once).

Revision ID: e5b1c9d3a7f2
Revises: e5b9d13a7c42
Create Date: 2026-11-27 19:55:00

"""
import sqlalchemy as sa
from alembic import op

revision = "e5b1c9d3a7f2"
down_revision = "e5b9d13a7c42"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("edition_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headline_override", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("summary_override", sa.Text(), nullable=True))
    with op.batch_alter_table("edition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("section_renames", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("send_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("edition", schema=None) as batch_op:
        batch_op.drop_column("send_at")
        batch_op.drop_column("section_renames")
    with op.batch_alter_table("edition_item", schema=None) as batch_op:
        batch_op.drop_column("summary_override")
        batch_op.drop_column("headline_override")
