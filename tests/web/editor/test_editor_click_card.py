"""A sent edition's card: delivered, readers who clicked, the rate, top stories, sections."""

from __future__ import annotations

import re

from tests.deliver.test_clicks import BROWSER, sent, tracked_links


def card_of(page: str) -> str:
    return re.search(r'<section class="card clicks-card".*?</section>', page, re.S).group(0)


def test_the_card_lists_top_stories_and_clicks_per_section(app, client, sign_in, smtp_server):
    edition = sent(app)
    links = list(dict.fromkeys(tracked_links(smtp_server)))
    for link, reader in ((links[1], 1), (links[1], 2), (links[3], 1)):
        client.get(link, headers={"User-Agent": f"{BROWSER} {reader}"})
    client.get(links[0], headers={"User-Agent": "Mimecast URL scanner"})
    sign_in("editor")
    card = card_of(client.get(f"/editor/edition/{edition.id}").get_data(as_text=True))
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", card))
    assert counts == {
        "Delivered": "2",
        "Readers who clicked": "2",
        "Click rate": "100.0%",
        "Human clicks": "3",
    }
    top = re.search(r'<ol class="click-list top-stories".*?</ol>', card, re.S).group(0)
    titles = re.findall(r'<span class="click-title">([^<]+)</span>', top)
    assert titles == ["Comet Over the Valley", "Library Opens Late"]  # clicked ones, most first
    sections = re.search(r'<ol class="click-list section-clicks".*?</ol>', card, re.S).group(0)
    assert re.search(r"News</span> <span class=\"small muted\">4 stories</span>", sections)
    assert "<strong>3</strong>" in sections and "+ 1 scanner" in sections
    assert "Every story (4)" in card


def test_before_any_click_the_card_says_so(app, client, sign_in, smtp_server):
    edition = sent(app)
    sign_in("editor")
    card = card_of(client.get(f"/editor/edition/{edition.id}").get_data(as_text=True))
    assert "No reader has clicked a story yet." in card
