"""Pages: trafilatura finds the article and its metadata without touching the network."""

from __future__ import annotations

from datetime import UTC, datetime

from ingest_support import SAMPLES

from digest.ingest import extract_page, parse_text_article

SAMPLE = parse_text_article((SAMPLES / "reprint.txt").read_text(encoding="utf-8"))


def page_html() -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in SAMPLE.text.split("\n\n"))
    return f"""<!doctype html><html><head>
<title>{SAMPLE.title} | Valley Voice</title>
<meta property="og:title" content="{SAMPLE.title}">
<meta name="author" content="Lena Brandt">
<meta property="article:published_time" content="2024-06-14T08:00:00+02:00">
<meta property="og:image" content="/media/railway.jpg">
<meta property="article:tag" content="Transport">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<article><h1>{SAMPLE.title}</h1>{paragraphs}
<p>This article first appeared on Alpine Daily Ledger</p></article>
<aside><h3>Most read</h3><ul><li><a href="/a">Something else entirely</a></li></ul></aside>
<footer><p>Copyright 2024 Valley Voice. All rights reserved.</p></footer>
</body></html>"""


def test_page_main_text_is_the_article() -> None:
    article = extract_page(page_html(), "https://valleyvoice.example/rail?utm_source=x")
    assert article.text == SAMPLE.text
    assert article.origin == "Alpine Daily Ledger"


def test_page_metadata_is_read() -> None:
    article = extract_page(page_html().encode("utf-8"), "https://valleyvoice.example/rail")
    assert article.title == SAMPLE.title
    assert article.url == "https://valleyvoice.example/rail"
    assert article.author == "Lena Brandt"
    assert article.published_at is not None
    assert article.published_at.date() == datetime(2024, 6, 14, tzinfo=UTC).date()
    assert article.image_url == "https://valleyvoice.example/media/railway.jpg"


def test_page_without_url_still_extracts() -> None:
    article = extract_page(page_html(), None)
    assert article.url is None and article.text.startswith("The narrow-gauge railway")
