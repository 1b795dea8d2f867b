"""click statistics: tracked story links counted without knowing who clicked

Revision ID: b8d2f4a6c1e3
Revises: a7c3e9f1b2d4
Create Date: 2026-12-03 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "b8d2f4a6c1e3"
down_revision = "a7c3e9f1b2d4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("newsletter") as batch:
        batch.add_column(
            sa.Column("tracks_clicks", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(
            sa.Column("click_window_days", sa.Integer(), server_default="30", nullable=False)
        )
    op.create_table(
        "click_salt",
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["edition.id"], name="fk_click_salt_edition_id_edition",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("edition_id", name="pk_click_salt"),
    )
    op.create_table(
        "click",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.Integer(), nullable=False),
        sa.Column("story", sa.Integer(), nullable=False),
        sa.Column("visitor", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("could_be_human", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["edition.id"], name="fk_click_edition_id_edition", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_click"),
    )
    op.create_index("ix_click_edition_id", "click", ["edition_id", "visitor", "at"])
    op.create_table(
        "click_total",
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.Integer(), nullable=False),
        sa.Column("story", sa.Integer(), nullable=False),
        sa.Column("human", sa.Integer(), nullable=False),
        sa.Column("machine", sa.Integer(), nullable=False),
        sa.Column("unique_clickers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["edition.id"], name="fk_click_total_edition_id_edition",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("edition_id", "section", "story", name="pk_click_total"),
    )


def downgrade():
    op.drop_table("click_total")
    op.drop_index("ix_click_edition_id", table_name="click")
    op.drop_table("click")
    op.drop_table("click_salt")
    with op.batch_alter_table("newsletter") as batch:
        batch.drop_column("click_window_days")
        batch.drop_column("tracks_clicks")
