"""Returned mail in tests: the real inbound SMTP server on a free port, a sent edition whose
rows the corpus messages name, and the corpus files filled in for one row."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from digest.deliver.inbound.act import InboundMail, Outcome
from digest.deliver.inbound.smtpd import InboundHandler, start_server
from digest.deliver.returnpath import BOUNCE, UNSUBSCRIBE, signed_address
from digest.extensions import db
from digest.models import Delivery, DeliveryEvent, Subscriber, Subscription
from digest.schedule.inbound import accepts, receive
from tests.support.smtp import free_port

CORPUS = Path(__file__).resolve().parents[1] / "deliver" / "inbound" / "corpus"
BOUNCE_BASE = "bounces@digest.test"
SECRET = "test-secret"


class InboundServer:
    """`digest inbound` as the CLI runs it: the real aiosmtpd server and the one handler."""

    def __init__(self, app: Flask, deliver: Callable[[InboundMail], Outcome] | None = None) -> None:
        """`deliver` stands in front of the real handling (to hold one mail back, say)."""
        self.port = free_port()
        deliver = deliver or (lambda mail: receive(app, mail))
        self.handler = InboundHandler(lambda a: accepts(app, a), deliver)
        self.controller = start_server(self.handler, "127.0.0.1", self.port)

    def send(self, raw: bytes, rcpt: str, mail_from: str = "") -> None:
        """One SMTP transaction; raises smtplib errors as a sending MTA would see them."""
        with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as client:
            client.sendmail(mail_from, [rcpt], raw)

    def stop(self) -> None:
        self.controller.stop()
        self.handler.close()


@dataclass(frozen=True)
class Row:
    """One delivery row and the addresses a message to it carried."""

    delivery_id: int
    email: str
    message_id: str
    return_path: str
    unsubscribe: str


def row_of(delivery: Delivery) -> Row:
    return Row(
        delivery.id,
        delivery.subscriber.email,
        delivery.message_id,
        signed_address(BOUNCE_BASE, SECRET, BOUNCE, delivery.id),
        signed_address(BOUNCE_BASE, SECRET, UNSUBSCRIBE, delivery.id),
    )


def rows_of(edition_id: int) -> list[Row]:
    deliveries = db.session.scalars(
        select(Delivery).where(Delivery.edition_id == edition_id).order_by(Delivery.id)
    )
    return [row_of(d) for d in deliveries]


def corpus_message(name: str, row: Row, subject: str = "City Digest: news") -> bytes:
    """A corpus file filled in for one row, with CRLF line ends as on the wire."""
    text = (CORPUS / name).read_text(encoding="utf-8")
    for key, value in {
        "{{RETURN_PATH}}": row.return_path,
        "{{UNSUB}}": row.unsubscribe,
        "{{RCPT}}": row.email,
        "{{MSGID}}": row.message_id,
        "{{SUBJECT}}": subject,
        "{{FBL}}": BOUNCE_BASE,
    }.items():
        text = text.replace(key, value)
    text = dated_now(text)
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


DATE_LINE = re.compile(r"^Date: (.+)$", re.MULTILINE)


def dated_now(text: str) -> str:
    """The corpus mail as if written just now: every Date header moves by the same amount, so
    the outer one is now and a quoted original keeps its distance before it."""
    first = DATE_LINE.search(text)
    if first is None:
        return text
    shift = datetime.now(UTC) - _parsed(first.group(1))

    def moved(match: re.Match[str]) -> str:
        return "Date: " + format_datetime(_parsed(match.group(1)) + shift)

    return DATE_LINE.sub(moved, text)


def _parsed(date: str) -> datetime:
    """A Date header's time; "-0000" (no zone given) is taken as UTC."""
    parsed = parsedate_to_datetime(date)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def events_of(delivery_id: int) -> list[DeliveryEvent]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(DeliveryEvent)
            .where(DeliveryEvent.delivery_id == delivery_id)
            .order_by(DeliveryEvent.id)
        )
    )


def state_of(email: str) -> tuple[str, list[str]]:
    """The subscriber's status and the statuses of their subscriptions."""
    db.session.rollback()
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
    subscriptions = db.session.scalars(
        select(Subscription.status).where(Subscription.subscriber_id == subscriber.id)
    )
    return subscriber.status.value, [s.value for s in subscriptions]
