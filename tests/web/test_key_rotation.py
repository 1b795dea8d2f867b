"""Rotating DIGEST_SECRET_KEY: with the old key in DIGEST_SECRET_KEY_FALLBACKS, the links
already mailed, open invitations and signed-in sessions keep working; what is made from then
on is signed with the new key. (Returned mail: deliver/inbound/test_inbound_key_rotation.py.)"""

from __future__ import annotations

import pytest

from digest import accounts, audience
from digest.extensions import db
from digest.models import SubscriptionStatus
from tests.support.factories import settings_of
from tests.web.subscriber_support import link, post_form, topic_newsletter

OLD_KEY = "test-secret"  # the key of the `app` fixture: everything it made is signed with it
NEW_KEY = "a-new-secret"


@pytest.fixture
def rotated(make_app):
    """The app after the key change, the old key kept as a fallback, on the same database."""
    return make_app(secret_key=NEW_KEY, secret_key_fallbacks=OLD_KEY)


@pytest.fixture
def forgotten(make_app):
    """The app after the key change, had the old key not been kept."""
    return make_app(secret_key=NEW_KEY, secret_key_fallbacks="some-other-old-key")


def reader(status: str = "confirmed"):
    subscription = audience.subscribe(
        topic_newsletter(), "a@example.org", is_confirmed=status == "confirmed"
    )
    db.session.commit()
    return subscription


def one_click(client, url: str):
    body = "List-Unsubscribe=One-Click"
    return client.post(url, data=body, content_type="application/x-www-form-urlencoded")


def test_links_mailed_before_the_change_open_while_the_old_key_is_listed(app, rotated, forgotten):
    subscription = reader(status="pending")
    for purpose in ("preferences", "unsubscribe", "confirm"):
        url = link(app, purpose, subscription.id)
        assert rotated.test_client().get(url).status_code == 200, purpose
        assert forgotten.test_client().get(url).status_code == 404, purpose


def test_a_confirmation_link_mailed_before_the_change_still_confirms(app, rotated):
    subscription = reader(status="pending")
    response = post_form(rotated.test_client(), link(app, "confirm", subscription.id), {})
    assert b"You are subscribed" in response.data
    db.session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.ACTIVE


def test_a_one_click_unsubscribe_mailed_before_the_change_still_unsubscribes(app, rotated):
    subscription = reader()
    assert (
        one_click(rotated.test_client(), link(app, "unsubscribe", subscription.id)).status_code
        == 200
    )
    db.session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.UNSUBSCRIBED


def test_an_invitation_sent_before_the_change_still_opens(app, rotated, forgotten):
    user = accounts.invite_user("new@example.org")
    db.session.commit()
    url = f"/admin/invite/{accounts.invite_token(user, OLD_KEY)}"
    page = rotated.test_client().get(url)
    assert page.status_code == 200 and "new@example.org" in page.get_data(as_text=True)
    assert forgotten.test_client().get(url).status_code == 410


def test_an_invitation_sent_after_the_change_is_signed_with_the_new_key(app, rotated):
    user = accounts.invite_user("new@example.org")
    db.session.commit()
    url = f"/admin/invite/{accounts.invite_token(user, settings_of(rotated).links.keys)}"
    assert rotated.test_client().get(url).status_code == 200
    assert app.test_client().get(url).status_code == 410


def test_a_session_signed_in_before_the_change_stays_signed_in(
    app, client, sign_in, rotated, forgotten
):
    sign_in("editor")
    host = app.config["SERVER_NAME"]
    cookie = client.get_cookie("session", domain=host).value
    for later, status in ((rotated, 200), (forgotten, 302)):
        visitor = later.test_client()
        visitor.set_cookie("session", cookie, domain=host)
        assert visitor.get("/editor/").status_code == status  # 302: sent to sign in
