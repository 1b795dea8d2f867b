"""The fetcher against a real local server: conditional GET, limits, timeouts, SSRF refusals."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from ingest_support import (
    FEED_ETAG,
    FEED_LAST_MODIFIED,
    HUGE_BYTES,
    LocalServer,
    TLSServer,
    TricklingServer,
)

from digest.ingest import FetchError, TooLarge, UnsafeURL, fetch
from digest.ingest import fetch as fetch_function
from digest.ingest.http import is_public_address, resolve_target

fetch_module = __import__("digest.ingest.http", fromlist=["fetch"])


def test_feed_is_fetched_with_validators(local_server: LocalServer) -> None:
    result = fetch(f"{local_server.base}/feed", allow_private=True)
    assert result.status == 200
    assert result.content.startswith(b"<?xml")
    assert result.etag == FEED_ETAG
    assert result.last_modified == FEED_LAST_MODIFIED
    assert result.content_type == "application/rss+xml"


def test_matching_etag_gives_304_and_no_body(local_server: LocalServer) -> None:
    result = fetch(f"{local_server.base}/feed", etag=FEED_ETAG, allow_private=True)
    assert (result.status, result.content) == (304, b"")


def test_gzip_body_is_decoded(local_server: LocalServer) -> None:
    result = fetch(f"{local_server.base}/gzip", allow_private=True)
    assert result.content == b"<p>compressed hello</p>" * 100


def test_redirect_is_followed_and_final_url_reported(local_server: LocalServer) -> None:
    result = fetch(f"{local_server.base}/redirect?to=/feed", allow_private=True)
    assert result.status == 200 and result.url == f"{local_server.base}/feed"


def test_redirect_loop_stops(local_server: LocalServer) -> None:
    with pytest.raises(FetchError, match="redirects"):
        fetch(f"{local_server.base}/loop", allow_private=True, max_redirects=3)


def test_http_error_status_is_a_fetch_error_with_the_status(local_server: LocalServer) -> None:
    with pytest.raises(FetchError) as caught:
        fetch(f"{local_server.base}/status?code=410", allow_private=True)
    assert caught.value.status == 410


def test_declared_huge_body_is_refused_before_reading(local_server: LocalServer) -> None:
    with pytest.raises(TooLarge) as caught:
        fetch(f"{local_server.base}/huge-declared", allow_private=True, max_bytes=1_000_000)
    assert caught.value.limit == 1_000_000
    assert local_server.log.huge_bytes_sent < HUGE_BYTES


def test_undeclared_huge_body_stops_at_the_limit(local_server: LocalServer) -> None:
    with pytest.raises(TooLarge):
        fetch(f"{local_server.base}/huge-streamed", allow_private=True, max_bytes=1_000_000)
    assert local_server.log.huge_bytes_sent < HUGE_BYTES // 2


def test_slow_server_times_out(local_server: LocalServer) -> None:
    with pytest.raises(FetchError, match="timed out"):
        fetch(f"{local_server.base}/slow?seconds=2", allow_private=True, timeout=(1, 0.3))


def test_refused_connection_is_a_fetch_error() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(FetchError):
        fetch(f"http://127.0.0.1:{port}/", allow_private=True, timeout=(1, 1))


def test_loopback_is_refused_without_allow_private(local_server: LocalServer) -> None:
    with pytest.raises(UnsafeURL):
        fetch(f"{local_server.base}/feed")
    with pytest.raises(UnsafeURL):
        fetch(f"http://localhost:{local_server.port}/feed")
    assert local_server.log.host_headers == []


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x/", "javascript:alert(1)", "x"]
)
def test_non_http_schemes_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURL):
        fetch(url)


@pytest.mark.parametrize(
    "target", ["http://10.1.2.3/", "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd"]
)
def test_every_redirect_hop_is_checked_again(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    """The local server stands in for a public host; its redirect to a private one is refused."""
    real_check = fetch_module.is_public_address
    monkeypatch.setattr(
        fetch_module, "is_public_address", lambda a: a == "127.0.0.1" or real_check(a)
    )
    with pytest.raises(UnsafeURL):
        fetch_function(f"{local_server.base}/redirect?to={target}")
    assert len(local_server.log.host_headers) == 1


def test_connection_goes_to_the_checked_address_with_the_host_name(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def fake_dns(host, port, *args, **kwargs):
        lookups.append(host)
        answer = "127.0.0.1" if host == "feeds.test" else host
        return real_getaddrinfo(answer, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    result = fetch(f"http://feeds.test:{local_server.port}/feed", allow_private=True)
    assert result.status == 200
    names = [host for host in lookups if not _is_ip_literal(host)]
    assert names == ["feeds.test"]  # one name lookup; the connection used its answer
    assert local_server.log.host_headers == [f"feeds.test:{local_server.port}"]


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def test_tls_connects_to_the_address_but_verifies_the_host_name(
    tls_server: TLSServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: real_getaddrinfo(
            "127.0.0.1" if host == "feeds.test" else host, *a, **k
        ),
    )
    with pytest.raises(FetchError, match="(?i)certificate"):
        fetch(f"https://feeds.test:{tls_server.port}/feed", allow_private=True)
    assert tls_server.server_names == ["feeds.test"]  # SNI carried the name, not the IP


REFUSED = [
    "127.0.0.1", "127.8.9.1", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1",
    "169.254.169.254", "169.254.1.1", "100.64.0.1", "100.127.255.254", "0.0.0.0", "0.1.2.3",
    "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.0.8", "192.0.2.1",
    "198.18.0.1", "198.51.100.7", "203.0.113.9",
    "::", "::1", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "ff02::1", "fec0::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1",
    "2002:7f00:1::", "2002:a00:1::", "2001:db8::1", "2001::1", "not-an-ip", "",
]  # fmt: skip
ALLOWED = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "151.101.1.69", "2606:4700:4700::1111",
           "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808"]  # fmt: skip


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_public_address(address)


def test_numeric_host_spellings_of_loopback_are_refused() -> None:
    for url in ("http://2130706433/", "http://0x7f.0.0.1/", "http://127.1/", "http://[::1]/"):
        with pytest.raises(UnsafeURL):
            resolve_target(url)


@pytest.mark.parametrize("trickle_headers", [True, False], ids=["headers", "body"])
def test_a_trickling_server_is_cut_off_at_the_deadline(trickle_headers: bool) -> None:
    import time

    server = TricklingServer(trickle_headers)
    started = time.monotonic()
    try:
        with pytest.raises(FetchError, match="gave up after 3 s"):
            fetch(f"http://127.0.0.1:{server.port}/feed.xml", allow_private=True, timeout=(1, 1))
    finally:
        server.stop()
    assert time.monotonic() - started < 4.5
