"""SMTP transport: one reused connection, replies classified as sent, retry or permanent."""

from __future__ import annotations

import re
import smtplib
import ssl
from typing import Protocol

from digest.errors import DigestError
from digest.settings import SmtpSettings

_ENHANCED_CODE = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")


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
    def kind(self) -> str:
        """What repeats when the server, not the recipient, is the problem."""
        if not self.code:
            return "connection"
        return " ".join(str(part) for part in (self.code, self.enhanced_code) if part)


class Transport(Protocol):
    @property
    def is_connected(self) -> bool: ...

    def send(
        self, envelope_from: str, recipient: str, message: bytes, *, is_dot_stuffed: bool = False
    ) -> None: ...

    def close(self) -> None: ...


class SmtpTransport:
    """One SMTP transaction per recipient over a connection kept open between them.

    RSET follows a refused MAIL, RCPT or DATA, so the connection is clean for the
    next recipient; a 421 or a lost connection closes it and the next send reconnects.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None

    def send(
        self, envelope_from: str, recipient: str, message: bytes, *, is_dot_stuffed: bool = False
    ) -> None:
        """One transaction; `is_dot_stuffed` says leading dots are already doubled (see DATA)."""
        client = self._connected()
        data = message if is_dot_stuffed else dot_stuff(message)
        try:
            send_transaction(client, envelope_from, recipient, data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(recipient, (None, b"refused"))
            self._drop_if_closing(code)
            raise DeliveryFailure(code, _text(text)) from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            self._drop_if_closing(exc.smtp_code)
            raise DeliveryFailure(exc.smtp_code, _text(exc.smtp_error)) from exc
        except (smtplib.SMTPNotSupportedError, UnicodeEncodeError) as exc:
            self.close()  # the transaction may be half open
            raise DeliveryFailure(None, f"cannot be sent: {exc}", is_permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise DeliveryFailure(None, str(exc) or type(exc).__name__) from exc

    @property
    def is_connected(self) -> bool:
        return self._client is not None and self._client.sock is not None

    def _connected(self) -> smtplib.SMTP:
        if not self.is_connected:
            self._client = None
            try:
                self._client = self._connect()
            except smtplib.SMTPResponseException as exc:
                raise DeliveryFailure(
                    exc.smtp_code, _text(exc.smtp_error), at_connect=True
                ) from exc
            except (smtplib.SMTPException, OSError) as exc:
                raise DeliveryFailure(
                    None, str(exc) or type(exc).__name__, at_connect=True
                ) from exc
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
            client.ehlo_or_helo_if_needed()
            if s.security == "starttls":
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if s.user:
                client.login(s.user, s.password or "")
        except BaseException:
            client.close()
            raise
        return client

    def _drop_if_closing(self, code: int | None) -> None:
        if code == 421 or not self.is_connected:
            self.close()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        if client.sock is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


LINE_START_DOT = re.compile(rb"(?m)^\.")


def dot_stuff(data: bytes) -> bytes:
    """Double every dot that starts a line, as DATA requires (RFC 5321 4.5.2)."""
    return LINE_START_DOT.sub(b"..", data)


def send_transaction(client: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> None:
    """MAIL, RCPT and DATA for already dot-stuffed CRLF data; RSET after any refusal.

    What smtplib's sendmail() does for one recipient, except that it does not stuff the
    dots again: digest stuffs an edition's static parts once, not every recipient's copy.
    """
    client.ehlo_or_helo_if_needed()
    options = [f"SIZE={len(data)}"] if client.does_esmtp and client.has_extn("size") else []
    code, reply = client.mail(sender, options)
    if code != 250:
        _reset(client, code)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = client.rcpt(recipient)
    if code not in (250, 251):
        _reset(client, code)
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    client.putcmd("data")
    code, reply = client.getreply()
    if code == 354:
        client.send(data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        code, reply = client.getreply()
    if code != 250:
        _reset(client, code)
        raise smtplib.SMTPDataError(code, reply)


def _reset(client: smtplib.SMTP, code: int) -> None:
    """Leave the connection clean for the next recipient, or drop it when the server closes."""
    if code == 421:
        client.close()
        return
    try:
        client.rset()
    except (smtplib.SMTPServerDisconnected, OSError):
        client.close()


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
