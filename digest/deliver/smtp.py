"""An SMTP client for sending that pipelines (RFC 2920).

smtplib waits for the reply to MAIL, then to RCPT, then to DATA, then to the message: four
round trips a message. When the server advertises PIPELINING this client writes MAIL, RCPT
and DATA in one go and reads their three replies in order, then sends the message: two round
trips. Without PIPELINING it sends one command at a time. Either way the replies are the same
and mean the same; SIZE, 8BITMIME, SMTPUTF8, STARTTLS, implicit TLS and AUTH (PLAIN, LOGIN)
are honoured as the server offers them.

A sender with more to send chains (`begin`): the message's final reply is not waited for, but
read after the next message's MAIL, RCPT and DATA are written, so the two share one round trip
(RFC 2920 3.1 lets message content open a group). A message then costs one round trip, not two.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from digest.settings import SmtpSettings

MAX_LINE = 8192  # longer reply lines are a broken or hostile server (smtplib's limit too)
MAX_REPLY_LINES = 100


@dataclass(frozen=True)
class Reply:
    code: int
    text: str

    @property
    def is_ok(self) -> bool:
        return 200 <= self.code < 300

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class SmtpError(Exception):
    """A reply that refused a step (`reply`), or a connection that failed (`reply` None)."""

    def __init__(self, step: str, reply: Reply | None, reason: str = "") -> None:
        super().__init__(f"{step}: {reply or reason}")
        self.step = step
        self.reply = reply
        self.reason = reply.text if reply else reason


class Unsendable(SmtpError):
    """The message cannot go through this server at all (e.g. a non-ASCII address to a
    server without SMTPUTF8): no retry would help."""


class NotSent(SmtpError):
    """The connection ended while the message before this one was being answered: nothing
    of this one reached the server but its envelope, so it was never attempted."""


# What becomes of a message once its final reply is read: the 250, or the error that ended it.
Answer = Callable[["Reply | SmtpError"], None]


@dataclass
class Extensions:
    """What the server said it does in its EHLO reply (keywords upper-case)."""

    keywords: dict[str, str] = field(default_factory=dict)
    is_esmtp: bool = False

    @classmethod
    def parse(cls, reply: Reply) -> Extensions:
        keywords = {}
        for line in reply.text.splitlines()[1:]:
            keyword, _, value = line.strip().partition(" ")
            if keyword:
                keywords[keyword.upper()] = value.strip()
        return cls(keywords, is_esmtp=True)

    def has(self, keyword: str) -> bool:
        return keyword in self.keywords

    @property
    def size_limit(self) -> int | None:
        value = self.keywords.get("SIZE", "")
        return int(value) if value.isdigit() and int(value) > 0 else None

    @property
    def auth_mechanisms(self) -> set[str]:
        return set(self.keywords.get("AUTH", "").upper().split())


class SmtpClient:
    """One connection: `connect`, then any number of `send`s, then `close`.

    Every method raises SmtpError on a refusal or a lost connection; after a 421 or any
    error that leaves the connection in doubt, `is_open` is False and the caller reconnects.
    """

    def __init__(self, settings: SmtpSettings, *, local_hostname: str | None = None) -> None:
        self.settings = settings
        self.local_hostname = local_hostname or socket.getfqdn()
        self.extensions = Extensions()
        self._sock: socket.socket | None = None
        self._file: BinaryIO | None = None
        self._unanswered: Answer | None = None  # whom the next final reply is for
        self._unwritten = b""  # that message, held to leave in one write with what follows

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    @property
    def pipelines(self) -> bool:
        return self.extensions.has("PIPELINING")

    def connect(self) -> None:
        """Greeting, EHLO (HELO for an old server), STARTTLS and AUTH as the settings ask."""
        s = self.settings
        try:
            sock = socket.create_connection((s.host, s.port), timeout=s.timeout)
            # Every write is a whole group of commands: Nagle would hold a small tail of one
            # back until the bytes before it are acknowledged, a round trip later.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if s.security == "tls":
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=s.host)
        except OSError as exc:
            raise SmtpError("connect", None, str(exc) or type(exc).__name__) from exc
        self._attach(sock)
        try:
            self._expect("greeting", self._read(), 220)
            self._hello()
            if s.security == "starttls":
                self._starttls()
            if s.user:
                self._login(s.user, s.password or "")
        except BaseException:
            self.abort()
            raise

    def send(self, sender: str, recipient: str, data: bytes) -> Reply:
        """One transaction for `data`, already dot-stuffed and ending in CRLF (or not); the
        final reply. A refusal at any step leaves the connection clean (RSET) unless it was
        a 421, which closes it."""
        self.collect()
        answers: list[Reply | SmtpError] = []
        self.begin(sender, recipient, data, answers.append)
        self.collect()
        if isinstance(answers[0], SmtpError):
            raise answers[0]
        return answers[0]

    def begin(self, sender: str, recipient: str, data: bytes, then: Answer) -> None:
        """Send the message without waiting for its final reply: `then` gets it (a Reply of
        250, or the SmtpError that ended the message) from the next `begin`, from `collect`,
        or from `close`/`abort` when the connection goes first. A message left unanswered
        before this one is answered here, after this one's commands are written. Raises
        SmtpError when this message's envelope is refused (then nothing of it was sent)."""
        if self._sock is None:
            raise SmtpError("send", None, "not connected")
        mail, rcpt = self._envelope(sender, recipient, data)
        try:
            if self.pipelines:
                self._write(self._unwritten + mail + rcpt + b"DATA\r\n")
                self._unwritten = b""
                try:
                    self._answer_previous()
                except BaseException:  # this envelope's replies go unread: the line is in doubt
                    self.abort()
                    raise
                replies = [self._read_or_close("MAIL")]
                replies.append(self._read_or_close("RCPT"))
                replies.append(self._read_or_close("DATA"))
            else:
                self.collect()
                replies = []
                for step, command in (("MAIL", mail), ("RCPT", rcpt), ("DATA", b"DATA\r\n")):
                    self._write(command)
                    replies.append(self._read_or_close(step))
                    if replies[-1].code not in (250, 251, 354):
                        break
            self._check_envelope(replies)
        except OSError as exc:
            self.abort()
            raise SmtpError("send", None, str(exc) or type(exc).__name__) from exc
        # The message leaves with the next envelope (one write: a small write just after a
        # large one can wait on the large one's acknowledgement) or at `collect`.
        self._unwritten = data + (b".\r\n" if data.endswith(b"\r\n") else b"\r\n.\r\n")
        self._unanswered = then

    def collect(self) -> None:
        """Read the final reply to the message left unanswered, if any, and hand it over."""
        then, self._unanswered = self._unanswered, None
        if then is None:
            return
        unwritten, self._unwritten = self._unwritten, b""
        try:
            self._write(unwritten)
            final = self._read_or_close("message")
        except OSError as exc:
            self.abort()
            then(SmtpError("message", None, str(exc) or type(exc).__name__))
            return
        except SmtpError as exc:
            then(exc)
            return
        if final.code != 250:
            self._reset(final)
            then(SmtpError("message", final))
            return
        then(final)

    def _answer_previous(self) -> None:
        """The final reply to the message before, read after this one's commands went out:
        no RSET after a refusal (the next transaction has begun; the reply ended this one)."""
        then, self._unanswered = self._unanswered, None
        if then is None:
            return
        try:
            final = self._read_or_close("message")
        except SmtpError as exc:
            self.abort()
            then(exc)
            raise NotSent("MAIL", None, "the connection ended before it was sent") from exc
        then(final if final.code == 250 else SmtpError("message", final))

    def close(self) -> None:
        """QUIT politely (after the last reply owed); whatever the server does then, the
        connection is closed."""
        self.collect()
        if self._sock is None:
            return
        with contextlib.suppress(OSError, SmtpError):
            self._write(b"QUIT\r\n")
            self._read()
        self.abort()

    def abort(self) -> None:
        """Close at once, without QUIT; a message still unanswered is answered as lost."""
        sock, file, self._sock, self._file = self._sock, self._file, None, None
        self._unwritten = b""
        for part in (file, sock):
            if part is not None:
                with contextlib.suppress(OSError):
                    part.close()
        then, self._unanswered = self._unanswered, None
        if then is not None:
            then(SmtpError("message", None, "connection closed before the reply"))

    # the conversation

    def _hello(self) -> None:
        name = self.local_hostname.encode("ascii", "replace")
        self._write(b"EHLO " + name + b"\r\n")
        reply = self._read()
        if reply.code == 250:
            self.extensions = Extensions.parse(reply)
            return
        self._write(b"HELO " + name + b"\r\n")
        self._expect("HELO", self._read(), 250)
        self.extensions = Extensions()

    def _starttls(self) -> None:
        if not self.extensions.has("STARTTLS"):
            raise SmtpError("STARTTLS", None, "STARTTLS extension not supported by server")
        self._write(b"STARTTLS\r\n")
        self._expect("STARTTLS", self._read(), 220)
        context = ssl.create_default_context()
        plain = self._sock
        if plain is None:
            raise SmtpError("STARTTLS", None, "connection closed")
        try:
            sock = context.wrap_socket(plain, server_hostname=self.settings.host)
        except OSError as exc:
            raise SmtpError("STARTTLS", None, str(exc) or type(exc).__name__) from exc
        self._attach(sock)
        self._hello()  # what the server offers may change once encrypted

    def _login(self, user: str, password: str) -> None:
        mechanisms = self.extensions.auth_mechanisms
        if "PLAIN" in mechanisms or not mechanisms:
            token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
            self._write(f"AUTH PLAIN {token}\r\n".encode())
            self._expect("AUTH", self._read(), 235)
            return
        if "LOGIN" not in mechanisms:
            raise SmtpError("AUTH", None, f"no mechanism in common (server: {sorted(mechanisms)})")
        self._write(b"AUTH LOGIN\r\n")
        self._expect("AUTH", self._read(), 334)
        self._write(base64.b64encode(user.encode()) + b"\r\n")
        self._expect("AUTH", self._read(), 334)
        self._write(base64.b64encode(password.encode()) + b"\r\n")
        self._expect("AUTH", self._read(), 235)

    def _envelope(self, sender: str, recipient: str, data: bytes) -> tuple[bytes, bytes]:
        """The MAIL and RCPT lines, with the options this message needs and the server has."""
        ext = self.extensions
        options = []
        if ext.has("SIZE"):
            limit = ext.size_limit
            if limit is not None and len(data) > limit:
                too_big = f"message of {len(data)} bytes, over the server's limit of {limit}"
                raise Unsendable("MAIL", None, too_big)
            options.append(f"SIZE={len(data)}")
        if ext.has("8BITMIME") and not data.isascii():
            options.append("BODY=8BITMIME")
        if not (sender.isascii() and recipient.isascii()):
            if not ext.has("SMTPUTF8"):
                raise Unsendable("MAIL", None, "non-ASCII address; the server lacks SMTPUTF8")
            options.append("SMTPUTF8")
        extra = "".join(f" {option}" for option in options)
        mail = f"MAIL FROM:<{sender}>{extra}\r\n".encode()
        rcpt = f"RCPT TO:<{recipient}>\r\n".encode()
        if b"\n" in mail[:-2] or b"\n" in rcpt[:-2] or b"\r" in mail[:-2] or b"\r" in rcpt[:-2]:
            raise Unsendable("MAIL", None, "line break in an address")
        return mail, rcpt

    def _check_envelope(self, replies: list[Reply]) -> None:
        """Raise for the first refused step of MAIL, RCPT, DATA; clean up after it."""
        steps = ("MAIL", "RCPT", "DATA")
        wanted = ((250,), (250, 251), (354,))
        for step, ok, reply in zip(steps, wanted, replies, strict=False):
            if reply.code in ok:
                continue
            if replies[-1].code == 354:
                # A server that took DATA after refusing the recipient (RFC 2920 says it must
                # not): end the empty message at once; RSET below drops what it took.
                self._write(b".\r\n")
                self._read_or_close("DATA")
            self._reset(reply)
            raise SmtpError(step, reply)

    def _reset(self, refusal: Reply) -> None:
        """Leave the connection clean for the next transaction, or closed after a 421."""
        if refusal.code == 421 or self._sock is None:
            self.abort()
            return
        try:
            self._write(b"RSET\r\n")
            if self._read().code != 250:
                self.abort()
        except (OSError, SmtpError):
            self.abort()

    # the wire

    def _attach(self, sock: socket.socket) -> None:
        self._sock = sock
        self._file = sock.makefile("rb")

    def _write(self, data: bytes) -> None:
        if self._sock is None:
            raise SmtpError("send", None, "connection closed")
        self._sock.sendall(data)

    def _read_or_close(self, step: str) -> Reply:
        """A reply; a 421 closes the connection (the server is going away)."""
        reply = self._read(step)
        if reply.code == 421:
            self.abort()
            raise SmtpError(step, reply)
        return reply

    def _read(self, step: str = "reply") -> Reply:
        """One reply, its lines joined by newlines; SmtpError when the connection ends."""
        if self._file is None:
            raise SmtpError(step, None, "connection closed")
        lines: list[str] = []
        code = 0
        try:
            for _ in range(MAX_REPLY_LINES):
                raw = self._file.readline(MAX_LINE + 1)
                if not raw:
                    self.abort()
                    raise SmtpError(step, None, "connection closed by the server")
                if len(raw) > MAX_LINE:
                    self.abort()
                    raise SmtpError(step, None, "reply line too long")
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if len(line) < 3 or not line[:3].isdigit():
                    self.abort()
                    raise SmtpError(step, None, f"not an SMTP reply: {line[:80]!r}")
                code = int(line[:3])
                lines.append(line[4:])
                if line[3:4] != "-":
                    return Reply(code, "\n".join(lines))
        except OSError as exc:
            self.abort()
            raise SmtpError(step, None, str(exc) or type(exc).__name__) from exc
        self.abort()
        raise SmtpError(step, None, "reply of too many lines")

    def _expect(self, step: str, reply: Reply, code: int) -> None:
        if reply.code != code:
            raise SmtpError(step, reply)
