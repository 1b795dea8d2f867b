"""One article may serve several newsletters: stored once, linked to each newsletter's source."""

from __future__ import annotations

from sqlalchemy import func, select

from digest.edition.build import build_edition
from digest.extensions import db
from digest.models import Article
from digest.newsletters import get_newsletter
from tests.support.cli import run_ok
from tests.support.pipeline import write_articles


def test_an_article_imported_for_one_newsletter_is_added_to_a_second(runner, tmp_path):
    folder = str(write_articles(tmp_path / "articles"))
    for slug in ("city", "county"):
        run_ok(runner, "newsletter", "create", slug, "--title", slug.title())
    assert (
        run_ok(runner, "import", folder, "--newsletter", "city")
        .splitlines()[-1]
        .startswith("3 added")
    )
    assert (
        run_ok(runner, "import", folder, "--newsletter", "county")
        .splitlines()[-1]
        .startswith("3 added")
    )
    assert (
        run_ok(runner, "import", folder, "--newsletter", "county")
        .splitlines()[-1]
        .startswith("0 added")
    )
    assert db.session.scalar(select(func.count(Article.id))) == 3
    for slug in ("city", "county"):
        edition = build_edition(get_newsletter(slug))
        assert len(edition.items) == 3
