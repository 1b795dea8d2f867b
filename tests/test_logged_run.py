"""A whole run logged at DEBUG, in text and in JSON: a reader subscribes and confirms, a source
is polled, an edition is built and sent through an SMTP server that wants a password, a bounce
comes back through the inbound server, someone fails to sign in. The log names each event with
its subject, and holds none of the secrets configured nor any token that was issued."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import select

from digest.deliver.returnpath import BOUNCE, UNSUBSCRIBE, signed_address
from digest.extensions import db
from digest.models import Delivery
from digest.web import mailer
from tests.support.cli import run_ok
from tests.support.inbound import BOUNCE_BASE, InboundServer, Row, corpus_message
from tests.support.logs import captured_logs, find, records_of
from tests.support.pipeline import write_articles
from tests.support.smtp import SmtpServer
from tests.web.conftest import csrf_of
from tests.web.subscriber_support import confirm_link_in, post_form

SECRET_KEY = "log-test-secret-key-5c7e91"
SMTP_USER, SMTP_PASSWORD = "mailer", "smtp-password-83d1f0"
API_TOKEN = "api-token-a4b9e2"
TYPED_PASSWORD = "typed-password-6f02c1"
READER = "reader@example.org"


@pytest.fixture
def mail_server():
    server = SmtpServer(login=(SMTP_USER, SMTP_PASSWORD)).start()
    yield server
    server.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # on localhost
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_full_run_logs_each_event_with_its_subject_and_no_secret(
    fmt, make_app, mail_server, tmp_path
):
    with captured_logs("DEBUG", fmt) as stream:
        app = make_app(
            log_level="DEBUG",
            log_format=fmt,
            secret_key=SECRET_KEY,
            smtp_user=SMTP_USER,
            smtp_password=SMTP_PASSWORD,
            smtp_port=mail_server.port,
            api_token=API_TOKEN,
            bounce_address=BOUNCE_BASE,
        )
        with app.app_context():
            issued = run_everything(app, mail_server, tmp_path)
    logged = stream.getvalue()
    for secret in [SECRET_KEY, SMTP_PASSWORD, API_TOKEN, TYPED_PASSWORD, *issued]:
        assert secret not in logged
    auth = base64.b64encode(f"\0{SMTP_USER}\0{SMTP_PASSWORD}".encode()).decode()
    assert auth not in logged
    assert_events(records_of(logged, fmt), fmt)


def run_everything(app, mail_server: SmtpServer, tmp_path) -> list[str]:
    """Drive the run; the tokens it issued (links, signed addresses, the session cookie)."""
    runner, client = app.test_cli_runner(), app.test_client()
    run_ok(runner, "newsletter", "create", "city", "--title", "City Digest")
    run_ok(runner, "sources", "add", str(write_articles(tmp_path / "wire")), "--newsletter", "city")
    run_ok(runner, "poll")
    issued = subscribe_and_confirm(client, mail_server)
    client.post(
        "/api/articles?newsletter=city",
        json={"title": "Market moves", "text": "The market moves to the square on Monday."},
        headers={"Authorization": f"Bearer {API_TOKEN}"},
    )
    edition_id = int(run_ok(runner, "build", "city").strip().splitlines()[-1])
    run_ok(runner, "send", str(edition_id))
    issued += bounce_the_edition(app, mail_server, edition_id)
    issued += fail_to_sign_in(client)
    return issued


def subscribe_and_confirm(client, mail_server: SmtpServer) -> list[str]:
    post_form(client, "/subscribe/city", {"email": READER})
    assert mailer.drain(timeout=30)
    confirm = confirm_link_in(mail_server.wait_for(1)[0])
    post_form(client, confirm, {})
    assert mailer.drain(timeout=30)
    mail_server.wait_for(2)
    return [confirm.removeprefix("/confirm/")]


def bounce_the_edition(app, mail_server: SmtpServer, edition_id: int) -> list[str]:
    """The edition's message bounces back through `digest inbound`'s server."""
    delivery = db.session.scalars(select(Delivery).where(Delivery.edition_id == edition_id)).one()
    message = next(r for r in mail_server.received if r.message["List-Unsubscribe"])
    links = re.findall(r"<([^>]+)>", message.message["List-Unsubscribe"])
    text = message.message.get_body(("plain",)).get_content()
    preferences = re.search(r"/preferences/(\S+)", text).group(1)
    row = Row(
        delivery.id,
        READER,
        delivery.message_id,
        signed_address(BOUNCE_BASE, SECRET_KEY, BOUNCE, delivery.id),
        signed_address(BOUNCE_BASE, SECRET_KEY, UNSUBSCRIBE, delivery.id),
    )
    unsubscribe = links[0].removeprefix("http://digest.test")
    app.test_client().get(unsubscribe)  # a reader looks at the page: its path is logged
    server = InboundServer(app)
    try:
        server.send(corpus_message("exim_user_unknown.eml", row), row.return_path)
    finally:
        server.stop()
    token = unsubscribe.removeprefix("/unsubscribe/")
    return [token, preferences, row.return_path, row.unsubscribe, message.envelope_from]


def fail_to_sign_in(client) -> list[str]:
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    data = {"csrf_token": token, "email": "ed@example.org", "password": TYPED_PASSWORD}
    assert client.post("/admin/login", data=data).status_code == 401
    cookie = client.get_cookie("session")
    return [cookie.value] if cookie else []


def assert_events(records: list[dict], fmt: str) -> None:
    """The events of the run, each on a line of its own naming what it concerns."""
    expected = [
        ("polled: 3 new", {"source": 1, "newsletter": 1}),
        ("confirmation to reader@example.org sent", {"mail": 1}),
        ("welcome to reader@example.org sent", {"mail": 2}),
        ("built: ", {"edition": 1, "newsletter": 1}),
        ("draft -> approved", {"edition": 1}),
        ("approved -> sending", {"edition": 1}),
        ("released to 1 recipients", {"edition": 1}),
        ("sending -> sent", {"edition": 1}),
        ("job send done: edition 1: ", {"job": "send", "newsletter": 1}),
        ("hard_bounce by smtp: suppressed (bounced)", {"edition": 1, "delivery": 1}),
        ("sign-in refused from", {}),
        ("GET /unsubscribe/… 200", {}),
        ("POST /confirm/… 200", {}),
    ]
    for text, fields in expected:
        assert find(records, fmt, text, **fields), (text, fields)
    refused = find(records, fmt, "sign-in refused")
    assert refused.get("request") if fmt == "json" else " request=" in refused["line"]
