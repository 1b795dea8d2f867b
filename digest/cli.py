"""`flask digest ...`: a thin shell over the pipeline's operations."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from digest import audience
from digest.deliver import send_edition
from digest.deliver.notices import send_confirmation
from digest.deliver.transport import DeliveryFailure
from digest.edition import build_edition
from digest.errors import DigestError, NotFound
from digest.extensions import db
from digest.ingest import IngestError, iter_article_files, read_article_file
from digest.ingest.poll import add_source, import_source, poll_newsletter_sources
from digest.ingest.store import StoreResult, store_articles
from digest.models import Edition, Newsletter, User

digest_cli = AppGroup("digest", help="Build and deliver newsletter digests.")


def one_line_errors(command):
    """Turn the errors a person can fix into one line on stderr and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (DigestError, IngestError, DeliveryFailure, OSError) as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc

    return wrapper


def newsletter_by_slug(slug: str) -> Newsletter:
    newsletter = db.session.scalars(select(Newsletter).where(Newsletter.slug == slug)).first()
    if newsletter is None:
        raise NotFound("newsletter", slug)
    return newsletter


@digest_cli.group("newsletter")
def newsletter_group() -> None:
    """Create and list newsletters."""


@newsletter_group.command("create")
@click.argument("slug")
@click.option("--title", required=True, help="Name shown to subscribers.")
@click.option("--from", "from_email", help="Sender address (default DIGEST_MAIL_FROM).")
@click.option("--schedule", help="Cron expression, e.g. '0 7 * * mon-fri'.")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone.")
@one_line_errors
def newsletter_create(slug, title, from_email, schedule, timezone) -> None:
    """Create newsletter SLUG."""
    from digest.schedule.triggers import check_schedule

    check_schedule(schedule, timezone)
    if db.session.scalars(select(Newsletter).where(Newsletter.slug == slug)).first():
        raise DigestError(f"newsletter {slug} already exists")
    address = audience.normalise_email(from_email or current_app.config["MAIL_FROM"])
    db.session.add(
        Newsletter(
            slug=slug, title=title, from_email=address, schedule_cron=schedule, timezone=timezone
        )
    )
    db.session.commit()
    click.echo(f"created newsletter {slug}")


@newsletter_group.command("list")
def newsletter_list() -> None:
    """List newsletters."""
    for n in db.session.scalars(select(Newsletter).order_by(Newsletter.slug)):
        click.echo(f"{n.slug}\t{n.title}\t{n.schedule_cron or '-'}\t{n.timezone}")


@digest_cli.group("sources")
def sources_group() -> None:
    """Manage a newsletter's sources."""


@sources_group.command("add")
@click.argument("location")
@click.option("--newsletter", "slug", required=True)
@click.option("--name", help="Display name (default: the feed's title).")
@one_line_errors
def sources_add(location, slug, name) -> None:
    """Add a feed or page URL, or a local feed file / folder of article files."""
    source = add_source(newsletter_by_slug(slug), location, name)
    db.session.commit()
    click.echo(f"source {source.id}: {source.kind.value} {source.location}")


@digest_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--newsletter", "slug", required=True)
@one_line_errors
def import_articles(paths, slug) -> None:
    """Import article files (text, HTML, JSON, .eml) or folders of them now."""
    newsletter = newsletter_by_slug(slug)
    for path in paths:
        if not path.exists():
            raise DigestError(f"no such file or folder: {path}")
    files = list(iter_article_files(list(paths)))
    source = import_source(newsletter)
    total = StoreResult()
    with click.progressbar(files, label="importing", file=sys.stderr) as bar:
        for path in bar:
            total += store_articles(source, read_article_file(path))
    db.session.commit()
    click.echo(f"{total.added} added, {total.updated} updated, {total.unchanged} unchanged")


@digest_cli.command("poll")
@click.option("--newsletter", "slug", help="Only this newsletter's sources.")
@one_line_errors
def poll(slug) -> None:
    """Fetch every active source now and print a line per source."""
    newsletter = newsletter_by_slug(slug) if slug else None
    failures = 0
    for outcome in poll_newsletter_sources(newsletter):
        name = outcome.source.name
        if outcome.error:
            failures += 1
            paused = "" if outcome.source.is_active else " (paused)"
            click.echo(f"FAIL {name}: {outcome.error}{paused}")
        elif outcome.is_not_modified:
            click.echo(f"ok   {name}: not modified")
        else:
            r = outcome.result
            click.echo(f"ok   {name}: {r.added} new, {r.updated} updated, {r.unchanged} unchanged")
    if failures:
        click.echo(f"{failures} source(s) failed; the others were stored", err=True)


@digest_cli.group("subscribers")
def subscribers_group() -> None:
    """Manage subscribers."""


@subscribers_group.command("import")
@click.argument("csv_path", type=click.Path(path_type=Path))
@click.option("--newsletter", "slug", required=True)
@click.option(
    "--confirm",
    "needs_confirmation",
    is_flag=True,
    help="Send opt-in mails instead of activating the addresses now.",
)
@one_line_errors
def subscribers_import(csv_path, slug, needs_confirmation) -> None:
    """Import subscribers from a CSV with an 'email' column (and optional name, topics)."""
    newsletter = newsletter_by_slug(slug)
    if not csv_path.is_file():
        raise DigestError(f"no such file: {csv_path}")
    with csv_path.open(newline="", encoding="utf-8-sig") as stream:
        report = audience.import_csv(newsletter, stream, needs_confirmation)
    db.session.commit()
    for subscription in report.pending_confirmation:
        send_confirmation(subscription)
    click.echo(f"{report.added} added, {report.existing} already there")
    if report.errors:
        for error in report.errors:
            click.echo(error, err=True)
        raise click.ClickException(f"{len(report.errors)} bad row(s) skipped; the rest imported")


@digest_cli.command("build")
@click.argument("slug")
@one_line_errors
def build(slug) -> None:
    """Build the next edition of SLUG; prints its id alone on the last line."""
    edition = build_edition(newsletter_by_slug(slug))
    db.session.commit()
    stories = sum(len(s["stories"]) for s in edition.snapshot["sections"])
    click.echo(f"edition {edition.id}: {len(edition.items)} articles in {stories} stories")
    click.echo(edition.id)


@digest_cli.command("preview")
@click.argument("edition_id", type=int)
@click.option("--html", "html_path", type=click.Path(path_type=Path), help="Write the HTML here.")
@click.option("--text", "text_path", type=click.Path(path_type=Path), help="Write the text here.")
@one_line_errors
def preview(edition_id, html_path, text_path) -> None:
    """Write EDITION as a subscriber would get it."""
    from digest.web.preview import preview_message

    message = preview_message(edition_by_id(edition_id))
    if html_path:
        html_path.write_text(message.html, encoding="utf-8")
    if text_path:
        text_path.write_text(message.text, encoding="utf-8")
    if not (html_path or text_path):
        click.echo(message.text)


def edition_by_id(edition_id: int) -> Edition:
    edition = db.session.get(Edition, edition_id)
    if edition is None:
        raise NotFound("edition", edition_id)
    return edition


@digest_cli.command("send")
@click.argument("edition_id", type=int)
@one_line_errors
def send(edition_id) -> None:
    """Release EDITION and deliver it; running it again resumes and never re-sends."""
    from time import monotonic

    from digest.deliver import delivery_counts

    edition_by_id(edition_id)
    sent_before, started = delivery_counts(edition_id)["sent"], monotonic()
    db.session.rollback()
    app = current_app._get_current_object()

    def rate(counts: dict[str, int]) -> float:
        """Messages accepted per second by this run."""
        return (counts["sent"] - sent_before) / max(monotonic() - started, 1e-3)

    with click.progressbar(
        length=1,
        label="sending",
        file=sys.stderr,
        show_pos=True,
        item_show_func=lambda r: None if r is None else f"{r:.1f} msg/s",
    ) as bar:

        def progress(counts: dict[str, int]) -> None:
            done = counts["sent"] + counts["failed"] + counts["skipped"]
            bar.length = max(1, done + counts["pending"] + counts["retrying"])
            bar.update(done - bar.pos, current_item=rate(counts))

        counts = send_edition(app, edition_id, progress)
        progress(counts)
    summary = ", ".join(f"{k} {v}" for k, v in counts.items())
    click.echo(f"{summary} ({rate(counts):.1f} msg/s)")
    status = db.session.get(Edition, edition_id)
    if status.pause_reason:
        raise click.ClickException(f"paused: {status.pause_reason}; run send again to resume")


@digest_cli.command("scheduler")
def scheduler() -> None:
    """Run the scheduler process (exactly one per database)."""
    from digest.schedule import run_scheduler

    try:
        run_scheduler(current_app._get_current_object())
    except DigestError as exc:
        raise click.ClickException(str(exc)) from exc


@digest_cli.group("users")
def users_group() -> None:
    """Accounts for the editor and admin pages."""


@users_group.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", "is_admin", is_flag=True)
@one_line_errors
def users_create(email, password, is_admin) -> None:
    """Create an editor (or --admin) account."""
    from werkzeug.security import generate_password_hash

    address = audience.normalise_email(email)
    if db.session.scalars(select(User).where(User.email == address)).first():
        raise DigestError(f"user {address} already exists")
    db.session.add(
        User(email=address, password_hash=generate_password_hash(password), is_admin=is_admin)
    )
    db.session.commit()
    click.echo(f"created {'admin' if is_admin else 'editor'} {address}")
