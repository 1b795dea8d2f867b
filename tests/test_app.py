"""The application factory: every route is in the URL map from the start, views load on the
first request that needs them, and absolute URLs come from DIGEST_BASE_URL everywhere."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import url_for

from config import Config
from digest.app import create_app
from digest.context import external_url
from digest.errors import ConfigurationError
from digest.web.routes import ROUTES


def test_the_url_map_holds_every_route_of_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    table = {f"{name}.{route.endpoint}" for name, routes in ROUTES.items() for route in routes}
    assert table <= endpoints
    assert len(table) == sum(len(routes) for routes in ROUTES.values())  # no endpoint twice


def test_first_requests_arriving_together_each_get_their_page(make_app):
    app = make_app()  # a new app: its views have not been looked up yet
    clients = [app.test_client() for _ in range(8)]
    with ThreadPoolExecutor(len(clients)) as pool:
        statuses = list(pool.map(lambda c: c.get("/subscribe").status_code, clients))
    assert statuses == [200] * len(clients)


def test_a_job_or_command_builds_absolute_urls_on_the_base_url(app):
    # No request here: the app context alone, as in a scheduler job or a CLI command.
    assert url_for("editor.edition", edition_id=7, _external=True) == (
        "http://digest.test/editor/edition/7"
    )
    assert external_url("public.archive", slug="riverside", edition_id=3) == (
        "http://digest.test/archive/riverside/3"
    )


def test_mail_links_ignore_the_host_a_request_came_with(app):
    with app.test_request_context("/", base_url="http://attacker.example"):
        assert external_url("admin.accept_invite", token="t") == "http://digest.test/admin/invite/t"


def test_a_base_url_under_a_path_keeps_its_path(database_url):
    config = Config(
        {
            "DIGEST_ENV": "test",
            "DIGEST_DATABASE_URL": database_url,
            "DIGEST_BASE_URL": "https://example.org/news/",
        }
    )
    app = create_app(config)
    with app.app_context():
        assert url_for("public.index", _external=True) == "https://example.org/news/"
        assert external_url("public.subscribe_page") == "https://example.org/news/subscribe"


@pytest.mark.parametrize("base_url", ["example.org", "ftp://example.org", "https://"])
def test_a_base_url_that_is_not_a_web_address_is_one_clear_error(base_url):
    with pytest.raises(ConfigurationError, match="DIGEST_BASE_URL"):
        Config({"DIGEST_ENV": "test", "DIGEST_BASE_URL": base_url})


def test_a_database_url_digest_has_no_driver_for_is_one_clear_error():
    config = Config({"DIGEST_ENV": "test", "DIGEST_DATABASE_URL": "postgres://digest:pw@db/x"})
    with pytest.raises(ConfigurationError) as refused:
        create_app(config)
    assert str(refused.value) == (
        "DIGEST_DATABASE_URL cannot be used: Can't load plugin: sqlalchemy.dialects:postgres"
    )
