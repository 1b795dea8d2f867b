"""Errors map to styled pages (or JSON under /api/) in one place."""

from __future__ import annotations

import pytest

from digest.extensions import db
from digest.models import Newsletter
from tests.web.conftest import csrf_of


def test_an_unknown_page_is_a_styled_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b"site.css" in response.data and b"error-page" in response.data


def test_a_wrong_method_is_a_styled_405(client):
    response = client.delete("/subscribe")
    assert response.status_code == 405
    assert b"This page does not accept that" in response.data


def test_a_digest_error_shows_its_message_with_its_status(client, sign_in):
    sign_in("editor")
    response = client.get("/editor/edition/99")
    assert response.status_code == 404
    assert b"unknown edition: 99" in response.data


def test_under_api_errors_are_json(make_app):
    app = make_app(api_token="s3cret")
    with app.app_context():
        response = app.test_client().post(
            "/api/articles?newsletter=nope",
            json={"title": "T", "text": "B"},
            headers={"Authorization": "Bearer s3cret"},
        )
    assert response.status_code == 404
    assert response.get_json() == {"error": "unknown newsletter: nope"}


def test_too_many_requests_is_a_styled_429_with_retry_after(make_app):
    app = make_app(ratelimit_enabled="true")
    client = app.test_client()
    with app.app_context():
        db.session.add(Newsletter(slug="city", title="City", from_email="n@digest.test"))
        db.session.commit()
        data = {"csrf_token": csrf_of(client.get("/admin/login").get_data(as_text=True))}
        statuses = [client.post("/admin/login", data=data).status_code for _ in range(10)]
        response = client.post("/admin/login", data=data)
    assert statuses == [422] * 10
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert b"Too many requests" in response.data


@pytest.fixture
def failing_app(make_app):
    app = make_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    return app


def test_an_unexpected_error_is_a_styled_500(failing_app):
    with failing_app.app_context():
        response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.data
    assert b"a bug" not in response.data


def test_a_refusal_is_placed_by_the_operation_parameter_it_names(app):
    from digest.errors import InvalidInput
    from digest.web.admin.health_forms import ThresholdForm
    from digest.web.errors import refuse

    with app.test_request_context(method="POST"):
        form = refuse(ThresholdForm(), InvalidInput("too high", field="complaint_rate"))
        unplaced = refuse(ThresholdForm(), InvalidInput("no field"))
    assert form.complaint_percent.errors == ["Too high."] and not form.form_errors
    assert unplaced.form_errors == ["No field."]


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("line 3: no email", "Line 3: no email."),
        ("not an address (It should have a period.)", "Not an address (It should have a period.)"),
        ("already ends.", "Already ends."),
    ],
)
def test_a_refusal_reads_as_one_sentence(app, said, shown):
    from digest.errors import InvalidInput
    from digest.web.errors import refused

    assert refused(InvalidInput(said)) == shown
