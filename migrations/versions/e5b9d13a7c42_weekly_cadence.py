"""weekly editions: an edition's cadence, one edition per newsletter, cadence and slot

A weekly edition of a daily newsletter gathers the week's stories again, so an
article may be in one edition of each cadence: EditionItem carries the cadence
of its edition, and both unique keys include it.

Revision ID: e5b9d13a7c42
Revises: c7a2e4f19b30
Create Date: 2026-11-27 20:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e5b9d13a7c42"
down_revision = "c7a2e4f19b30"
branch_labels = None
depends_on = None


def _cadence() -> sa.Column:
    return sa.Column("cadence", sa.String(10), server_default="every", nullable=False)


def upgrade():
    with op.batch_alter_table("edition", schema=None) as batch_op:
        batch_op.add_column(_cadence())
        batch_op.drop_constraint("uq_edition_newsletter_id_slot", type_="unique")
        batch_op.create_unique_constraint(
            "uq_edition_newsletter_id_cadence_slot", ["newsletter_id", "cadence", "slot"]
        )
    with op.batch_alter_table("edition_item", schema=None) as batch_op:
        batch_op.add_column(_cadence())
        batch_op.drop_constraint("uq_edition_item_newsletter_id_article_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_edition_item_newsletter_id_cadence_article_id",
            ["newsletter_id", "cadence", "article_id"],
        )


def downgrade():
    with op.batch_alter_table("edition_item", schema=None) as batch_op:
        batch_op.drop_constraint("uq_edition_item_newsletter_id_cadence_article_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_edition_item_newsletter_id_article_id", ["newsletter_id", "article_id"]
        )
        batch_op.drop_column("cadence")
    with op.batch_alter_table("edition", schema=None) as batch_op:
        batch_op.drop_constraint("uq_edition_newsletter_id_cadence_slot", type_="unique")
        batch_op.create_unique_constraint("uq_edition_newsletter_id_slot", ["newsletter_id", "slot"])
        batch_op.drop_column("cadence")
