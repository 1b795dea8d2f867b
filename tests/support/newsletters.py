"""Newsletters mailed in, in tests: the .eml fixtures filled in for a source and a local web
server that plays both the trackers (redirects) and the sites the stories live on."""

from __future__ import annotations

import smtplib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from flask import Flask

from digest.deliver.inbound.smtpd import InboundHandler, start_server
from digest.schedule.inbound import accepts, read_kept, receive
from tests.support.smtp import free_port

LETTERS = Path(__file__).resolve().parents[1] / "ingest" / "newsletters"
STORY = (
    "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    "<p>{title}. This is the whole report, as the site that published it has it, with far more "
    "to say than the two sentences a newsletter gives it. The county engineers explained the "
    "work to reporters on the riverbank and answered questions for an hour.</p>"
    "<p>Residents said they were glad the crossing was open again before winter.</p>"
    "</article></body></html>"
)


def letter(name: str, address: str, web: str) -> bytes:
    """An .eml fixture addressed to `address`, its links on the local web server `web`."""
    raw = (LETTERS / name).read_bytes()
    raw = raw.replace(b"in+SOURCE@inbound.test", address.encode()).replace(
        b"HTTPBASE", web.encode()
    )
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


class _Web(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.seen.append(self.path)
        if parts.path in ("/track/click", "/click/web-version"):
            self.server.released.wait(30)  # held while a test checks nothing waits for it
            target = parse_qs(parts.query).get("u", ["quiet-economics"])[0]
            where = "/p/" if parts.path.startswith("/click") else "/story/"
            self.send_response(302)
            self.send_header("Location", f"{where}{target}?utm_source=newsletter&utm_medium=email")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = STORY.format(title=parts.path.rstrip("/").rpartition("/")[2].replace("-", " "))
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body.encode())))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args) -> None:
        pass


class NewsletterWeb:
    """Trackers at /track/click?u=X (302 to /story/X?utm_...) and /click/web-version; every
    other path is a story page. `hold()` keeps the trackers from answering until `release()`."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Web)
        self.server.daemon_threads = True
        self.server.seen = []
        self.server.released = threading.Event()
        self.server.released.set()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def seen(self) -> list[str]:
        return list(self.server.seen)

    def hold(self) -> None:
        self.server.released.clear()

    def release(self) -> None:
        self.server.released.set()

    def __enter__(self) -> NewsletterWeb:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


class SourceServer:
    """`digest inbound --listen` as the CLI runs it, newsletters read after the reply."""

    def __init__(self, app: Flask) -> None:
        self.port = free_port()
        self.handler = InboundHandler(
            lambda a: accepts(app, a),
            lambda mail: receive(app, mail),
            lambda ids: read_kept(app, ids),
        )
        self.controller = start_server(self.handler, "127.0.0.1", self.port)

    def send(self, raw: bytes, rcpt: str, mail_from: str = "letters@sender.example") -> None:
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as client:
            client.sendmail(mail_from, [rcpt], raw)

    def wait_for_reading(self) -> None:
        """Until the newsletters received so far were read (the reader is one thread, in order)."""
        self.handler.reader.submit(lambda: None).result(timeout=60)

    def __enter__(self) -> SourceServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
        self.handler.close()
