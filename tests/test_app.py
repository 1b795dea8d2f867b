"""The application factory: the web pages attach on first use, once, however many requests
arrive together."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import url_for


def test_the_first_requests_attach_the_pages_once(app):
    assert not app._web_attached
    clients = [app.test_client() for _ in range(8)]
    with ThreadPoolExecutor(len(clients)) as pool:
        statuses = list(pool.map(lambda c: c.get("/nowhere").status_code, clients))
    assert statuses == [404] * len(clients)
    endpoints = [rule.endpoint for rule in app.url_map.iter_rules()]
    assert endpoints.count("public.index") == 1


def test_building_a_url_attaches_the_pages(app):
    with app.test_request_context():
        assert url_for("public.index") == "/"


def test_the_url_map_lists_every_page(app):
    assert {"public.index", "editor.index", "admin.dashboard"} <= {
        rule.endpoint for rule in app.url_map.iter_rules()
    }
