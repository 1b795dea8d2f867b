"""Editions that learn, in the browser's pages: the admin's setting, the editor's note."""

from __future__ import annotations

from digest.edition.build import build_edition
from digest.extensions import db
from digest.models import Newsletter
from tests.edition.test_learned_order import DEFAULT, arrive, newsletter
from tests.web.admin.test_admin_newsletters import SETTINGS


def test_an_admin_turns_on_ordering_by_clicks_in_plain_words(app, client, sign_in):
    from tests.support.factories import make_newsletter

    letter = make_newsletter()
    sign_in("admin")
    page = client.get(f"/admin/newsletters/{letter.id}").get_data(as_text=True)
    assert "Put the stories readers click most first in each section" in page
    assert 'name="orders_by_clicks"' in page and "still come first" in page
    app.config["WTF_CSRF_ENABLED"] = False
    form = {**SETTINGS, "slug": letter.slug, "orders_by_clicks": "y"}
    assert client.post(f"/admin/newsletters/{letter.id}", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Newsletter, letter.id).orders_by_clicks
    del form["orders_by_clicks"]  # an unticked box is not sent
    assert client.post(f"/admin/newsletters/{letter.id}", data=form).status_code == 302
    db.session.expire_all()
    assert not db.session.get(Newsletter, letter.id).orders_by_clicks


def test_the_workspace_says_when_the_order_came_from_clicks(app, client, sign_in):
    from digest.deliver.rates import click_rates

    sign_in("editor")
    learned = newsletter(learns=True)
    arrive(learned, *DEFAULT)
    edition = build_edition(learned, rates=click_rates)
    db.session.commit()
    page = client.get(f"/editor/edition/{edition.id}").get_data(as_text=True)
    assert 'id="order-note"' in page and "Ordered by clicks" in page
    edition.ordered_by_clicks = False
    db.session.commit()
    page = client.get(f"/editor/edition/{edition.id}").get_data(as_text=True)
    assert "Ordered by clicks" not in page


def test_the_editors_build_button_learns(app, client, sign_in):
    from digest.models import Edition

    sign_in("editor")
    learned = newsletter(learns=True)
    arrive(learned, *DEFAULT)
    app.config["WTF_CSRF_ENABLED"] = False
    answer = client.post(f"/editor/{learned.slug}/build")
    assert answer.status_code in (302, 303)
    edition = db.session.get(Edition, int(answer.headers["Location"].rstrip("/").split("/")[-1]))
    assert edition.ordered_by_clicks
