"""SMTP transport: one reused connection, replies classified as sent, retry or permanent."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from digest.deliver.smtp import NotSent, Reply, SmtpClient, SmtpError, Unsendable
from digest.errors import DigestError
from digest.settings import SmtpSettings

_ENHANCED_CODE = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")
# How relays word "you are sending too fast" in a 4xx (SES, Postmark, Mailgun, Postfix, Exim).
_RATE_WORDS = re.compile(
    r"rate|too (many|fast|much)|throttl|slow down|exceed|concurren|limit", re.IGNORECASE
)


class DeliveryFailure(DigestError):
    """An SMTP attempt that did not end in 250.

    `is_permanent` means a 5xx reply (or a message no server could take);
    `at_connect` means the failure came before any recipient was named (the
    greeting, EHLO, STARTTLS, AUTH), so it says nothing about the recipient.
    """

    http_status = 502

    def __init__(
        self,
        code: int | None,
        reason: str,
        *,
        at_connect: bool = False,
        is_permanent: bool | None = None,
    ) -> None:
        super().__init__(f"{code or 'no reply'}: {reason}")
        self.code = code
        self.reason = reason
        self.at_connect = at_connect
        self._is_permanent = is_permanent

    @property
    def is_permanent(self) -> bool:
        if self._is_permanent is not None:
            return self._is_permanent
        return self.code is not None and 500 <= self.code < 600

    @property
    def enhanced_code(self) -> str | None:
        """The RFC 3463 status (e.g. '5.1.1') the reply starts with, if any."""
        found = _ENHANCED_CODE.match(self.reason)
        return found.group(1) if found else None

    @property
    def is_bad_address(self) -> bool:
        """5.1.x: the mailbox does not exist, so the address is suppressed for good."""
        enhanced = self.enhanced_code or ""
        return self.is_permanent and not self.at_connect and enhanced.startswith("5.1.")

    @property
    def is_throttle(self) -> bool:
        """The relay asks us to send more slowly: a 421 (closing, often "too many
        connections"), a 450/451/452 that names a rate, a limit or policy (4.7.x), or a 454
        that names a rate (Amazon SES: "454 Throttling failure: Maximum sending rate
        exceeded"; a bare 454 4.7.0 is a failed TLS or AUTH instead)."""
        if self.code == 421:
            return True
        names_rate = bool(_RATE_WORDS.search(self.reason))
        if self.code == 454:
            return names_rate
        if self.code not in (450, 451, 452):
            return False
        enhanced = self.enhanced_code or ""
        return enhanced.startswith("4.7.") or names_rate

    @property
    def kind(self) -> str:
        """What repeats when the server, not the recipient, is the problem."""
        if not self.code:
            return "connection"
        return " ".join(str(part) for part in (self.code, self.enhanced_code) if part)


# Told how a message ended once its final reply is read: None for a 250, else the failure.
Settle = Callable[[DeliveryFailure | None], None]


class Transport(Protocol):
    @property
    def is_connected(self) -> bool: ...

    def send(
        self,
        envelope_from: str,
        recipient: str,
        message: bytes,
        *,
        is_dot_stuffed: bool = False,
        then: Settle | None = None,
    ) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


class SmtpTransport:
    """One SMTP transaction per recipient over a connection kept open between them, pipelined
    when the server offers it (digest/deliver/smtp.py).

    RSET follows a refused MAIL, RCPT or DATA, so the connection is clean for the
    next recipient; a 421 or a lost connection closes it and the next send reconnects.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._client: SmtpClient | None = None

    def send(
        self,
        envelope_from: str,
        recipient: str,
        message: bytes,
        *,
        is_dot_stuffed: bool = False,
        then: Settle | None = None,
    ) -> None:
        """One transaction; `is_dot_stuffed` says leading dots are already doubled (see DATA).

        Raises DeliveryFailure when the message failed (`at_connect` when nothing of it was
        said to the server). Without `then` it returns once the server took the message.
        With `then`, it may return as soon as the message is written, when the server
        pipelines: `then` is told how the message ended during the next `send` (their round
        trips shared) or `flush`, or at once."""
        client = self._connected()
        data = message if is_dot_stuffed else dot_stuff(message)
        try:
            if then is not None and client.pipelines:
                client.begin(envelope_from, recipient, data, lambda answer: then(_failure(answer)))
                return
            client.send(envelope_from, recipient, data)
        except Unsendable as exc:
            self.close()
            raise DeliveryFailure(None, f"cannot be sent: {exc.reason}", is_permanent=True) from exc
        except NotSent as exc:
            self.close()
            raise DeliveryFailure(None, exc.reason, at_connect=True) from exc
        except SmtpError as exc:
            if exc.reply is None:
                self.close()
            raise _failure_of(exc) from exc
        if then is not None:
            then(None)

    def flush(self) -> None:
        """Settle the message still waiting for its reply, if any (see `send`)."""
        if self._client is not None:
            self._client.collect()

    @property
    def is_connected(self) -> bool:
        return self._client is not None and self._client.is_open

    @property
    def pipelines(self) -> bool:
        """Whether the open connection sends MAIL, RCPT and DATA together."""
        return self.is_connected and self._client.pipelines  # type: ignore[union-attr]

    def _connected(self) -> SmtpClient:
        if not self.is_connected:
            self._client = SmtpClient(self.settings)
            try:
                self._client.connect()
            except SmtpError as exc:
                self._client = None
                code = exc.reply.code if exc.reply else None
                raise DeliveryFailure(code, exc.reason, at_connect=True) from exc
        assert self._client is not None
        return self._client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()


def _failure(answer: Reply | SmtpError) -> DeliveryFailure | None:
    return None if isinstance(answer, Reply) else _failure_of(answer)


def _failure_of(error: SmtpError) -> DeliveryFailure:
    if error.reply is None:
        return DeliveryFailure(None, error.reason)
    return DeliveryFailure(error.reply.code, error.reply.text)


LINE_START_DOT = re.compile(rb"(?m)^\.")


def dot_stuff(data: bytes) -> bytes:
    """Double every dot that starts a line, as DATA requires (RFC 5321 4.5.2)."""
    return LINE_START_DOT.sub(b"..", data)
