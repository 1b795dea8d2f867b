"""A real SMTP server for tests: aiosmtpd on a free port, recording messages, with scripted faults."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


# A fault script sees (recipient, count of DATA accepted so far) and returns None to accept,
# a reply line like "450 4.2.0 busy" to refuse the recipient, or "DROP" to cut the connection.
RcptScript = Callable[[str, int], str | None]


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)
    rcpt_script: RcptScript | None = None
    data_script: Callable[[Received, int], str | None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_script(address, len(self.received)) if self.rcpt_script else None
        if reply == "DROP":
            session.transport.close()
            return "421 4.3.0 closing"
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        item = Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        reply = self.data_script(item, len(self.received)) if self.data_script else None
        if reply == "DROP":
            session.transport.close()
            return "421 4.3.0 closing"
        if reply:
            return reply
        with self.lock:
            self.received.append(item)
        return "250 2.0.0 queued"


class GreetingSMTP(SMTP):
    """An SMTP server whose greeting can be scripted (e.g. 421 while 'busy')."""

    greeting_script: Callable[[], str | None] | None = None

    async def _handle_client(self):
        reply = self.greeting_script() if self.greeting_script else None
        if reply:
            await self.push(reply)
            self.transport.close()
            return
        await super()._handle_client()


class ScriptedController(Controller):
    greeting_script: Callable[[], str | None] | None = None

    def factory(self):
        server = GreetingSMTP(self.handler, **self.SMTP_kwargs)
        server.greeting_script = self.greeting_script
        return server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """Start/stop wrapper; `handler.received` is what the server accepted."""

    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = ScriptedController(
            self.handler, hostname="127.0.0.1", port=self.port, decode_data=False
        )

    def set_greeting(self, script: Callable[[], str | None] | None) -> None:
        self.controller.greeting_script = script

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
