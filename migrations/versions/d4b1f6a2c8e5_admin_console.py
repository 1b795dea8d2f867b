"""admin console: sender name, articles shared between newsletters, user deactivation and invites, indexes

source_article links every source that brought an article (so one article can serve several
newsletters); it is filled from article.source_id. User gains is_active and invited_at.
Indexes for subscriber search (subscription by subscriber) and the job history.

Revision ID: d4b1f6a2c8e5
Revises: c7a2e4f19d05
Create Date: 2026-11-27 20:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "d4b1f6a2c8e5"
down_revision = "c7a2e4f19d05"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "source_article",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name="fk_source_article_source_id_source",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"], name="fk_source_article_article_id_article",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "article_id", name="pk_source_article"),
    )
    op.create_index("ix_source_article_article_id", "source_article", ["article_id"])
    op.create_index(
        "ix_source_article_source_id", "source_article", ["source_id", "linked_at"]
    )
    op.execute(
        "INSERT INTO source_article (source_id, article_id, linked_at) "
        "SELECT source_id, id, fetched_at FROM article"
    )
    op.create_index("ix_subscription_subscriber_id", "subscription", ["subscriber_id"])
    op.create_index("ix_job_run_job", "job_run", ["job", "started_at"])
    op.create_index("ix_job_run_started_at", "job_run", ["started_at"])
    with op.batch_alter_table("newsletter") as batch:
        batch.add_column(sa.Column("from_name", sa.String(200), nullable=True))
    with op.batch_alter_table("user") as batch:
        batch.add_column(
            sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("user") as batch:
        batch.drop_column("invited_at")
        batch.drop_column("is_active")
    with op.batch_alter_table("newsletter") as batch:
        batch.drop_column("from_name")
    op.drop_index("ix_job_run_started_at", "job_run")
    op.drop_index("ix_job_run_job", "job_run")
    op.drop_index("ix_subscription_subscriber_id", "subscription")
    op.drop_table("source_article")
