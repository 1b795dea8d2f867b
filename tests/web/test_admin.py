"""Admin and editor pages behind sign-in."""

from __future__ import annotations

import re

from werkzeug.security import generate_password_hash

from digest.extensions import db
from digest.models import Newsletter, User
from tests.test_end_to_end import build_and_send


def sign_in(client) -> None:
    db.session.add(
        User(email="ad@example.org", password_hash=generate_password_hash("pw"), is_admin=True)
    )
    db.session.commit()
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/admin/login", data={"csrf_token": token, "email": "ad@example.org", "password": "pw"}
    )
    assert response.status_code == 302


def test_a_wrong_password_does_not_sign_in(client, app):
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/admin/login", data={"csrf_token": token, "email": "ad@example.org", "password": "x"}
    )
    assert b"Wrong email or password" in response.data
    assert client.get("/admin/").status_code == 302


def test_the_dashboard_shows_delivery_progress_and_jobs(client, runner, smtp_server, tmp_path):
    build_and_send(runner, tmp_path)
    sign_in(client)
    page = client.get("/admin/").get_data(as_text=True)
    assert "Delivery progress" in page
    assert re.search(r"<td>3</td>", page)  # three sent
    assert "Imported" in page  # the import source with its health


def test_pausing_a_newsletter_from_the_dashboard(client, app):
    db.session.add(Newsletter(slug="city", title="City", from_email="n@digest.test"))
    db.session.commit()
    sign_in(client)
    page = client.get("/admin/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/admin/newsletter/1/pause", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Newsletter, 1).is_paused
