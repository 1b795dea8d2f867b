"""Admin pages behind sign-in with the admin role."""

from __future__ import annotations

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


def test_the_overview_shows_delivery_progress_and_charts(
    client, runner, sign_in, smtp_server, tmp_path
):
    build_and_send(runner, tmp_path)
    assert sign_in("admin").status_code == 302
    page = client.get("/admin/").get_data(as_text=True)
    assert "Sending" in page
    assert 'data-field="sent">3<' in page and 'data-field="total">3<' in page
    assert 'data-field="skipped">0<' in page and 'data-field="failed">0<' in page
    assert "Edition 1 (City Digest #1: " in page and ": 3 sent, 0 failed" in page  # the chart
    assert '<polyline class="line"' in page


def test_progress_of_a_finished_send_says_so_without_a_rate(
    client, runner, sign_in, smtp_server, tmp_path
):
    build_and_send(runner, tmp_path)
    sign_in("admin")
    progress = client.get("/admin/editions/1/progress.json").get_json()
    assert progress["sent"] == progress["total"] == 3 and progress["is_finished"]
    assert (progress["rate"], progress["rate_text"], progress["eta_seconds"]) == (None, "-", None)
    assert progress["time_left"] == "finished"


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
