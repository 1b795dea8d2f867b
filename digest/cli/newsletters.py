"""`digest newsletter ...`: create and list newsletters."""

from __future__ import annotations

import click

from digest.app import current_settings
from digest.extensions import db


@click.group("newsletter")
def newsletter_group() -> None:
    """Create and list newsletters."""


@newsletter_group.command("create")
@click.argument("slug")
@click.option("--title", required=True, help="Name shown to subscribers.")
@click.option("--from", "from_email", help="Sender address (default DIGEST_MAIL_FROM).")
@click.option("--schedule", help="Cron expression, e.g. '0 7 * * mon-fri'.")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone.")
@click.option("--summary-sentences", default=2, show_default=True, help="1 to 3 a story.")
@click.option("--summary-words", default=55, show_default=True, help="Word budget; 0: none.")
def create(
    slug: str,
    title: str,
    from_email: str | None,
    schedule: str | None,
    timezone: str,
    summary_sentences: int,
    summary_words: int,
) -> None:
    """Create newsletter SLUG (1-64 lower-case letters, digits and hyphens)."""
    from digest import newsletters

    sender = from_email or current_settings().delivery.mail_from
    newsletters.create_newsletter(
        slug, title, sender, schedule, timezone, summary_sentences, summary_words
    )
    db.session.commit()
    click.echo(f"created newsletter {slug}")


@newsletter_group.command("list")
def list_all() -> None:
    """List newsletters."""
    from digest import newsletters

    for n in newsletters.list_newsletters():
        click.echo(f"{n.slug}\t{n.title}\t{n.schedule_cron or '-'}\t{n.timezone}")


def register(group: click.Group) -> None:
    group.add_command(newsletter_group)
