"""One door for articles brought in by hand: the CLI's files and folders, the admin's uploads
and the API's payloads all go through import_articles."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import func, select

from digest.errors import InvalidInput
from digest.extensions import db
from digest.ingest.imports import Payload, Upload, import_articles
from digest.models import Article
from tests.support.factories import make_newsletter

FERRY = "Ferry timetable changes\n\nBoats run every 20 minutes from Monday on.\n"
MARKET = b"Market moves to the square\n\nThe Saturday market moves to the town square.\n"


def articles() -> int:
    return db.session.scalar(select(func.count(Article.id)))


def test_files_in_a_folder_an_upload_and_a_payload_go_through_one_door(app, tmp_path):
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "ferry.txt").write_text(FERRY)
    payload = Payload([{"title": "Library opens late", "text": "Open until ten."}, {"x": 1}])
    seen: list[object] = []

    @contextlib.contextmanager
    def progress(work):
        seen.extend(work)
        yield work

    result = import_articles(
        make_newsletter(),
        [tmp_path / "news", Upload("market.txt", MARKET), payload],
        progress=progress,
    )
    assert (result.added, articles()) == (3, 3)
    assert [r.index for r in result.rejected] == [1]  # the payload's second item
    assert seen[0] == tmp_path / "news" / "ferry.txt"  # the folder, expanded


def test_a_bad_upload_is_named_as_it_was_sent(app):
    with pytest.raises(InvalidInput, match=r"^notes\.json: ") as refused:
        import_articles(make_newsletter(), [Upload("notes.json", b'{"title": "Half')])
    assert "/tmp" not in str(refused.value) and "upload.json" not in str(refused.value)


def test_a_path_that_does_not_exist_stops_the_import_before_anything_is_stored(app, tmp_path):
    (tmp_path / "ferry.txt").write_text(FERRY)
    missing = tmp_path / "missing.txt"
    with pytest.raises(InvalidInput, match="no such file or folder"):
        import_articles(make_newsletter(), [tmp_path / "ferry.txt", missing])
    assert articles() == 0
