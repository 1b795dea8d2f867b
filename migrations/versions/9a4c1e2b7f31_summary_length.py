"""summary length per newsletter

Newsletter.summary_sentences (1-3, default 2) and summary_words (default 55,
NULL for no word budget): how long each story's summary is.

Revision ID: 9a4c1e2b7f31
Revises: 7d2f3a9c4e10
Create Date: 2026-11-27 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "9a4c1e2b7f31"
down_revision = "7d2f3a9c4e10"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("newsletter", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("summary_sentences", sa.Integer(), server_default="2", nullable=False)
        )
        batch_op.add_column(sa.Column("summary_words", sa.Integer(), nullable=True))
    op.execute("UPDATE newsletter SET summary_words = 55")


def downgrade():
    with op.batch_alter_table("newsletter", schema=None) as batch_op:
        batch_op.drop_column("summary_words")
        batch_op.drop_column("summary_sentences")
