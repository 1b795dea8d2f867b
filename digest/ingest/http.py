"""An HTTP(S) fetcher that cannot be pointed at the machine's own network (SSRF-safe).

Each hop resolves the host once, refuses non-public addresses and connects to exactly the
address it checked (the Host header and TLS SNI/verification still use the name), so a
DNS answer cannot change between the check and the connection. Redirects are followed by
hand and every hop is checked again; bodies are streamed against a byte limit.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import certifi
import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from digest.ingest.canonical import join_url, split_url
from digest.ingest.errors import FetchError, TooLarge, UnsafeURL
from digest.ingest.types import FetchResult

DEFAULT_USER_AGENT = "digest/0.1 (self-hosted newsletter digest; feed reader)"
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
CHUNK_BYTES = 64 * 1024
ANSWER_BYTES = 64 * 1024  # of a hub's answer to a form: only its start is ever shown
_DEFAULT_PORTS = {"http": 80, "https": 443}
_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8", "2001:db8::/32",
    )
)  # fmt: skip
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str
    port: int
    address: str
    request_path: str


def is_public_address(address: str) -> bool:
    """True only for a globally routable unicast address (v4 embedded in v6 is unwrapped)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(str(embedded))
        if ip.teredo:
            return False
    if any(ip in network for network in _BLOCKED_NETWORKS if network.version == ip.version):
        return False
    flags = (ip.is_private, ip.is_loopback, ip.is_link_local, ip.is_multicast, ip.is_reserved)
    return ip.is_global and not any(flags) and not ip.is_unspecified


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def resolve_target(url: str, allow_private: bool = False) -> _Target:
    """Check a URL's scheme and host and pick the one address to connect to."""
    parts = split_url(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UnsafeURL(url, f"scheme {scheme or '(none)'!r} is not http or https")
    host = parts.hostname
    if not host:
        raise UnsafeURL(url, "no host")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError as exc:
        raise UnsafeURL(url, "bad port") from exc
    address = _resolve(url, host, port, allow_private)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(url, scheme, host, port, address, path)


def _resolve(url: str, host: str, port: int, allow_private: bool) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(url, f"cannot resolve {host}: {exc}") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise FetchError(url, f"cannot resolve {host}")
    refused = [a for a in addresses if not is_public_address(a)]
    if refused and not allow_private:
        raise UnsafeURL(url, f"{host} resolves to non-public address {refused[0]}")
    return addresses[0]


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: tuple[float, float] = (5, 15),
    max_bytes: int = 5_000_000,
    allow_private: bool = False,
    max_redirects: int = 5,
    user_agent: str = DEFAULT_USER_AGENT,
) -> FetchResult:
    """GET a public URL with conditional headers; FetchError, UnsafeURL or TooLarge on failure.

    The whole fetch (connects, headers, redirects and body) has one wall-clock deadline of
    `connect + 2 * read` seconds, held even against a server that trickles bytes.
    """
    headers = _request_headers(etag, last_modified, user_agent)
    seconds = timeout[0] + 2 * timeout[1]
    watchdog = _Watchdog(seconds)
    too_slow = FetchError(url, f"gave up after {seconds:g} s: the server is too slow")
    try:
        result = _follow(url, headers, timeout, max_bytes, allow_private, max_redirects, watchdog)
    except FetchError as exc:
        if watchdog.has_fired:
            raise too_slow from exc
        raise
    finally:
        watchdog.cancel()
    if watchdog.has_fired:  # a cut-off response can look complete: never trust it
        raise too_slow
    return result


def post_form(
    url: str,
    fields: dict[str, str],
    *,
    timeout: tuple[float, float] = (5, 15),
    allow_private: bool = False,
    user_agent: str = DEFAULT_USER_AGENT,
) -> int:
    """POST a form to a public URL (a WebSub hub) under the same address checks and deadline
    as fetch(); the 2xx status, or FetchError (with the status and the start of the answer).
    A redirect is not followed: a hub that moved is announced anew by its feed."""
    headers = {
        "User-Agent": user_agent,
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "*/*",
    }
    body = urlencode(fields).encode()
    watchdog = _Watchdog(timeout[0] + 2 * timeout[1])
    try:
        target = resolve_target(url, allow_private)
        pool, response = _open(target, headers, timeout, watchdog, "POST", body)
        try:
            said = _read_body(url, response, ANSWER_BYTES, watchdog.deadline)
        except TooLarge:
            said = b""
        finally:
            response.close()
            pool.close()
    finally:
        watchdog.cancel()
    if watchdog.has_fired:
        raise FetchError(url, "gave up: the server is too slow")
    if not 200 <= response.status < 300:
        text = " ".join(said.decode("utf-8", "replace").split())[:200]
        reason = f"HTTP {response.status}" + (f": {text}" if text else "")
        raise FetchError(url, reason, status=response.status)
    return response.status


def final_url(
    url: str,
    *,
    timeout: tuple[float, float] = (3, 5),
    allow_private: bool = False,
    max_redirects: int = 8,
) -> str:
    """Where a link lands once its redirects are followed (a tracking redirect, say), under the
    same rules and deadline as `fetch`; the last page's body is not read. FetchError or
    UnsafeURL when a hop fails or is refused."""
    headers = _request_headers(None, None, DEFAULT_USER_AGENT)
    watchdog = _Watchdog(timeout[0] + 2 * timeout[1])
    try:
        landed = _follow(url, headers, timeout, 0, allow_private, max_redirects, watchdog, _landing)
    finally:
        watchdog.cancel()
    if watchdog.has_fired:
        raise FetchError(url, "gave up: the redirects took too long")
    return landed.url


def _landing(target: _Target, response, max_bytes: int, deadline: float) -> FetchResult:
    """A page reached and not read: its address is all a redirect's follower wants."""
    if response.status >= 400:
        raise FetchError(target.url, f"HTTP {response.status}", status=response.status)
    return FetchResult(response.status, b"", target.url, None, None, None)


def _follow(
    url: str,
    headers: dict,
    timeout: tuple[float, float],
    max_bytes: int,
    allow_private: bool,
    max_redirects: int,
    watchdog: _Watchdog,
    read: Callable[..., FetchResult] | None = None,
) -> FetchResult:
    current = url
    for _ in range(max_redirects + 1):
        target = resolve_target(current, allow_private)
        pool, response = _open(target, headers, timeout, watchdog)
        try:
            location = response.headers.get("Location")
            if response.status in REDIRECT_STATUSES and location:
                current = join_url(current, location.strip())
                continue
            return (read or _read_result)(target, response, max_bytes, watchdog.deadline)
        finally:
            response.close()
            pool.close()
    raise FetchError(url, f"more than {max_redirects} redirects")


class _Watchdog:
    """Shuts the fetch's sockets down when its deadline passes: a read blocked on a server
    that sends a byte a second returns at once instead of waiting for the next byte."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.has_fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, pool: urllib3.HTTPConnectionPool) -> None:
        """Make every connection the pool opens report its socket here."""
        watchdog, base = self, pool.ConnectionCls

        class Watched(base):  # type: ignore[misc, valid-type]
            def connect(self) -> None:
                super().connect()
                watchdog.add(self.sock)

        pool.ConnectionCls = Watched

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.has_fired:
                _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            self.has_fired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def _request_headers(etag: str | None, last_modified: str | None, user_agent: str) -> dict:
    headers = {
        "User-Agent": user_agent,
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
        "text/html;q=0.8, */*;q=0.5",
        "Accept-Encoding": "gzip, deflate",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _open(
    target: _Target,
    headers: dict,
    timeout: tuple[float, float],
    watchdog: _Watchdog,
    method: str = "GET",
    body: bytes | None = None,
) -> tuple[urllib3.HTTPConnectionPool, urllib3.BaseHTTPResponse]:
    pool = _pool_for(target, timeout)
    watchdog.watch(pool)
    host_header = f"[{target.host}]" if ":" in target.host else target.host
    if target.port != _DEFAULT_PORTS[target.scheme]:
        host_header += f":{target.port}"
    try:
        response = pool.urlopen(
            method,
            target.request_path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
    except Urllib3Timeout as exc:
        pool.close()
        raise FetchError(target.url, f"timed out ({exc})") from exc
    except (Urllib3Error, OSError) as exc:
        pool.close()
        raise FetchError(target.url, f"{type(exc).__name__}: {exc}") from exc
    return pool, response


def _pool_for(target: _Target, timeout: tuple[float, float]) -> urllib3.HTTPConnectionPool:
    limits = urllib3.Timeout(connect=timeout[0], read=timeout[1])
    if target.scheme == "http":
        return urllib3.HTTPConnectionPool(target.address, target.port, timeout=limits, maxsize=1)
    return urllib3.HTTPSConnectionPool(
        target.address,
        target.port,
        timeout=limits,
        maxsize=1,
        cert_reqs="CERT_REQUIRED",
        ca_certs=certifi.where(),
        server_hostname=target.host,
        assert_hostname=target.host,
    )


def _read_result(
    target: _Target, response: urllib3.BaseHTTPResponse, max_bytes: int, deadline: float
) -> FetchResult:
    headers = response.headers
    if response.status == 304:
        content = b""
    elif 200 <= response.status < 300:
        content = _read_body(target.url, response, max_bytes, deadline)
    else:
        raise FetchError(target.url, f"HTTP {response.status}", status=response.status)
    return FetchResult(
        status=response.status,
        content=content,
        url=target.url,
        etag=headers.get("ETag"),
        last_modified=headers.get("Last-Modified"),
        content_type=headers.get("Content-Type"),
        link_header=headers.get("Link"),
    )


def _read_body(
    url: str, response: urllib3.BaseHTTPResponse, max_bytes: int, deadline: float
) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.strip().isdigit() and int(declared) > max_bytes:
        raise TooLarge(url, max_bytes)
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in response.stream(CHUNK_BYTES, decode_content=True):
            total += len(chunk)
            if total > max_bytes:
                raise TooLarge(url, max_bytes)
            if time.monotonic() > deadline:
                raise FetchError(url, "timed out reading the body")
            chunks.append(chunk)
    except Urllib3Timeout as exc:
        raise FetchError(url, f"timed out ({exc})") from exc
    except (Urllib3Error, OSError) as exc:
        raise FetchError(url, f"{type(exc).__name__}: {exc}") from exc
    return b"".join(chunks)
