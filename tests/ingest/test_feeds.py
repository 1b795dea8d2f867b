"""Feeds of every common shape parse; hostile XML is refused before parsing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from ingest_support import FEEDS

from digest.ingest import FeedError, parse_feed
from digest.ingest.feeds import MAX_TEXT_CHARS


def parse(name: str, url: str | None = None):
    return parse_feed((FEEDS / name).read_bytes(), url=url)


def test_rss_091_with_netscape_doctype_parses() -> None:
    feed = parse("rss091.xml")
    assert feed.title == "Harbour Town Gazette"
    assert [e.url for e in feed.entries] == [
        "https://gazette.example.org/news/ferry-winter",
        "https://gazette.example.org/news/lighthouse",
    ]


def test_rss_10_rdf_gives_dates_authors_and_subjects() -> None:
    comet = parse("rss10.rdf").entries[0]
    assert comet.published_at == datetime(2024, 3, 2, 20, 15, tzinfo=UTC)
    assert comet.author == "Ines Moreau"
    assert comet.categories == ["Astronomy"]


def test_rss_20_content_encoded_is_full_text_and_sanitized() -> None:
    bridge = parse("rss20_content.xml", url="https://feeds.example.com/courier").entries[0]
    assert not bridge.is_teaser
    assert bridge.text.startswith("The town council voted on Monday evening")
    assert len(bridge.text.split("\n\n")) == 3
    assert "alert" not in bridge.html and "onclick" not in bridge.html
    assert 'href="https://courier.example.com/council/minutes"' in bridge.html


def test_rss_20_entry_fields() -> None:
    bridge = parse("rss20_content.xml").entries[0]
    assert bridge.title == 'Council approves the new "green" bridge'
    assert bridge.url == "https://courier.example.com/2024/05/bridge"
    assert bridge.guid == "courier-bridge-2024"
    assert bridge.published_at == datetime(2024, 5, 14, 7, 30, tzinfo=UTC)
    assert bridge.author == "Marta Olsen"
    assert bridge.categories == ["Politics", "Transport"]
    assert bridge.image_url == "https://courier.example.com/images/bridge.jpg"


def test_rss_source_element_becomes_origin() -> None:
    assert parse("rss20_content.xml").entries[1].origin == "Northern Wire Service"


def test_atom_relative_links_resolve_against_xml_base() -> None:
    feed = parse("atom_xmlbase.xml")
    assert feed.title == "Notes & Sketches"
    birds, updated_only = feed.entries
    assert birds.title == "Drawing birds in the rain"
    assert birds.url == "https://blog.example.io/journal/posts/birds-in-rain.html"
    assert 'href="https://blog.example.io/gallery/rain"' in birds.html
    assert updated_only.url == "https://blog.example.io/other/updated-only"


def test_atom_dates_are_utc_and_updated_stands_in_for_published() -> None:
    birds, updated_only = parse("atom_xmlbase.xml").entries
    assert birds.published_at == datetime(2024, 6, 9, 22, 45, tzinfo=UTC)
    assert birds.updated_at == datetime(2024, 6, 10, 8, 0, tzinfo=UTC)
    assert updated_only.published_at == datetime(2024, 6, 8, 10, 0, tzinfo=UTC)


def test_iso_8859_1_feed_is_decoded() -> None:
    feed = parse("latin1.xml")
    assert feed.title == "Le Journal du Café"
    assert feed.entries[0].title == "Élections à Orléans : résultats définitifs"


def test_windows_1252_feed_keeps_smart_quotes() -> None:
    entry = parse("cp1252.xml").entries[0]
    assert entry.title == "\u201cIt\u2019s done\u201d \u2013 mayor signs budget"
    assert "\u20ac12 million" in entry.text


def test_broken_but_readable_feed_is_read_and_flagged() -> None:
    feed = parse("broken.xml")
    assert feed.is_bozo and feed.bozo_reason
    assert [e.title for e in feed.entries] == [
        "Bakery wins prize & celebrates",
        "Second story survives the mess",
    ]


def test_missing_or_bad_dates_are_none_and_relative_links_use_the_channel_link() -> None:
    no_date, bad_date = parse("missing_dates.xml", url="https://cdn.example.net/f.xml").entries
    assert no_date.published_at is None and bad_date.published_at is None
    assert no_date.url == "https://undated.example.com/stories/no-date"


def test_summary_only_entries_are_teasers() -> None:
    assert all(e.is_teaser for e in parse("missing_dates.xml").entries)


def test_images_come_from_enclosures_media_content_and_thumbnails() -> None:
    images = [e.image_url for e in parse("media.xml").entries]
    assert images == [
        "https://cdn.example.com/a.jpg",
        "https://cdn.example.com/b.png",
        "https://cdn.example.com/c-thumb.webp",
        None,
    ]


def test_duplicate_guids_and_urls_are_dropped_within_a_feed() -> None:
    assert [e.guid for e in parse("duplicates.xml").entries] == ["one", "two"]


def test_huge_entry_is_truncated() -> None:
    paragraph = "<p>" + "word " * 200 + "</p>"
    body = paragraph * 400  # about 400k characters of text
    xml = (
        '<?xml version="1.0"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Big</title>'
        "<item><title>Huge</title><link>https://big.example/1</link>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded></item></channel></rss>"
    )
    entry = parse_feed(xml.encode()).entries[0]
    assert 0 < len(entry.text) <= MAX_TEXT_CHARS


def test_max_entries_caps_the_entries() -> None:
    items = "".join(
        f"<item><title>T{i}</title><link>https://cap.example/{i}</link></item>" for i in range(30)
    )
    xml = f'<rss version="2.0"><channel><title>Cap</title>{items}</channel></rss>'
    assert len(parse_feed(xml.encode(), max_entries=10).entries) == 10


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml", "broken_with_entities.xml"])
def test_hostile_xml_is_refused(name: str) -> None:
    with pytest.raises(FeedError):
        parse(name)


def test_external_entity_content_never_appears() -> None:
    with pytest.raises(FeedError) as caught:
        parse("xxe.xml")
    assert "root:" not in str(caught.value)


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(FeedError):
        parse("not_a_feed.html")
