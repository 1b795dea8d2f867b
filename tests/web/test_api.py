"""POST /api/articles: a bearer token, one or many articles, per-item errors."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from digest.extensions import db
from digest.models import Article, Newsletter


@pytest.fixture
def api(make_app):
    app = make_app(api_token="s3cret")
    with app.app_context():
        db.session.add(Newsletter(slug="city", title="City", from_email="news@digest.test"))
        db.session.commit()
        yield app.test_client()


def post(client, payload, token="s3cret", newsletter="city"):
    return client.post(
        f"/api/articles?newsletter={newsletter}",
        json=payload,
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_wrong_token_is_refused(api):
    assert post(api, {"title": "T", "text": "Body"}, token="nope").status_code == 401


def test_good_items_are_stored_and_bad_ones_reported_by_index(api):
    response = post(
        api,
        [
            {
                "title": "Bridge reopens",
                "text": "The bridge reopened on Monday.",
                "url": "https://example.org/bridge?utm_source=x",
            },
            {"text": "No title here."},
            {"title": "Market moves", "html": "<p>The market moves to the square.</p>"},
        ],
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["added"] == 2
    assert [e["index"] for e in body["errors"]] == [1]
    urls = db.session.scalars(select(Article.canonical_url)).all()
    assert "https://example.org/bridge" in urls


def test_posting_the_same_article_twice_stores_it_once(api):
    item = {"title": "Bridge reopens", "text": "The bridge reopened.", "url": "https://e.org/b"}
    post(api, item)
    post(api, item)
    assert db.session.scalar(select(func.count()).select_from(Article)) == 1


def test_unknown_newsletter_is_404(api):
    assert post(api, {"title": "T", "text": "B"}, newsletter="nope").status_code == 404


def test_a_deeply_nested_body_is_400_not_500(api):
    body = "[" * 100_000 + "]" * 100_000
    response = api.post(
        "/api/articles?newsletter=city",
        data=body,
        headers={"Authorization": "Bearer s3cret", "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and "nested" in response.get_json()["error"]


def test_oversized_bodies_and_batches_are_refused(make_app):
    app = make_app(api_token="s3cret", max_body_bytes="1000")
    with app.app_context():
        db.session.add(Newsletter(slug="city", title="City", from_email="news@digest.test"))
        db.session.commit()
    client = app.test_client()
    assert post(client, [{"title": "x" * 2000, "text": "y"}]).status_code == 413
    big = make_app(api_token="s3cret").test_client()
    items = [{"title": f"t{i}", "text": "x"} for i in range(501)]
    assert post(big, items).status_code == 413
