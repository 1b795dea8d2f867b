"""Every request has an id: the caller's X-Request-ID when it looks sane, else a new one. Each
line logged during the request carries it, the response returns it, and a 500 is logged with
it (and with the link's token cut from the path)."""

from __future__ import annotations

import json
import re

import pytest

from digest.web.public import views
from tests.support.logs import captured_logs


def test_a_sane_request_id_is_kept_returned_and_logged(make_app):
    with captured_logs("DEBUG", "json") as stream:
        client = make_app(log_level="DEBUG", log_format="json").test_client()
        response = client.get("/subscribe", headers={"X-Request-ID": "lb-7f3a.91_c:2"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.91_c:2"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert {"request": "lb-7f3a.91_c:2", "message": "GET /subscribe 200"}.items() <= lines[
        -1
    ].items()


@pytest.mark.parametrize("offered", ["", "two words", "x" * 101, "<script>", "a\u00e9b", "-dash"])
def test_any_other_request_id_is_replaced_by_a_new_one(client, offered):
    response = client.get("/subscribe", headers={"X-Request-ID": offered})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_each_request_gets_its_own_id(client):
    ids = {client.get("/subscribe").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_a_500_is_logged_with_its_request_id_and_no_token(make_app, monkeypatch):
    def broken(token: str):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "unsubscribe_page", broken)
    with captured_logs("INFO", "text") as stream:
        app = make_app()
        app.config["PROPAGATE_EXCEPTIONS"] = False
        with app.app_context():
            response = app.test_client().get("/unsubscribe/abc.secret-token")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    head, *trace = stream.getvalue().splitlines()
    assert f" ERROR digest.app request={request_id} Exception on /unsubscribe/… [GET]" in head
    assert "RuntimeError: a bug" in trace[-1]
    assert "abc.secret-token" not in stream.getvalue()
