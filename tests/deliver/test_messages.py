"""What each subscriber's message looks like on the wire: headers, bodies, DKIM."""

from __future__ import annotations

import base64
import re
import subprocess
from email.utils import parsedate_to_datetime
from pathlib import Path

import dkim
import pytest
from sqlalchemy import select, update

from digest.deliver.dispatch import tracked
from digest.deliver.message import DkimKeyUnreadable
from digest.deliver.returnpath import SignedAddress, base_of, read_address
from digest.extensions import db
from digest.links import subscriber_url
from digest.models import Edition, Newsletter, Subscriber, Subscription
from digest.render import Recipient, compile_for_topics, parse_snapshot, personalise
from tests.support.cli import run_ok
from tests.support.factories import settings_of

HTTPS = {"base_url": "https://digest.test", "bounce_address": "bounces@digest.test"}


def test_each_message_carries_the_headers_a_mailbox_provider_expects(sending, smtp_server):
    job = sending(subscribers=3, **HTTPS)
    job.send()
    rows = job.rows()
    for item in smtp_server.received:
        address, message = item.recipients[0], item.message
        row = rows[address]
        # VERP: the return path and the mailto: address are signed for this row alone.
        assert read_address(item.envelope_from, "test-secret") == SignedAddress("b", row.id)
        assert base_of(item.envelope_from) == "bounces@digest.test"
        assert message["From"] == "City Digest <news@digest.test>"
        assert message["To"].addresses[0].addr_spec == address
        assert message["To"].addresses[0].display_name == f"Reader {address[6:-12]}"
        assert message["Subject"] == job.edition().subject
        assert parsedate_to_datetime(message["Date"]).tzinfo is not None
        assert message["Message-ID"] == rows[address].message_id
        assert message["List-Id"] == "City Digest <city.digest.test>"
        https, mailto = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
        assert https.startswith("https://digest.test/unsubscribe/")
        mailbox, query = mailto.removeprefix("mailto:").split("?")
        assert read_address(mailbox, "test-secret") == SignedAddress("u", row.id)
        assert base_of(mailbox) == "bounces@digest.test" and query == "subject=unsubscribe"
        assert len(mailbox.split("@")[0]) <= 64
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["MIME-Version"] == "1.0"


def test_bodies_are_exactly_the_personalised_render(sending, smtp_server):
    job = sending(subscribers=2, **HTTPS)
    rename(job.emails[0], 'Zoë Ñandú, "the" reader')
    job.send()
    links = settings_of(job.app).links
    edition = job.edition()
    view = parse_snapshot(tracked(edition.snapshot, edition.id, links))  # story links counted
    compiled = compile_for_topics(view, None)
    for item in smtp_server.received:
        subscriber, subscription_id = subscriber_of(item.recipients[0])
        expected = personalise(
            compiled,
            Recipient(
                email=subscriber.email,
                name=subscriber.name,
                view_url=view.archive_url,
                unsubscribe_url=subscriber_url(links, "unsubscribe", subscription_id),
                preferences_url=subscriber_url(links, "preferences", subscription_id),
            ),
        )
        message = item.message
        assert message["To"].addresses[0].display_name == subscriber.name
        for subtype, want in (("html", expected.html), ("plain", expected.text)):
            assert crlf_to_lf(message.get_body((subtype,)).get_content()) == want
        body = item.data.split(b"\r\n\r\n", 1)[1]
        assert max(len(line) for line in body.split(b"\r\n")) <= 76


def test_line_breaks_in_names_and_subjects_cannot_add_headers(sending, smtp_server):
    job = sending(subscribers=1)
    injected = "\r\nBcc: victim@evil.test\r\nX-Injected: yes"
    rename(job.emails[0], "Reader" + injected)
    db.session.execute(update(Edition).values(subject="Today" + injected))
    db.session.execute(update(Newsletter).values(title="City" + injected))
    db.session.commit()
    job.send()
    [item] = smtp_server.received
    message = item.message
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["Subject"] == "Today Bcc: victim@evil.test X-Injected: yes"
    assert item.recipients == [job.emails[0]]
    headers = item.data.split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"^(Bcc|X-Injected):", headers, re.MULTILINE | re.IGNORECASE)


@pytest.fixture(scope="session")
def dkim_key(tmp_path_factory) -> tuple[Path, bytes]:
    """A 2048-bit RSA key file and the DNS TXT record publishing its public half."""
    folder = tmp_path_factory.mktemp("dkim")
    key = folder / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return key, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_messages_are_dkim_signed_including_the_unsubscribe_headers(sending, smtp_server, dkim_key):
    key, record = dkim_key
    job = sending(
        subscribers=2, dkim_key_file=str(key), dkim_selector="s1", dkim_domain="digest.test"
    )
    job.send()

    def dns(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name == b"s1._domainkey.digest.test." else None

    assert len(smtp_server.received) == 2
    for item in smtp_server.received:
        assert dkim.verify(item.data, dnsfunc=dns)
        signature = item.message["DKIM-Signature"]
        signed = {h.strip().lower() for h in re.search(r"h=([^;]+)", signature).group(1).split(":")}
        assert {"from", "to", "subject", "list-unsubscribe", "list-unsubscribe-post"} <= signed
        assert "d=digest.test" in signature and "s=s1" in signature


def test_a_tampered_unsubscribe_header_fails_verification(sending, smtp_server, dkim_key):
    key, record = dkim_key
    job = sending(
        subscribers=1, dkim_key_file=str(key), dkim_selector="s1", dkim_domain="digest.test"
    )
    job.send()
    data = smtp_server.received[0].data.replace(
        b"List-Unsubscribe-Post: List-Unsubscribe", b"List-Unsubscribe-Post: List-Unsubscribx"
    )
    assert not dkim.verify(data, dnsfunc=lambda name, timeout=5: record)


BROKEN_PEM = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"


@pytest.mark.parametrize("content", [None, b"not a key at all\n", BROKEN_PEM])
def test_an_unusable_dkim_key_stops_sending_before_anything_goes_out(
    sending, smtp_server, tmp_path, content
):
    key = tmp_path / "missing.pem"
    if content is not None:
        key.write_bytes(content)
    job = sending(subscribers=2, dkim_key_file=str(key))
    with pytest.raises(DkimKeyUnreadable, match="refusing to send unsigned mail"):
        job.send()
    assert smtp_server.received == []
    assert job.edition().released_at is None


def test_send_command_reports_an_unreadable_key_in_one_line(sending, smtp_server, tmp_path):
    job = sending(subscribers=1, dkim_key_file=str(tmp_path / "nope.pem"))
    result = job.app.test_cli_runner().invoke(args=["digest", "send", str(job.edition_id)])
    assert result.exit_code == 1
    assert "DKIM key" in result.output and "Traceback" not in result.output
    assert smtp_server.received == []


def test_send_command_reports_the_rate_and_counts(sending, smtp_server):
    job = sending(subscribers=5)
    output = run_ok(job.app.test_cli_runner(), "send", str(job.edition_id))
    assert re.search(r"sent 5, .*suppressed 0 \(\d+\.\d msg/s\)", output), output


def rename(address: str, name: str) -> None:
    db.session.execute(update(Subscriber).where(Subscriber.email == address).values(name=name))
    db.session.commit()


def subscriber_of(address: str) -> tuple[Subscriber, int]:
    db.session.rollback()
    return db.session.execute(
        select(Subscriber, Subscription.id).join(Subscription).where(Subscriber.email == address)
    ).one()


def crlf_to_lf(text: str) -> str:
    return text.replace("\r\n", "\n")
