"""The embeddable form: works from another site without our cookie, guarded otherwise."""

from __future__ import annotations

from sqlalchemy import select

from digest.extensions import db
from digest.models import Subscription
from tests.web.subscriber_support import topic_newsletter


def test_another_site_can_post_without_a_csrf_token(app, client, smtp_server):
    topic_newsletter()
    response = client.post(
        "/subscribe/city/embed",
        data={"email": "far@example.org", "name": "Far"},
        headers={"Origin": "https://other.example"},
    )
    assert response.status_code == 200 and b"Check your inbox" in response.data
    assert db.session.scalars(select(Subscription)).one().subscriber.email == "far@example.org"
    assert smtp_server.wait_for(1)[0].recipients == ["far@example.org"]


def test_a_filled_honeypot_stores_and_sends_nothing(app, client, smtp_server):
    topic_newsletter()
    response = client.post(
        "/subscribe/city/embed", data={"email": "bot@example.org", "website": "http://spam"}
    )
    assert response.status_code == 200 and b"Check your inbox" in response.data
    assert db.session.scalars(select(Subscription)).first() is None


def test_a_bad_address_comes_back_on_our_page_with_what_was_typed(app, client):
    topic_newsletter()
    response = client.post("/subscribe/city/embed", data={"email": "nope"})
    assert response.status_code == 422
    assert b'value="nope"' in response.data and b'role="alert"' in response.data


def test_the_embed_form_shares_the_rate_limit(make_app):
    app = make_app(ratelimit_enabled="true")
    with app.app_context():
        topic_newsletter()
        client = app.test_client()
        codes = [
            client.post("/subscribe/city/embed", data={"email": f"e{i}@example.org"}).status_code
            for i in range(21)
        ]
        assert codes[-1] == 429 and codes[:20] == [200] * 20


def test_the_snippet_is_for_admins_and_posts_to_the_embed_url(app, client, sign_in):
    topic_newsletter()
    assert client.get("/subscribe/city/embed-code").status_code == 302  # to sign-in
    sign_in("editor")
    assert client.get("/subscribe/city/embed-code").status_code == 403
    client.get("/admin/logout")
    sign_in("admin")
    page = client.get("/subscribe/city/embed-code").get_data(as_text=True)
    assert "action=&#34;http://digest.test/subscribe/city/embed&#34;" in page
    assert "name=&#34;website&#34;" in page
