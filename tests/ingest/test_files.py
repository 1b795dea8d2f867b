"""Article files and API payloads: text, HTML, JSON, e-mail, feeds, folders."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ingest_support import FEEDS, SAMPLES

from digest.ingest import ArticleFileError, iter_article_files, read_article_file
from digest.ingest.files import parse_api_items

GOOD_ITEM = {
    "title": "Harbour &amp; town agree on ferry fares",
    "text": "The harbour board and the town agreed on new ferry fares on Monday.\n\nFares rise 3%.",
    "url": "https://harbour.example/fares?utm_source=newsletter",
    "published_at": "2024-05-01T09:00:00+02:00",
    "author": "Ana Ruiz",
    "categories": ["Transport", "Transport", "Local"],
    "image_url": "https://harbour.example/ferry.jpg",
    "guid": "fares-2024",
}

EMAIL = """\
From: Valley Voice Weekly <weekly@valleyvoice.example>
To: reader@example.com
Subject: =?utf-8?q?Caf=C3=A9_owners_petition_for_longer_terraces?=
Date: Thu, 13 Jun 2024 07:30:00 +0200
Message-ID: <weekly-24@valleyvoice.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Plain version.

--b1
Content-Type: text/html; charset=utf-8

<html><body><p>Caf\u00e9 owners in the old town asked the council for longer terrace hours.</p>
<p>The council will decide in July.</p><script>track()</script>
<p>Unsubscribe from this newsletter and manage your updates</p></body></html>
--b1--
"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_text_file_in_the_seed_shape(tmp_path: Path) -> None:
    path = shutil.copy(SAMPLES / "reprint.txt", tmp_path / "reprint.txt")
    [article] = read_article_file(Path(path))
    assert article.origin == "Alpine Daily Ledger" and article.url is None


def test_json_file_with_one_object(tmp_path: Path) -> None:
    [article] = read_article_file(write(tmp_path, "one.json", json.dumps(GOOD_ITEM)))
    assert article.title == "Harbour & town agree on ferry fares"
    assert article.url == "https://harbour.example/fares"
    assert article.published_at == datetime(2024, 5, 1, 7, 0, tzinfo=UTC)
    assert article.categories == ["Transport", "Local"]
    assert article.text.endswith("Fares rise 3%.")


def test_json_file_with_html_content(tmp_path: Path) -> None:
    item = {"title": "T", "html": "<p>One.</p><p>Two.</p><script>x()</script>"}
    [article] = read_article_file(write(tmp_path, "html.json", json.dumps([item])))
    assert article.text == "One.\n\nTwo." and "script" not in article.html


def test_bad_json_item_reports_its_index(tmp_path: Path) -> None:
    items = [GOOD_ITEM, GOOD_ITEM, {"title": "No body"}]
    with pytest.raises(ArticleFileError) as caught:
        read_article_file(write(tmp_path, "bad.json", json.dumps(items)))
    assert caught.value.line == 2
    assert "item 2" in str(caught.value)


def test_invalid_json_reports_its_line(tmp_path: Path) -> None:
    with pytest.raises(ArticleFileError) as caught:
        read_article_file(write(tmp_path, "broken.json", '[\n{"title": "x",\n oops}\n]'))
    assert caught.value.line == 3


def test_api_items_split_good_articles_from_errors() -> None:
    payload = [GOOD_ITEM, "not an object", {"title": "x", "text": "y", "published_at": "soon"},
               {"title": "x", "text": "y", "url": "javascript:alert(1)"}]  # fmt: skip
    articles, rejected = parse_api_items(payload)
    assert [a.guid for a in articles.values()] == ["fares-2024"]
    assert [r.index for r in rejected] == [1, 2, 3]
    assert "published_at" in rejected[1].reason


def test_api_accepts_a_single_object() -> None:
    articles, rejected = parse_api_items(GOOD_ITEM)
    assert len(articles) == 1 and rejected == []


def test_email_file_uses_subject_date_and_html_part(tmp_path: Path) -> None:
    [article] = read_article_file(write(tmp_path, "issue.eml", EMAIL.encode("utf-8")))
    assert article.title == "Caf\u00e9 owners petition for longer terraces"
    assert article.published_at == datetime(2024, 6, 13, 5, 30, tzinfo=UTC)
    assert article.author == "Valley Voice Weekly"
    assert article.guid == "<weekly-24@valleyvoice.example>"
    assert article.text == (
        "Caf\u00e9 owners in the old town asked the council for longer terrace hours.\n\n"
        "The council will decide in July."
    )


def test_html_file_is_extracted(tmp_path: Path) -> None:
    body = "".join(f"<p>Paragraph {n} of a saved page about the ferry.</p>" for n in range(8))
    html = f"<html><head><title>Saved page</title></head><body><article>{body}</article></body>"
    [article] = read_article_file(write(tmp_path, "saved.html", html + "</html>"))
    assert article.title == "Saved page"
    assert article.text.startswith("Paragraph 0") and article.url is None


def test_feed_file_gives_its_entries() -> None:
    assert len(read_article_file(FEEDS / "rss20_content.xml")) == 2


def test_hostile_feed_file_is_an_article_file_error() -> None:
    with pytest.raises(ArticleFileError):
        read_article_file(FEEDS / "xxe.xml")


def test_missing_file_is_an_article_file_error(tmp_path: Path) -> None:
    with pytest.raises(ArticleFileError):
        read_article_file(tmp_path / "nope.txt")
    with pytest.raises(ArticleFileError):
        list(iter_article_files([tmp_path / "nope"]))


def test_unsupported_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ArticleFileError, match="unsupported"):
        read_article_file(write(tmp_path, "photo.png", b"\x89PNG"))


def test_folders_expand_sorted_without_hidden_files_or_readme(tmp_path: Path) -> None:
    for name in ("b.txt", "a.json", ".hidden.txt", "README.md", "notes.png", "sub/c.eml"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_article_files([tmp_path])]
    assert found == ["a.json", "b.txt", "sub/c.eml"]
