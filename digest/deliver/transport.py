"""SMTP transport: one reused connection, replies classified as sent, retry or permanent."""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from typing import Protocol


class DeliveryFailure(Exception):
    """An SMTP attempt that did not end in 250; `is_permanent` means 5xx."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"{code or 'no reply'}: {reason}")
        self.code = code
        self.reason = reason

    @property
    def is_permanent(self) -> bool:
        return self.code is not None and 500 <= self.code < 600

    @property
    def is_bad_address(self) -> bool:
        """5.1.x: the mailbox does not exist, so the address is suppressed for good."""
        return self.is_permanent and self.reason.lstrip().startswith("5.1.")

    @property
    def kind(self) -> str:
        """What repeats when the server, not the recipient, is the problem."""
        return f"{self.code}" if self.code else "connection"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "none"  # none | starttls | tls
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0


class Transport(Protocol):
    @property
    def is_connected(self) -> bool: ...

    def send(self, envelope_from: str, recipient: str, message: bytes) -> None: ...

    def close(self) -> None: ...


class SmtpTransport:
    """Sends one SMTP transaction per recipient over a connection kept open between them."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None

    def send(self, envelope_from: str, recipient: str, message: bytes) -> None:
        try:
            client = self._connected()
            refused = client.sendmail(envelope_from, [recipient], message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(recipient, (None, b"refused"))
            raise DeliveryFailure(code, _text(text)) from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError, smtplib.SMTPConnectError) as exc:
            self._drop_if_closing(exc.smtp_code)
            raise DeliveryFailure(exc.smtp_code, _text(exc.smtp_error)) from exc
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise DeliveryFailure(exc.smtp_code, _text(exc.smtp_error)) from exc
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:
            self.close()
            raise DeliveryFailure(None, str(exc) or type(exc).__name__) from exc
        if refused:
            code, text = refused[recipient]
            raise DeliveryFailure(code, _text(text))

    @property
    def is_connected(self) -> bool:
        return self._client is not None

    def _connected(self) -> smtplib.SMTP:
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "tls":
            client = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if s.user:
                client.login(s.user, s.password or "")
        except Exception:
            client.close()
            raise
        return client

    def _drop_if_closing(self, code: int | None) -> None:
        if code == 421:
            self.close()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
