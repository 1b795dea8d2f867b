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
    csv_rows = client.get(f"/editor/edition/{edition.id}/clicks.csv").get_data(as_text=True)
    assert csv_rows.splitlines()[0] == "section,title,url,human_clicks,machine_clicks"
    assert ",Comet Over the Valley,https://news.example.org/comet,1,1" in csv_rows
    card = re.search(r'<section class="card clicks-card".*?</section>', page, re.S).group(0)
    assert "@example.org" not in card


def test_the_newsletters_page_ranks_editions_sources_and_sections_by_clicks(
    app, client, sign_in, smtp_server
):
    from digest.deliver.clicks import click_history
    from tests.support.factories import make_edition

    edition = sent(app)
    links = list(dict.fromkeys(tracked_links(smtp_server)))
    for link, agent in ((links[0], BROWSER), (links[0], BROWSER + " 2"), (links[2], BROWSER)):
        client.get(link, headers={"User-Agent": agent})
    history = click_history(edition.newsletter_id, now=edition.released_at)
    assert [(e.delivered, e.unique_clickers) for e in history.editions] == [(2, 2)]
    ((source, reach),) = history.sources.items()
    assert (reach.clicks, reach.reached) == (3, 8)  # 4 stories reached 2 readers each
    sign_in("editor")
    page = client.get(f"/editor/{edition.newsletter.slug}/clicks").get_data(as_text=True)
    assert "Click rate by edition" in page and "<strong>100.0%</strong>" in page
    assert re.search(
        rf"{re.escape(source)}</span>\s*<span class=\"click-count\"><strong>37\.5%", page
    )
    draft = make_edition(edition.newsletter, items=1)
    workspace = client.get(f"/editor/edition/{draft.id}").get_data(as_text=True)
    assert "clicked 37.5% lately" in workspace  # the section "News"
