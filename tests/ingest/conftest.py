"""Fixtures for the ingest tests: a real local HTTP(S) server and the seed page."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from ingest_support import SEED_DIR, LocalServer, ServerLog, TLSServer, make_handler


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    log = ServerLog()
    handler = make_handler(log)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield LocalServer(base=f"http://127.0.0.1:{port}", port=port, log=log)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def seed_text() -> str:
    files = sorted(SEED_DIR.glob("*.txt")) if SEED_DIR.is_dir() else []
    if not files:
        pytest.skip("the seed page is not present in ../shared/data/seed")
    return files[0].read_text(encoding="utf-8")


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[TLSServer]:
    """An HTTPS server with a self-signed certificate for feeds.test (not trusted by anyone)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=feeds.test",
         "-addext", "subjectAltName=DNS:feeds.test"],
        check=True, capture_output=True,
    )  # fmt: skip
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    handler = make_handler(ServerLog())
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    server.block_on_close = False
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    try:
        yield TLSServer(port=server.server_address[1], server_names=names)
    finally:
        server.shutdown()
        server.server_close()
