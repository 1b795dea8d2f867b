"""A live threaded HTTP server of the app, and requests fired at it all at once."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import Flask
from werkzeug.serving import make_server

from tests.support.smtp import free_port

T = TypeVar("T")


@contextmanager
def live_server(app: Flask, port: int | None = None) -> Iterator[str]:
    """Serve the app on a free port (or the one given, when its base URL names it), each
    request in its own thread; yields the base URL."""
    port = port or free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join()


def at_once(count: int, call: Callable[[], T]) -> list[T]:
    """Run `call` in `count` threads released together; the results in thread order."""
    start = threading.Barrier(count)
    results: list[T | BaseException] = [None] * count  # type: ignore[list-item]

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = call()
        except BaseException as exc:  # a thread boundary: the caller sees it
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results  # type: ignore[return-value]


def post(url: str, **form: str) -> int:
    """POST a form; the status of the answer (redirects are not followed)."""
    data = urllib.parse.urlencode(form).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
