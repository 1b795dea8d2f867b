"""POST /api/articles: a bearer token, one or many articles, per-item errors."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

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


def test_a_lone_surrogate_in_a_category_is_cleaned_and_the_subscribe_page_still_works(api):
    item = {"title": "Bridge reopens", "text": "It reopened.", "categories": ["\udc80", "Roads"]}
    assert post(api, item).status_code == 201
    assert db.session.scalars(select(Article.categories)).one() == ["\ufffd", "Roads"]
    page = api.get("/subscribe/city")
    assert page.status_code == 200 and "Roads" in page.get_data(as_text=True)


def test_surrogates_in_every_field_are_cleaned_and_a_bad_item_is_reported_not_500(api):
    cleaned = {
        "title": "Bridge \udc80reopens",
        "text": "The bridge reopened \ud83d\ude00 on Monday \ud800.",
        "author": "Ana \udfff Ruiz",
        "guid": "bridge-\udc80",
        "url": "https://example.org/bridge-\udc80",
    }
    response = post(api, [cleaned, {**cleaned, "url": "http://[::1/x"}])
    assert response.status_code == 201
    body = response.get_json()
    assert body["added"] == 1 and [e["index"] for e in body["errors"]] == [1]
    assert "url" in body["errors"][0]["error"]
    article = db.session.scalars(select(Article)).one()
    assert article.title == "Bridge \ufffdreopens" and article.author == "Ana \ufffd Ruiz"
    assert article.text == "The bridge reopened \U0001f600 on Monday \ufffd."
    assert article.guid == "bridge-\ufffd"


def test_an_item_the_database_refuses_is_reported_with_its_index_and_the_rest_stored(api):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the failure is injected with an SQLite trigger")
    db.session.execute(
        text(
            "CREATE TRIGGER poison BEFORE INSERT ON article WHEN NEW.title = 'Poisoned' "
            "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
        )
    )
    db.session.commit()
    items = [{"text": "No title."}] + [
        {"title": title, "text": f"{title} happened.", "url": f"https://e.org/{n}"}
        for n, title in enumerate(["Bridge reopens", "Poisoned", "Market moves"])
    ]
    response = post(api, items)
    assert response.status_code == 201
    errors = response.get_json()["errors"]
    assert [e["index"] for e in errors] == [0, 2] and "disk on fire" in errors[1]["error"]
    titles = set(db.session.scalars(select(Article.title)))
    assert titles == {"Bridge reopens", "Market moves"}
