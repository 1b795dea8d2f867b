"""Pausing a send from the admin overview stops the senders; resuming finishes it."""

from __future__ import annotations

import threading
import time

from digest.deliver import deliver_edition
from digest.deliver.progress import counts_of
from digest.extensions import db
from digest.models import Edition, EditionStatus
from digest.schedule.jobs import deliver_due
from tests.support.factories import make_edition, make_newsletter, make_subscribers, settings_of
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
