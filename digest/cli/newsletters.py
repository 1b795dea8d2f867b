"""`digest newsletter ...`: create, change and list newsletters."""

from __future__ import annotations

from difflib import get_close_matches
from typing import TYPE_CHECKING

import click

from digest.errors import DigestError, NotFound
from digest.extensions import db

if TYPE_CHECKING:
    from digest.models import Newsletter


def newsletter_named(slug: str) -> Newsletter:
    """The newsletter SLUG names; an unknown one is refused with the closest slug, if any."""
    from digest import newsletters

    try:
        return newsletters.get_newsletter(slug)
    except NotFound as unknown:
        slugs = [n.slug for n in newsletters.list_newsletters()]
        close = get_close_matches(slug.lower(), slugs, n=1)
        if not close:
            raise
        raise DigestError(f"{unknown} (did you mean {close[0]}?)") from unknown


@click.group("newsletter")
def newsletter_group() -> None:
    """Create, change and list newsletters."""


@newsletter_group.command("create")
@click.argument("slug")
@click.option("--title", required=True, help="Name shown to subscribers.")
@click.option("--from", "from_email", help="Sender address (default DIGEST_MAIL_FROM).")
@click.option("--schedule", help="Cron expression, e.g. '0 7 * * mon-fri'.")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone.")
@click.option("--summary-sentences", default=2, show_default=True, help="1 to 3 a story.")
@click.option("--summary-words", default=55, show_default=True, help="Word budget; 0: none.")
@click.option("--topics", help="Topics readers may choose, comma-separated (default: sections).")
@click.option("--offer-weekly", is_flag=True, help="Readers may also choose one email a week.")
@click.option("--weekly-schedule", help="Cron line of the weekly edition, e.g. '0 8 * * sun'.")
def create(
    slug: str,
    title: str,
    from_email: str | None,
    schedule: str | None,
    timezone: str,
    summary_sentences: int,
    summary_words: int,
    topics: str | None,
    offer_weekly: bool,
    weekly_schedule: str | None,
) -> None:
    """Create newsletter SLUG (1-64 lower-case letters, digits and hyphens)."""
    from digest import newsletters
    from digest.context import current_settings

    sender = from_email or current_settings().delivery.mail_from
    newsletter = newsletters.create_newsletter(
        slug, title, sender, schedule, timezone, summary_sentences, summary_words
    )
    newsletters.update_newsletter(
        newsletter, topic_choices=topics, offers_weekly=offer_weekly, weekly_cron=weekly_schedule
    )
    db.session.commit()
    click.echo(f"created newsletter {slug}")


@newsletter_group.command("update")
@click.argument("slug")
@click.option("--topics", help="Topics readers may choose, comma-separated; '' for sections.")
@click.option(
    "--offer-weekly/--no-offer-weekly",
    default=None,
    help="Offer (or stop offering) one email a week; weekly readers then get every edition.",
)
@click.option("--weekly-schedule", help="Cron line of the weekly edition, e.g. '0 8 * * sun'.")
def update(
    slug: str, topics: str | None, offer_weekly: bool | None, weekly_schedule: str | None
) -> None:
    """Change the topics or the weekly offer of newsletter SLUG; what is not given stays."""
    from digest import newsletters

    newsletter = newsletter_named(slug)
    given = {"topic_choices": topics, "offers_weekly": offer_weekly, "weekly_cron": weekly_schedule}
    newsletters.update_newsletter(newsletter, **{k: v for k, v in given.items() if v is not None})
    db.session.commit()
    click.echo(f"updated newsletter {slug}: {describe_offer(newsletter)}")


def describe_offer(newsletter: Newsletter) -> str:
    """What readers may choose: the topics and the weekly edition."""
    topics = ", ".join(newsletter.topic_choices or []) or "its sections"
    weekly = f"weekly at '{newsletter.weekly_cron}'" if newsletter.offers_weekly else "no weekly"
    return f"topics {topics}; {weekly}"


@newsletter_group.command("list")
def list_all() -> None:
    """List newsletters."""
    from digest import newsletters

    for n in newsletters.list_newsletters():
        click.echo(f"{n.slug}\t{n.title}\t{n.schedule_cron or '-'}\t{n.timezone}")


def register(group: click.Group) -> None:
    group.add_command(newsletter_group)
