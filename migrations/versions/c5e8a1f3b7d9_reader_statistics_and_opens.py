"""per-reader statistics and open tracking: clicks may name a delivery row; opens counted

Revision ID: c5e8a1f3b7d9
Revises: c3e5a7b9d1f2
Create Date: 2026-12-03 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c5e8a1f3b7d9"
down_revision = "c3e5a7b9d1f2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("newsletter") as batch:
        batch.add_column(
            sa.Column("tracks_readers", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("tracks_opens", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("click") as batch:
        batch.add_column(sa.Column("delivery_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_click_delivery_id_delivery", "delivery", ["delivery_id"], ["id"],
            ondelete="CASCADE",
        )
        batch.create_index("ix_click_delivery_id", ["delivery_id"])
    op.create_table(
        "mail_open",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("variant", sa.Integer(), nullable=False),
        sa.Column("visitor", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["edition.id"], name="fk_mail_open_edition_id_edition",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["delivery.id"], name="fk_mail_open_delivery_id_delivery",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mail_open"),
    )
    op.create_index("ix_mail_open_edition_id", "mail_open", ["edition_id", "visitor"])
    op.create_index("ix_mail_open_delivery_id", "mail_open", ["delivery_id"])
    op.create_table(
        "open_total",
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("variant", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Integer(), nullable=False),
        sa.Column("unique_openers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["edition.id"], name="fk_open_total_edition_id_edition",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("edition_id", "variant", name="pk_open_total"),
    )


def downgrade():
    op.drop_table("open_total")
    op.drop_index("ix_mail_open_delivery_id", table_name="mail_open")
    op.drop_index("ix_mail_open_edition_id", table_name="mail_open")
    op.drop_table("mail_open")
    with op.batch_alter_table("click") as batch:
        batch.drop_index("ix_click_delivery_id")
        batch.drop_constraint("fk_click_delivery_id_delivery", type_="foreignkey")
        batch.drop_column("delivery_id")
    with op.batch_alter_table("newsletter") as batch:
        batch.drop_column("tracks_opens")
        batch.drop_column("tracks_readers")
