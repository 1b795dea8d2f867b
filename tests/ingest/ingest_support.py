"""Test support for ingest: corpus paths and a real HTTP(S) server for the fetcher."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).parent
FEEDS = HERE / "feeds"
SAMPLES = HERE / "samples"
SEED_DIR = HERE.parents[2] / "shared" / "data" / "seed"
HUGE_BYTES = 50 * 1024 * 1024
FEED_ETAG = '"feed-v1"'
FEED_LAST_MODIFIED = "Tue, 14 May 2024 10:00:00 GMT"


@dataclass
class ServerLog:
    """What the test server saw and sent, for assertions."""

    host_headers: list[str] = field(default_factory=list)
    huge_bytes_sent: int = 0


class _Handler(BaseHTTPRequestHandler):
    log: ServerLog  # set on the subclass made per server

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self.log.host_headers.append(self.headers.get("Host", ""))
        parts = urlsplit(self.path)
        route = getattr(self, "_route_" + parts.path.strip("/").replace("-", "_"), None)
        if route is None:
            return self._send(404, b"not found", "text/plain")
        route(parse_qs(parts.query))

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        try:
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up first (timeout tests)
            self.close_connection = True

    def _route_feed(self, query: dict) -> None:
        if self.headers.get("If-None-Match") == FEED_ETAG:
            self.send_response(304)
            self.send_header("ETag", FEED_ETAG)
            self.end_headers()
            return
        body = (FEEDS / "rss20_content.xml").read_bytes()
        self._send(200, body, "application/rss+xml", ETag=FEED_ETAG,
                   Last_Modified=FEED_LAST_MODIFIED)  # fmt: skip

    def _route_gzip(self, query: dict) -> None:
        body = gzip.compress(b"<p>compressed hello</p>" * 100)
        self._send(200, body, "text/html", Content_Encoding="gzip")

    def _route_redirect(self, query: dict) -> None:
        self.send_response(302)
        self.send_header("Location", query["to"][0])
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _route_loop(self, query: dict) -> None:
        self._route_redirect({"to": ["/loop"]})

    def _route_status(self, query: dict) -> None:
        self._send(int(query["code"][0]), b"error page", "text/plain")

    def _route_slow(self, query: dict) -> None:
        time.sleep(float(query.get("seconds", ["2"])[0]))
        self._send(200, b"late", "text/plain")

    def _route_huge_declared(self, query: dict) -> None:
        self._stream_huge(declare_length=True)

    def _route_huge_streamed(self, query: dict) -> None:
        self._stream_huge(declare_length=False)

    def _stream_huge(self, declare_length: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if declare_length:
            self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        chunk = b"x" * 65536
        try:
            while self.log.huge_bytes_sent < HUGE_BYTES:
                self.wfile.write(chunk)
                self.log.huge_bytes_sent += len(chunk)
        except OSError:  # the client hung up, as it should
            pass
        self.close_connection = True


@dataclass
class LocalServer:
    base: str
    port: int
    log: ServerLog


@dataclass
class TLSServer:
    port: int
    server_names: list[str | None]


def make_handler(log: ServerLog) -> type[BaseHTTPRequestHandler]:
    """A request handler class that records into log."""
    return type("Handler", (_Handler,), {"log": log})


class TricklingServer:
    """Answers every request one byte at a time, `gap` seconds apart: each read succeeds,
    so only a wall-clock deadline can stop the fetch."""

    def __init__(self, trickle_headers: bool, gap: float = 0.2) -> None:
        self.gap = gap
        self.trickle_headers = trickle_headers
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        conn.recv(65536)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
        body = b"<rss>" + b" " * 10_000
        if not self.trickle_headers:
            conn.sendall(head + b"Content-Length: 10005\r\n\r\n")
            head = b""
        for byte in head + b"X-Slow: " + b"y" * 10_000 if self.trickle_headers else body:
            if self.stopped.is_set():
                break
            try:
                conn.send(bytes([byte]))
            except OSError:
                break
            time.sleep(self.gap)
        conn.close()

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()
