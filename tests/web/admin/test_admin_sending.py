"""Sending as the admin watches it: pause and resume, counts that add up, the time left in
words, the deliveries chart that follows the ledger."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest

from digest.deliver import deliver_edition
from digest.deliver.progress import counts_of
from digest.extensions import db
from digest.models import DeliveryStatus, Edition, EditionStatus, utcnow
from digest.schedule.jobs import deliver_due
from tests.support.factories import (
    make_deliveries,
    make_edition,
    make_newsletter,
    make_subscribers,
    settings_of,
)
from tests.web.conftest import ADMIN, PASSWORD


def test_an_admin_pauses_a_send_half_way_and_resumes_it(make_app, smtp_server):
    app = make_app(send_rate="40", smtp_connections="1", send_batch="10")
    with app.app_context():
        from digest.accounts import Role, create_user

        letter = make_newsletter()
        edition = make_edition(letter, items=2, status=EditionStatus.APPROVED)
        make_subscribers(letter, 120)
        create_user(ADMIN, PASSWORD, Role.ADMIN)
        db.session.commit()
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        client.post("/admin/login", data={"email": ADMIN, "password": PASSWORD})
        sender = threading.Thread(target=_send, args=(app, edition.id))
        sender.start()
        deadline = time.monotonic() + 30
        while counts_of(edition.id)["sent"] < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.post(f"/admin/editions/{edition.id}/pause").status_code == 302
        sender.join(timeout=30)
        assert not sender.is_alive()
        paused = counts_of(edition.id)
        assert 10 <= paused["sent"] < 120 and paused["pending"] > 0
        db.session.expire_all()
        assert db.session.get(Edition, edition.id).status is EditionStatus.PAUSED
        progress = client.get(f"/admin/editions/{edition.id}/progress.json").get_json()
        assert progress["status"] == "paused" and progress["pause_reason"] == "paused by an admin"
        client.post(f"/admin/editions/{edition.id}/resume")
        deliver_due(app)
        assert counts_of(edition.id)["sent"] == 120
        assert len(smtp_server.received) == 120


def _send(app, edition_id: int) -> None:
    with app.app_context():
        deliver_edition(edition_id, settings_of(app), wait=False)
        db.session.remove()


@pytest.fixture
def admin(app, client, sign_in):
    sign_in("admin")
    app.config["WTF_CSRF_ENABLED"] = False
    return client


def half_sent_edition(status: EditionStatus, sent: int = 50) -> Edition:
    """`sent` messages over the last ten seconds, 3 skipped, 2 failed, 300 still to send."""
    letter = make_newsletter()
    edition = make_edition(letter, items=1, status=status)
    make_subscribers(letter, sent + 305)
    now = utcnow()
    make_deliveries(
        edition,
        [(DeliveryStatus.SENT, now - timedelta(seconds=i * 10 / sent)) for i in range(sent)]
        + [(DeliveryStatus.SKIPPED, None)] * 3
        + [(DeliveryStatus.FAILED, None)] * 2
        + [(DeliveryStatus.PENDING, None)] * 300,
    )
    return edition


def test_the_overview_shows_sent_skipped_failed_and_waiting_that_add_up(admin):
    half_sent_edition(EditionStatus.SENDING)
    page = admin.get("/admin/").get_data(as_text=True)
    for field, value in (("sent", 50), ("skipped", 3), ("failed", 2), ("waiting", 300)):
        assert f'data-field="{field}">{value}<' in page
    assert 'data-field="total">355<' in page


def test_the_time_left_of_a_send_ten_seconds_old_is_in_words(admin):
    edition = half_sent_edition(EditionStatus.SENDING)
    progress = admin.get(f"/admin/editions/{edition.id}/progress.json").get_json()
    assert 4 <= progress["rate"] <= 6  # five a second, not a minute's average of 0.83
    assert progress["time_left"] == "about 1 minute left"


def test_a_paused_send_shows_paused_instead_of_a_time_left(admin):
    edition = half_sent_edition(EditionStatus.PAUSED)
    progress = admin.get(f"/admin/editions/{edition.id}/progress.json").get_json()
    assert (progress["time_left"], progress["eta_seconds"]) == ("paused", None)
    assert 'data-field="time_left" aria-live="polite">paused<' in admin.get("/admin/").get_data(
        as_text=True
    )


def test_the_deliveries_chart_fragment_follows_the_ledger(admin):
    chart = admin.get("/admin/charts/deliveries").get_data(as_text=True)
    assert "No edition has been sent yet." in chart
    edition = half_sent_edition(EditionStatus.SENDING)
    edition.released_at = utcnow()
    db.session.commit()
    chart = admin.get("/admin/charts/deliveries").get_data(as_text=True)
    assert f"Edition {edition.id} (City Digest: news): 50 sent, 2 failed" in chart
    assert 'data-chart-url="/admin/charts/deliveries"' in admin.get("/admin/").get_data(
        as_text=True
    )


def test_large_counts_on_the_chart_axis_are_compact(admin):
    edition = half_sent_edition(EditionStatus.SENDING, sent=3011)
    edition.released_at = utcnow()
    db.session.commit()
    chart = admin.get("/admin/charts/deliveries").get_data(as_text=True)
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]*)</text>', chart)
    assert ticks == ["4k", "2k", "0"]  # 3,013 rounded up to a round top, in a few characters
