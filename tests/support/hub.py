"""A small WebSub hub and a publisher's feed, each a real HTTP server on a loopback port.

The hub takes subscription requests (202), then verifies the subscriber's intent with a GET
to its callback from a thread of its own, as hubs do, and can deliver signed content.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

WAIT = 30.0  # seconds a test waits for the hub's verification before failing


@dataclass
class Verification:
    """One intent verification: what was asked and what the subscriber answered."""

    mode: str
    topic: str
    challenge: str
    status: int
    body: str

    @property
    def is_confirmed(self) -> bool:
        return self.status == 200 and self.body == self.challenge


@dataclass
class HubState:
    requests: list[dict[str, str]] = field(default_factory=list)
    verifications: list[Verification] = field(default_factory=list)
    answer_status: int = 202  # what the hub answers a request with
    lease_seconds: int = 3600  # what it grants
    changed: threading.Condition = field(default_factory=threading.Condition)


class _HubHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        state: HubState = self.server.state
        with state.changed:
            state.requests.append(form)
            state.changed.notify_all()
        self.send_response(state.answer_status)
        self.send_header("Content-Length", "0")
        self.end_headers()
        if state.answer_status == 202:
            threading.Thread(target=self.server.hub.verify_request, args=(form,)).start()

    def log_message(self, *args) -> None:
        pass


class _Served:
    """A server on a free loopback port, served from a thread of its own."""

    server: ThreadingHTTPServer

    def start(self) -> Self:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Hub(_Served):
    """`url` takes subscription requests; `verifications` lists what the subscriber said."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _HubHandler)
        self.server.state = self.state = HubState()
        self.server.hub = self
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    @property
    def requests(self) -> list[dict[str, str]]:
        return list(self.state.requests)

    @property
    def verifications(self) -> list[Verification]:
        return list(self.state.verifications)

    def verify_request(self, form: dict[str, str]) -> Verification:
        """Verify a request as a hub does: a GET to its callback with a fresh challenge."""
        lease = str(self.state.lease_seconds) if form["hub.mode"] == "subscribe" else None
        found = self.verify(form["hub.callback"], form["hub.mode"], form["hub.topic"], lease)
        with self.state.changed:
            self.state.verifications.append(found)
            self.state.changed.notify_all()
        return found

    def verify(
        self, callback: str, mode: str, topic: str, lease: str | None = None
    ) -> Verification:
        """One verification GET, recorded nowhere: a test may send its own."""
        challenge = secrets.token_urlsafe(16)
        query = {"hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge}
        if lease:
            query["hub.lease_seconds"] = lease
        status, body = _open(f"{callback}?{urllib.parse.urlencode(query)}")
        return Verification(mode, topic, challenge, status, body.decode())

    def wait_for_verifications(self, count: int) -> list[Verification]:
        """Every verification once there are `count`, or AssertionError after WAIT seconds."""
        with self.state.changed:
            done = self.state.changed.wait_for(lambda: len(self.state.verifications) >= count, WAIT)
        assert done, f"the hub made {len(self.state.verifications)} verifications, not {count}"
        return self.verifications

    def deliver(
        self, callback: str, body: bytes, secret: str | None, method: str = "sha256"
    ) -> int:
        """POST content to a callback, signed with the secret (unsigned when None); the status."""
        headers = {"Content-Type": "application/atom+xml"}
        if secret is not None:
            digest = hmac.new(secret.encode(), body, getattr(hashlib, method)).hexdigest()
            headers["X-Hub-Signature"] = f"{method}={digest}"
        return _open(urllib.request.Request(callback, data=body, headers=headers))[0]


def _open(request: str | urllib.request.Request) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class _FeedHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        publisher: Publisher = self.server.publisher
        body = publisher.document.encode()
        publisher.fetches += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.send_header("Content-Length", str(len(body)))
        if publisher.link_header:
            self.send_header("Link", publisher.link_header)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class Publisher(_Served):
    """A feed at `url` serving `document` (and a Link header when set); counts its fetches."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
        self.server.publisher = self
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/feed.atom"
        self.document = ""
        self.link_header: str | None = None
        self.fetches = 0


def atom_feed(entries: list[tuple[str, str]], hub: str | None = None, topic: str = "") -> str:
    """An Atom feed of (slug, title) entries, announcing `hub` when given."""
    links = f'<link rel="hub" href="{hub}"/>' if hub else ""
    links += f'<link rel="self" href="{topic}"/>' if topic else ""
    items = "".join(
        f"<entry><title>{title}</title><id>urn:example:{slug}</id>"
        f'<link href="http://river.example/{slug}"/><updated>2026-11-02T08:00:00Z</updated>'
        f'<content type="html">&lt;p&gt;{title}. The river authority said the work on the '
        f"{slug} section will take three weeks, and boats may pass at low speed while crews "
        "repair the banks, which the spring floods wore away in several places.&lt;/p&gt;"
        f"</content></entry>"
        for slug, title in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>River News</title><id>urn:example:river</id>{links}"
        f"<updated>2026-11-02T08:00:00Z</updated>{items}</feed>"
    )
