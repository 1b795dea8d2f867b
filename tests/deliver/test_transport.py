"""The SMTP side: one transaction per recipient, reused connections, RSET, TLS, AUTH, pacing."""

from __future__ import annotations

import sqlite3
import ssl
import subprocess
import time

import pytest

from digest.models import DeliveryStatus, EditionStatus
from tests.support.smtp import SmtpServer


@pytest.fixture
def server_factory():
    servers = []

    def start(**options) -> SmtpServer:
        server = SmtpServer(**options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, and the path clients trust it from."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context, cert


def test_one_transaction_per_recipient_over_one_connection_per_worker(sending, smtp_server):
    job = sending(subscribers=40, smtp_connections="3", send_batch="5")
    job.send()
    assert all(len(item.recipients) == 1 for item in smtp_server.received)
    assert sorted(smtp_server.recipients()) == sorted(job.emails)
    assert 1 <= smtp_server.connections <= 3


def test_a_refused_recipient_is_followed_by_rset_on_the_same_connection(sending, smtp_server):
    job = sending(subscribers=6, smtp_connections="1")
    refused = job.emails[2]
    smtp_server.handler.rcpt_script = lambda a, _: "550 5.7.1 not here" if a == refused else None
    job.send()
    assert smtp_server.handler.rsets == 1
    assert smtp_server.connections == 1
    assert sorted(smtp_server.recipients()) == sorted(set(job.emails) - {refused})


def test_a_message_refused_after_data_is_failed_and_the_connection_reused(sending, smtp_server):
    job = sending(subscribers=4, smtp_connections="1")
    refused = job.emails[1]
    smtp_server.handler.data_script = lambda item, _: (
        "554 5.6.0 content rejected" if item.recipients == [refused] else None
    )
    counts = job.send()
    row = job.rows()[refused]
    assert (row.status, row.smtp_code, row.last_error) == (
        DeliveryStatus.FAILED,
        554,
        "5.6.0 content rejected",
    )
    # The reply to the message ends its transaction (RFC 5321 3.3): the next one, already
    # chained behind it, follows on the same connection with no RSET.
    assert smtp_server.handler.rsets == 0 and smtp_server.connections == 1
    assert counts["sent"] == 3 and counts["suppressed"] == 0


def test_starttls_and_auth_as_configured(sending, server_factory, certificate, monkeypatch):
    context, cert = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    server = server_factory(starttls=context, login=("mailer", "s3cret"))
    job = sending(
        subscribers=3,
        smtp_port=str(server.port),
        smtp_security="starttls",
        smtp_user="mailer",
        smtp_password="s3cret",
    )
    assert job.send()["sent"] == 3
    assert sorted(server.recipients()) == sorted(job.emails)


def test_implicit_tls_as_configured(sending, server_factory, certificate, monkeypatch):
    context, cert = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    server = server_factory(implicit_tls=context)
    job = sending(subscribers=3, smtp_port=str(server.port), smtp_security="tls")
    assert job.send()["sent"] == 3
    assert sorted(server.recipients()) == sorted(job.emails)


def test_refused_login_pauses_the_edition_and_fails_nobody(
    sending, server_factory, certificate, monkeypatch
):
    context, cert = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    server = server_factory(starttls=context, login=("mailer", "s3cret"))
    job = sending(
        subscribers=5,
        smtp_port=str(server.port),
        smtp_security="starttls",
        smtp_user="mailer",
        smtp_password="wrong",
        pause_after_failures="3",
    )
    counts = job.send()
    edition = job.edition()
    assert edition.status is EditionStatus.PAUSED and "535" in edition.pause_reason
    assert counts["pending"] == 5 and counts["failed"] == 0
    assert server.received == []


def test_the_send_rate_is_held(sending, smtp_server):
    job = sending(subscribers=15, send_rate="20")
    started = time.monotonic()
    job.send()
    assert time.monotonic() - started >= 14 / 20 * 0.95
    assert len(smtp_server.received) == 15


def test_no_write_transaction_is_open_while_the_server_is_talked_to(
    sending, smtp_server, database_url
):
    if not database_url.startswith("sqlite"):
        pytest.skip("probes SQLite's write lock")
    job = sending(subscribers=25, smtp_connections="1")
    path = database_url.removeprefix("sqlite:///")
    blocked = []

    def probe_write_lock(item, accepted):
        connection = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            blocked.append(str(exc))
        finally:
            connection.close()

    smtp_server.handler.data_script = probe_write_lock
    assert job.send()["sent"] == 25
    assert blocked == []
