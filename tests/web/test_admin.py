"""Admin pages behind sign-in with the admin role."""

from __future__ import annotations

import re

from digest.extensions import db
from digest.models import Newsletter
from tests.support.factories import make_newsletter
from tests.support.pipeline import build_and_send
from tests.web.conftest import ADMIN, csrf_of


def test_a_wrong_password_does_not_sign_in(client, users):
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    response = client.post(
        "/admin/login", data={"csrf_token": token, "email": ADMIN, "password": "x" * 12}
    )
    assert response.status_code == 401
    assert b"Wrong email or password" in response.data
    assert client.get("/admin/").status_code == 302


def test_the_dashboard_shows_delivery_progress_and_jobs(
    client, runner, sign_in, smtp_server, tmp_path
):
    build_and_send(runner, tmp_path)
    assert sign_in("admin").status_code == 302
    page = client.get("/admin/").get_data(as_text=True)
    assert "Delivery progress" in page
    assert re.search(r"<td>3</td>", page)  # three sent
    assert "Imported" in page  # the import source with its health


def test_pausing_and_resuming_a_newsletter_from_the_dashboard(client, sign_in):
    newsletter_id = make_newsletter().id
    sign_in("admin")
    for expected in (True, False):
        token = csrf_of(client.get("/admin/").get_data(as_text=True))
        response = client.post(
            f"/admin/newsletter/{newsletter_id}/pause", data={"csrf_token": token}
        )
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(Newsletter, newsletter_id).is_paused is expected


def test_logout_is_a_post_with_a_csrf_token(client, sign_in):
    sign_in("admin")
    assert client.get("/admin/logout").status_code == 405
    assert client.post("/admin/logout").status_code == 400  # no token: still signed in
    assert client.get("/admin/").status_code == 200
    token = csrf_of(client.get("/admin/").get_data(as_text=True))
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302
