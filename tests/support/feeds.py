"""A real HTTP server for feeds on a free loopback port; it can be told to fail."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Valley Wire</title>
<item><title>Ferry timetable changes</title><link>http://valley.example/ferry</link>
<description>The ferry company said boats will run every twenty minutes from May, and evening
sailings will continue until eleven o'clock on weekdays.</description></item>
<item><title>Orchard growers expect a record harvest</title><link>http://valley.example/apples</link>
<description>Orchard growers across the valley expect a record apple harvest this autumn after a
mild spring and steady rain, although pickers are in short supply.</description></item>
</channel></rss>"""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.server.is_broken or self.path != "/feed.xml":
            body, status, kind = b"broken", 500, "text/plain"
        else:
            body, status, kind = FEED.encode(), 200, "application/rss+xml"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class FeedServer:
    """`url` serves a two-item feed until `is_broken` is set."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.is_broken = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/feed.xml"

    @property
    def is_broken(self) -> bool:
        return self.server.is_broken

    @is_broken.setter
    def is_broken(self, value: bool) -> None:
        self.server.is_broken = value

    def start(self) -> FeedServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
