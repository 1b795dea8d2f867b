"""The whole pipeline on real parts: files in, an edition built, mail through a real SMTP server."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from digest.extensions import db
from digest.models import Delivery
from tests.support.cli import run_ok
from tests.support.pipeline import build_and_send


def test_each_subscriber_gets_one_multipart_message(runner, smtp_server, tmp_path):
    build_and_send(runner, tmp_path)
    assert sorted(r.recipients[0] for r in smtp_server.received) == [
        "reader0@example.org",
        "reader1@example.org",
        "reader2@example.org",
    ]
    for item in smtp_server.received:
        message = item.message
        assert message.get_content_type() == "multipart/alternative"
        parts = [part.get_content_type() for part in message.iter_parts()]
        assert parts == ["text/plain", "text/html"]
        assert "Harbour Bridge Reopens After Repairs" in message.get_body(("plain",)).get_content()


def test_messages_carry_the_list_headers(runner, smtp_server, tmp_path):
    build_and_send(runner, tmp_path)
    for item in smtp_server.received:
        message = item.message
        for header in ("From", "To", "Subject", "Date", "Message-ID", "List-Id"):
            assert message[header], header
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        links = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
        assert links[0].startswith("http://digest.test/unsubscribe/")
        assert links[1].startswith("mailto:")
    urls = {item.message["List-Unsubscribe"] for item in smtp_server.received}
    assert len(urls) == 3


def test_message_ids_are_the_stored_ones(runner, smtp_server, tmp_path, app):
    edition_id = build_and_send(runner, tmp_path)
    stored = set(
        db.session.scalars(select(Delivery.message_id).where(Delivery.edition_id == edition_id))
    )
    assert {item.message["Message-ID"] for item in smtp_server.received} == stored


def test_second_send_of_an_edition_sends_nothing(runner, smtp_server, tmp_path):
    edition_id = build_and_send(runner, tmp_path)
    run_ok(runner, "send", str(edition_id))
    assert len(smtp_server.received) == 3


def test_one_click_unsubscribe_stops_the_next_edition(runner, smtp_server, tmp_path, client, app):
    build_and_send(runner, tmp_path)
    first = next(r for r in smtp_server.received if r.recipients[0] == "reader1@example.org")
    url = re.findall(r"<([^>]+)>", first.message["List-Unsubscribe"])[0]
    response = client.post(
        url.removeprefix("http://digest.test"), data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    smtp_server.received.clear()
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "ferry.txt").write_text(
        "Ferry Timetable Changes\n\nThe ferry will run every twenty minutes from May.\n"
    )
    run_ok(runner, "import", str(tmp_path / "more"), "--newsletter", "city")
    edition_id = int(run_ok(runner, "build", "city").strip().splitlines()[-1])
    run_ok(runner, "send", str(edition_id))
    assert sorted(r.recipients[0] for r in smtp_server.received) == [
        "reader0@example.org",
        "reader2@example.org",
    ]
    text = smtp_server.received[0].message.get_body(("plain",)).get_content()
    assert "Ferry Timetable Changes" in text
    assert "Harbour Bridge" not in text
    count = db.session.scalar(select(func.count()).select_from(Delivery))
    assert count == 5
