"""Story cards: a linked remote thumbnail with alt text, reading time, "read more", and a story
without a web page left unlinked; every image edition stays inside the byte budget."""

from __future__ import annotations

import re

from render_samples import make_snapshot
from test_render_compile import GMAIL_CLIP_BYTES, longest_recipient

from digest.render import compile_edition, parse_snapshot, personalise


def with_images(story_count: int) -> dict:
    snapshot = make_snapshot(story_count=story_count, section_count=6)
    for number, story in enumerate(
        s for section in snapshot["sections"] for s in section["stories"]
    ):
        story["image_url"] = (
            f"https://images.example.org/2026/11/25/photo-{number}.jpg?w=1200&h=800"
        )
        story["image_alt"] = f"Officials at the podium, photo {number}"
        story["reading_minutes"] = 4
    return snapshot


def test_an_image_is_a_linked_remote_thumbnail_with_alt_text():
    html = compile_edition(parse_snapshot(with_images(3))).html
    card = re.search(r'<a href="([^"]+)"><img src="([^"]+)" alt="([^"]+)"', html)
    assert card is not None
    link, src, alt = card.groups()
    assert link.startswith("https://news.example.org/") and src.startswith("https://images.")
    assert alt.startswith("Officials at the podium")
    assert "data:image" not in html and "cid:" not in html


def test_every_story_with_an_image_still_fits_the_budget():
    compiled = compile_edition(parse_snapshot(with_images(60)))
    message = personalise(compiled, longest_recipient())
    assert compiled.worst_case_html_bytes <= 100_000
    assert len(message.html.encode()) < GMAIL_CLIP_BYTES
    assert compiled.shown_story_count >= 20  # thumbnails cost little: most stories stay


def test_reading_time_and_read_more_are_on_the_card_and_in_the_text():
    compiled = compile_edition(parse_snapshot(with_images(2)))
    assert "4 min read" in compiled.html and "Read more" in compiled.html
    assert "4 min read" in compiled.text and "Read more: https://news.example.org/" in compiled.text


def test_a_story_without_a_web_page_has_no_link():
    snapshot = make_snapshot(story_count=1, section_count=1)
    story = snapshot["sections"][0]["stories"][0]
    del story["url"]
    story["image_url"] = "https://images.example.org/one.jpg"
    compiled = compile_edition(parse_snapshot(snapshot))
    assert story["title"] in compiled.html
    assert "#item-" not in compiled.html and "Read more" not in compiled.html
    assert 'class="title"' not in compiled.html and '<a href="https://images' not in compiled.html


def test_an_update_is_labelled_so_in_the_html_and_the_text():
    snapshot = make_snapshot(story_count=2, section_count=1)
    first, second = snapshot["sections"][0]["stories"]
    first["is_update"] = True
    compiled = compile_edition(parse_snapshot(snapshot))
    assert compiled.html.count(">Update</p>") == 1
    assert f"* Update: {first['title']}"[:40] in compiled.text
    assert f"* Update: {second['title']}"[:40] not in compiled.text
