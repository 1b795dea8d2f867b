"""One edition is a few dozen articles: unrelated local stories must not merge."""

from __future__ import annotations

from pathlib import Path

from digest.group import cluster_stories
from digest.ingest import parse_feed, read_article_file

DEMO = Path(__file__).resolve().parents[2] / "demo"


def demo_articles() -> list[dict]:
    articles = parse_feed((DEMO / "feed.xml").read_bytes()).entries
    for path in sorted((DEMO / "articles").glob("*.txt")):
        articles.extend(read_article_file(path))
    return [{"title": a.title, "text": a.text} for a in articles]


def test_the_demo_edition_keeps_its_distinct_stories_apart():
    articles = demo_articles()
    labels = cluster_stories(articles)
    by_title = dict(zip((a["title"] for a in articles), labels, strict=True))
    assert (
        by_title["Flood Barrier Upgrade to Start in January"]
        == by_title["Town's Flood Wall to Be Raised From January"]
    )
    assert len(set(labels)) == len(articles) - 1
