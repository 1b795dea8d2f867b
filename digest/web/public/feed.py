"""The archive's Atom feed (RFC 4287), written by feedgen; each entry holds the whole edition."""

from __future__ import annotations

from flask import render_template

from digest.context import external_url
from digest.deliver.archive import ArchiveEntry
from digest.models import Newsletter
from digest.render import parse_snapshot


def atom_feed(newsletter: Newsletter, entries: list[ArchiveEntry]) -> bytes:
    """The feed document: newest edition first, its links on DIGEST_BASE_URL."""
    from feedgen.feed import FeedGenerator  # loaded when a feed is asked for

    archive = external_url("public.archive_list", slug=newsletter.slug)
    generator = FeedGenerator()
    generator.id(archive)
    generator.title(newsletter.title)
    generator.subtitle(newsletter.description or f"Every edition of {newsletter.title}")
    generator.author({"name": newsletter.title})
    generator.link(href=archive, rel="alternate", type="text/html")
    feed = external_url("public.feed", slug=newsletter.slug)
    generator.link(href=feed, rel="self", type="application/atom+xml")
    generator.language("en")
    generator.updated(entries[0].edition.released_at if entries else newsletter.created_at)
    for entry in reversed(entries):  # feedgen prepends: the newest ends up first
        _add_entry(generator, entry)
    return generator.atom_str(pretty=True)


def _add_entry(generator, entry: ArchiveEntry) -> None:
    edition = entry.edition
    url = external_url("public.archive", slug=edition.newsletter.slug, edition_id=edition.id)
    item = generator.add_entry()
    item.id(url)
    item.title(entry.subject)
    item.link(href=url, rel="alternate", type="text/html")
    item.published(edition.released_at)
    item.updated(edition.released_at)
    view = parse_snapshot(edition.snapshot or {})
    item.summary(f"{entry.story_count} stories")
    body = render_template("public/feed_entry.html", view=view, url=url, story_anchor=story_anchor)
    item.content(body, type="html")


def story_anchor(section_number: int, story_number: int) -> str:
    """The id of a story's heading on the archive page (templates/email/digest.mjml.j2 names
    them so, both numbers from 1 and sections counted as in the snapshot): a story with no web
    page of its own is linked there."""
    return f"story-{section_number}-{story_number}"
