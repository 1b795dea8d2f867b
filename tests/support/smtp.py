"""A real SMTP server for tests: aiosmtpd on a free port, recording messages, scripted faults."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

HANG_SECONDS = 3.0


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)

    @property
    def text(self) -> str:
        """The plain-text body (with or without an HTML alternative), lines ending in \\n."""
        return self.message.get_body(("plain",)).get_content().replace("\r\n", "\n")


# A fault script sees (recipient, count of DATA accepted so far) and returns None to accept,
# a reply line like "450 4.2.0 busy" to refuse the recipient, "DROP" to cut the connection,
# or "HANG" to say nothing for HANG_SECONDS (longer than the tests' client timeout) and then
# cut the connection.
RcptScript = Callable[[str, int], str | None]


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)
    rcpt_script: RcptScript | None = None
    data_script: Callable[[Received, int], str | None] | None = None
    rcpt_attempts: Counter = field(default_factory=Counter)
    rsets: int = 0
    pipelining: bool = True  # what Postfix, Exim, SES and every large provider advertise
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")  # before the closing "250 HELP"
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_attempts[address] += 1
        reply = self.rcpt_script(address, len(self.received)) if self.rcpt_script else None
        if reply in ("DROP", "HANG"):
            return await _cut(server, reply)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        item = Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        reply = self.data_script(item, len(self.received)) if self.data_script else None
        if reply in ("DROP", "HANG"):
            return await _cut(server, reply)
        if reply:
            return reply
        with self.lock:
            self.received.append(item)
        return "250 2.0.0 queued"

    async def handle_RSET(self, server, session, envelope):
        self.rsets += 1
        return "250 OK"


async def _cut(server, how: str) -> str:
    if how == "HANG":
        await asyncio.sleep(HANG_SECONDS)
    server.transport.close()
    return "421 4.3.0 closing"


class GreetingSMTP(SMTP):
    """An SMTP server whose greeting can be scripted (e.g. 421 while 'busy')."""

    greeting_script: Callable[[], str | None] | None = None
    on_connect: Callable[[], None] | None = None

    on_disconnect: Callable[[], None] | None = None

    async def _handle_client(self):
        if self.on_connect:
            self.on_connect()
        try:
            reply = self.greeting_script() if self.greeting_script else None
            if reply:
                await self.push(reply)
                self.transport.close()
                return
            await super()._handle_client()
        finally:  # the session is over: whatever its client sent was answered or dropped
            if self.on_disconnect:
                self.on_disconnect()


class ScriptedController(Controller):
    greeting_script: Callable[[], str | None] | None = None
    connections: int = 0

    open_sessions: int = 0

    def factory(self):
        server = GreetingSMTP(self.handler, **self.SMTP_kwargs)
        server.greeting_script = self.greeting_script
        server.on_connect = self._count_connection
        server.on_disconnect = self._count_disconnection
        return server

    def _count_connection(self) -> None:
        self.connections += 1
        self.open_sessions += 1

    def _count_disconnection(self) -> None:
        self.open_sessions -= 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """Start/stop wrapper; `handler.received` is what the server accepted.

    `implicit_tls` / `starttls` take a server SSLContext; `login` a (user, password)
    pair the server requires before MAIL; `pipelining` says whether EHLO offers PIPELINING.
    """

    def __init__(
        self,
        *,
        implicit_tls: ssl.SSLContext | None = None,
        starttls: ssl.SSLContext | None = None,
        login: tuple[str, str] | None = None,
        pipelining: bool = True,
    ) -> None:
        self.handler = RecordingHandler(pipelining=pipelining)
        self.port = free_port()
        options: dict = {"decode_data": False}
        if starttls:
            options |= {"tls_context": starttls, "require_starttls": True}
        if login:
            options |= {
                "authenticator": _authenticator(login),
                "auth_required": True,
                "auth_require_tls": bool(starttls or implicit_tls),
            }
        self.controller = ScriptedController(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=implicit_tls,
            server_hostname="localhost",
            **options,
        )

    def set_greeting(self, script: Callable[[], str | None] | None) -> None:
        self.controller.greeting_script = script

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def connections(self) -> int:
        """Client connections since start (the controller's own start-up probe excluded)."""
        return self.controller.connections

    def wait_for(self, count: int, seconds: float = 10.0) -> list[Received]:
        """The messages received once there are at least `count` (mail sent in the background)."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received

    def wait_until_idle(self, seconds: float = 10.0) -> bool:
        """True once no client session is open (a dead client's last message was handled)."""
        deadline = time.monotonic() + seconds
        while self.controller.open_sessions and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self.controller.open_sessions

    def recipients(self) -> list[str]:
        return [address for item in self.received for address in item.recipients]

    def start(self) -> SmtpServer:
        self.controller.start()
        self.controller.connections = 0
        return self

    def stop(self) -> None:
        self.controller.stop()


def _authenticator(login: tuple[str, str]):
    def authenticate(server, session, envelope, mechanism, auth_data):
        given = (auth_data.login.decode(), auth_data.password.decode())
        return AuthResult(success=given == login, handled=False)

    return authenticate
