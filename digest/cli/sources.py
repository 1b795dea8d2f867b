"""`digest sources add`, `digest import` and `digest poll`: getting articles in."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from digest.cli.newsletters import newsletter_named
from digest.context import current_settings
from digest.errors import DigestError
from digest.extensions import db
from digest.words import counted

# The ingest step (feedparser, lxml, nh3, datasketch) and the models are imported by the
# commands that use them, so `flask digest --help` and every other command start without it.


@click.group("sources")
def sources_group() -> None:
    """Manage a newsletter's sources."""


@sources_group.command("add")
@click.argument("location")
@click.option("--newsletter", "slug", required=True)
@click.option("--name", help="Display name (default: the feed's title).")
def add(location: str, slug: str, name: str | None) -> None:
    """Add a feed or page URL, or a local feed file / folder of article files."""
    from digest.ingest.poll import add_source
    from digest.ingest.sources import check_address

    newsletter = newsletter_named(slug)
    if "://" in location:  # an address: the checks the admin's Sources page makes
        location = check_address(location, current_settings().ingest)
    source = add_source(newsletter, location, name)
    db.session.commit()
    click.echo(f"source {source.id}: {source.kind.value} {source.location}")
    if not source.is_active:
        click.echo(f"it is paused; `sources resume {source.id}` polls it again", err=True)


@sources_group.command("add-inbound")
@click.option("--newsletter", "slug", required=True)
@click.option("--name", help="Display name (default: the name of the first newsletter mailed in).")
def add_inbound(slug: str, name: str | None) -> None:
    """Add a mail source; its signed address, to subscribe other newsletters with, comes last."""
    from digest.ingest.inaddress import source_address
    from digest.ingest.inbox import add_mail_source

    source = add_mail_source(newsletter_named(slug), name)
    db.session.commit()
    click.echo(f"source {source.id}: mail, for {source.newsletter.title}")
    click.echo(source_address(source.id, current_settings()))


@sources_group.command("list")
@click.option("--newsletter", "slug", help="Only this newsletter's sources.")
def list_all(slug: str | None) -> None:
    """Every source with its health: state, failures in a row, last success, last error."""
    from digest.ingest.sources import list_sources

    newsletter_id = newsletter_named(slug).id if slug else None
    for health in list_sources(newsletter_id):
        s = health.source
        success = s.last_success_at.strftime("%Y-%m-%d %H:%M") if s.last_success_at else "never"
        error = f"\t{s.last_error}" if s.last_error else ""
        click.echo(f"{s.id}\t{health.state}\t{s.failure_count}\t{success}\t{s.name}{error}")


@sources_group.command("resume")
@click.argument("source")
@click.option("--newsletter", "slug", help="The newsletter, when SOURCE is an address.")
def resume(source: str, slug: str | None) -> None:
    """Poll a paused SOURCE (its id or address) again, failures counted from zero."""
    from digest.ingest.sources import find_source, resume_source

    found = find_source(source, newsletter_named(slug) if slug else None)
    resume_source(found)
    db.session.commit()
    click.echo(f"source {found.id} resumed: {found.name}")


@sources_group.command("rename")
@click.argument("source")
@click.argument("name")
@click.option("--newsletter", "slug", help="The newsletter, when SOURCE is an address.")
def rename(source: str, name: str, slug: str | None) -> None:
    """Rename SOURCE (its id or address); readers see the name next to its stories."""
    from digest.ingest.sources import find_source, rename_source

    found = find_source(source, newsletter_named(slug) if slug else None)
    rename_source(found, name)
    db.session.commit()
    click.echo(f"source {found.id} renamed: {found.name}")


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--newsletter", "slug", required=True)
def import_articles(paths: tuple[Path, ...], slug: str) -> None:
    """Import article files (text, HTML, JSON, .eml) or folders of them now."""
    from digest.ingest.imports import import_articles

    bar = functools.partial(click.progressbar, label="importing", file=sys.stderr)
    total = import_articles(newsletter_named(slug), list(paths), progress=bar)
    db.session.commit()
    for rejection in total.rejected:
        click.echo(f"rejected {rejection.reason}", err=True)
    click.echo(f"{total.added} added, {total.updated} updated, {total.unchanged} unchanged")


@click.command("poll")
@click.option("--newsletter", "slug", help="Only this newsletter's sources.")
def poll(slug: str | None) -> None:
    """Fetch every active source now and print a line per source."""
    from digest.ingest.inbox import read_kept_mails
    from digest.ingest.poll import poll_newsletter_sources
    from digest.ingest.sources import paused_sources

    newsletter = newsletter_named(slug) if slug else None
    for mail in read_kept_mails(current_settings().ingest):
        click.echo(f"mail {mail.source.name}: {mail.status.value}, {_mail_result(mail)}")
    polled = failures = 0
    for outcome in poll_newsletter_sources(current_settings().ingest, newsletter):
        polled += 1
        failures += bool(outcome.error)
        click.echo(describe_outcome(outcome))
        for rejection in outcome.result.rejected if outcome.result else []:
            click.echo(f"     rejected {rejection.reason}", err=True)
    paused = paused_sources(newsletter)
    for source in paused:
        click.echo(f"paused {source.id} {source.name}: {source.last_error or 'paused'}", err=True)
    if paused:
        click.echo("resume a source with `sources resume ID`", err=True)
    if not polled and paused:
        raise DigestError(f"every source is paused ({len(paused)})")
    if not polled:
        click.echo("no sources to poll")
    elif failures == polled:
        every = "the only source" if polled == 1 else f"all {polled} sources"
        raise DigestError(f"{every} failed")
    if failures:
        click.echo(f"{counted(failures, 'source')} failed; the others were stored", err=True)


def _mail_result(mail) -> str:
    return counted(mail.article_count, "article") if mail.article_count else (mail.reason or "")


def describe_outcome(outcome) -> str:
    name = outcome.source.name
    if outcome.error:
        paused = "" if outcome.source.is_active else " (paused)"
        return f"FAIL {name}: {outcome.error}{paused}"
    if outcome.is_not_modified:
        return f"ok   {name}: not modified"
    r = outcome.result
    rejected = f", {len(r.rejected)} rejected" if r.rejected else ""
    return f"ok   {name}: {r.added} new, {r.updated} updated, {r.unchanged} unchanged{rejected}"


def register(group: click.Group) -> None:
    for command in (sources_group, import_articles, poll):
        group.add_command(command)
