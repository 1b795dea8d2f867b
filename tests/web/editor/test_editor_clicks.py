"""The workspace of a sent edition says what readers opened, naming nobody."""

from __future__ import annotations

import re

from tests.deliver.test_clicks import BROWSER, sent, tracked_links


def test_a_sent_edition_shows_clicks_per_story_and_the_click_rate(
    app, client, sign_in, smtp_server
):
    edition = sent(app)
    links = list(dict.fromkeys(tracked_links(smtp_server)))
    client.get(links[1], headers={"User-Agent": BROWSER})
    client.get(links[1], headers={"User-Agent": "Mimecast URL scanner"})
    sign_in("editor")
    page = client.get(f"/editor/edition/{edition.id}").get_data(as_text=True)
    assert "What readers opened" in page
    assert re.search(r"1 of 2 readers clicked a story\s*\(<strong>50\.0%</strong>\)", page)
    assert "1 human click" in page and "and 1 by link scanners" in page
    first = re.search(r'<span class="click-title">([^<]+)</span>', page).group(1)
    assert first == "Comet Over the Valley"  # most human clicks first
    card = re.search(r'<section class="card clicks-card".*?</section>', page, re.S).group(0)
    assert "@example.org" not in card
