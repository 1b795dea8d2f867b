"""The sender-health page: only admins see it; it shows what came back and what digest did,
saves pause thresholds, checks DNS through the configured resolver and runs the self-test."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from digest.deliver import deliver_edition
from digest.edition import lifecycle
from digest.extensions import db
from digest.models import JobRun, Newsletter, Subscriber
from digest.schedule.jobs import run_requested
from tests.support.dnsserver import DnsServer, txt
from tests.support.factories import make_edition, make_newsletter, make_subscribers, settings_of
from tests.support.inbound import BOUNCE_BASE, InboundServer, corpus_message, rows_of
from tests.support.smtp import free_port
from tests.web.conftest import csrf_of

PORT = free_port()


@pytest.fixture
def dns_server():
    server = DnsServer(
        {
            ("digest.test", "TXT"): [txt("v=spf1 ip4:93.184.216.0/24 -all")],
            ("_dmarc.digest.test", "TXT"): [txt("v=DMARC1; p=none")],
        }
    )
    yield server
    server.stop()


@pytest.fixture
def app(make_app, dns_server):
    """The app with VERP on bounces@digest.test, a resolver, and a base URL a live server uses."""
    app = make_app(
        bounce_address=BOUNCE_BASE,
        dns_resolver=dns_server.address,
        base_url=f"http://127.0.0.1:{PORT}",
    )
    with app.app_context():
        yield app


@pytest.fixture
def sent_edition(app, smtp_server):
    """An edition sent to ten readers, and what came back: 2 hard bounces, 1 complaint, 1
    unsubscribe by mail and an auto-reply."""
    newsletter = make_newsletter()
    edition = make_edition(newsletter, items=2)
    lifecycle.approve(edition)
    db.session.commit()
    make_subscribers(newsletter, 10)
    deliver_edition(edition.id, settings_of(app))
    rows = rows_of(edition.id)
    server = InboundServer(app)
    try:
        for row, name in zip(
            rows, ["gmail_user_unknown.eml", "postfix_user_unknown.eml"], strict=False
        ):
            server.send(corpus_message(name, row), row.return_path)
        server.send(corpus_message("yahoo_arf.eml", rows[2]), BOUNCE_BASE, "fbl@yahoo.example")
        server.send(
            corpus_message("mailto_unsubscribe_apple.eml", rows[3]),
            rows[3].unsubscribe,
            rows[3].email,
        )
        server.send(
            corpus_message("gmail_vacation.eml", rows[4]), rows[4].return_path, rows[4].email
        )
    finally:
        server.stop()
    db.session.rollback()
    return edition.id


def test_only_admins_see_the_health_page(client, sign_in):
    assert client.get("/admin/health").status_code == 302
    sign_in("editor")
    assert client.get("/admin/health").status_code == 403


def without_labels(page: str) -> str:
    """The page without what lays its table rows out as cards on a phone."""
    page = re.sub(r' data-label="[^"]*"', "", page)
    return re.sub(r' class="(?:card-title|wrap-anywhere| )+"', "", page)


def test_the_dashboard_links_to_the_health_page(client, sign_in):
    sign_in("admin")
    assert 'href="/admin/health"' in client.get("/admin/").get_data(as_text=True)


def test_the_page_shows_rates_unsubscribes_and_every_action(client, sign_in, sent_edition):
    sign_in("admin")
    page = client.get("/admin/health").get_data(as_text=True)
    cells = without_labels(re.sub(r"\s+", " ", page))
    assert f"<td>{sent_edition}: City Digest: news</td><td>10</td>" in cells
    assert "<td>2 (20.0%)</td>" in cells  # hard bounces, per edition and per domain
    assert "<td>1 (10.0%)</td>" in cells  # the complaint
    assert "<td>example.org</td><td>10</td>" in cells
    assert "reader3@example.org</td><td>mail</td>" in cells
    assert "0 took longer than 2 days" in cells
    for action in ("suppressed (bounced)", "unsubscribed; suppressed (complained)", "ignored"):
        assert f"<td>{action}</td>" in cells
    assert "auto reply" in cells


def test_thresholds_are_saved_as_fractions(client, sign_in):
    newsletter_id = make_newsletter().id
    sign_in("admin")
    token = csrf_of(client.get("/admin/health").get_data(as_text=True))
    prefix = f"n{newsletter_id}-"
    response = client.post(
        f"/admin/health/thresholds/{newsletter_id}",
        data={
            "csrf_token": token,
            prefix + "bounce_percent": "2",
            prefix + "complaint_percent": "0.1",
        },
    )
    assert response.status_code == 302
    db.session.rollback()
    newsletter = db.session.get(Newsletter, newsletter_id)
    assert (newsletter.pause_bounce_rate, newsletter.pause_complaint_rate) == (0.02, 0.001)
    bad = client.post(
        f"/admin/health/thresholds/{newsletter_id}",
        data={
            "csrf_token": token,
            prefix + "bounce_percent": "250",
            prefix + "complaint_percent": "x",
        },
    )
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert f'id="{prefix}bounce_percent-errors"' in page
    assert f'id="{prefix}complaint_percent-errors"' in page


def test_dns_records_are_checked_through_the_configured_resolver(client, sign_in, dns_server):
    make_newsletter()
    sign_in("admin")
    page = without_labels(
        re.sub(r"\s+", " ", client.get("/admin/health/dns").get_data(as_text=True))
    )
    # The record is found and strict; the relay (this machine) has no public address to test.
    assert '<td>SPF</td><td class="">warn</td>' in page
    assert "<code>v=spf1 ip4:93.184.216.0/24 -all</code>" in page
    assert "the relay 127.0.0.1 has no public address here" in page
    assert '<td>DMARC</td><td class="">pass</td>' in page
    assert "messages are not signed" in page
    assert ("_dmarc.digest.test", "TXT") in dns_server.queries


@pytest.fixture
def live(app):
    server = make_server("127.0.0.1", PORT, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield
    server.shutdown()


def test_the_self_test_posts_to_the_one_click_url_and_cleans_up(
    app, client, sign_in, sent_edition, live
):
    sign_in("admin")
    token = re.search(
        r'id="csrf_token-selftest"[^>]*value="([^"]+)"',
        client.get("/admin/health").get_data(as_text=True),
    ).group(1)
    response = client.post(
        "/admin/health/selftest", data={"csrf_token": token, "edition": sent_edition}
    )
    assert response.status_code == 302
    run_requested(app)  # the scheduler's next second
    db.session.rollback()
    run = db.session.scalar(select(JobRun).where(JobRun.job == "unsubscribe self-test"))
    assert run.status == "ok", run.detail
    assert re.match(
        rf"POST http://127.0.0.1:{PORT}/unsubscribe/… answered 200 in \d+ ms", run.detail
    )
    db.session.rollback()
    probes = db.session.scalars(select(Subscriber).where(Subscriber.email.like("probe-%"))).all()
    assert probes == []
