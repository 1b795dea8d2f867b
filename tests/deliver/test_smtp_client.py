"""The pipelining SMTP client: what goes on the wire with and without PIPELINING, and what
each refusal leaves behind. Against aiosmtpd, and a hand-scripted server where the order of
bytes on the wire is the point."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

import pytest

from digest.deliver.smtp import NotSent, SmtpClient, SmtpError, Unsendable
from digest.settings import SmtpSettings
from tests.support.smtp import SmtpServer

MESSAGE = b"Subject: hello\r\n\r\nA line.\r\n..A stuffed dot.\r\n"


def client_for(port: int, timeout: float = 5.0) -> SmtpClient:
    client = SmtpClient(SmtpSettings(host="127.0.0.1", port=port, timeout=timeout))
    client.connect()
    return client


@pytest.fixture(params=[True, False], ids=["pipelining", "one-at-a-time"])
def server(request):
    server = SmtpServer(pipelining=request.param).start()
    yield server
    server.stop()


class Wire:
    """One scripted SMTP conversation on a real socket: `script(wire)` reads lines and
    writes replies; what it asserts is re-raised in the test by `finish`."""

    def __init__(self, script: Callable[[Wire], None], extensions: list[str]) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.extensions = extensions
        self.buffer = b""
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._serve, args=(script,), daemon=True)
        self.thread.start()

    def _serve(self, script) -> None:
        self.conn, _ = self.listener.accept()
        self.conn.settimeout(5)
        try:
            self.reply("220 wire ESMTP")
            assert self.line().startswith(b"EHLO ")
            lines = ["wire", *self.extensions]
            self.reply(
                "\r\n".join(
                    f"250{'-' if i < len(lines) - 1 else ' '}{text}" for i, text in enumerate(lines)
                )
            )
            script(self)
        except BaseException as exc:  # the test thread re-raises it
            self.error = exc
        finally:
            self.conn.close()
            self.listener.close()

    def line(self) -> bytes:
        """The next command line (without CRLF), waiting for it if need be."""
        while b"\r\n" not in self.buffer:
            chunk = self.conn.recv(65536)
            if not chunk:
                raise EOFError("client went away")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def message(self) -> bytes:
        """The message after DATA, up to its ending dot (an empty one is just the dot)."""
        while not self.buffer.startswith(b".\r\n") and b"\r\n.\r\n" not in self.buffer:
            self.buffer += self.conn.recv(65536)
        if self.buffer.startswith(b".\r\n"):
            self.buffer = self.buffer[3:]
            return b""
        data, _, self.buffer = self.buffer.partition(b"\r\n.\r\n")
        return data

    def reply(self, text: str) -> None:
        self.conn.sendall(text.encode() + b"\r\n")

    def finish(self) -> None:
        self.thread.join(10)
        if self.error:
            raise self.error


def test_with_pipelining_mail_rcpt_and_data_go_out_before_any_reply():
    seen = {}

    def script(wire: Wire) -> None:
        # No reply until all three commands are here: a client that waited for the reply to
        # MAIL would wait for ever (and this read would time out).
        seen["commands"] = [wire.line(), wire.line(), wire.line()]
        wire.reply("250 2.1.0 sender ok\r\n250 2.1.5 recipient ok\r\n354 go ahead")
        seen["data"] = wire.message()
        wire.reply("250 2.0.0 queued")
        assert wire.line() == b"QUIT"
        wire.reply("221 bye")

    wire = Wire(script, ["PIPELINING", "SIZE 1000000", "8BITMIME"])
    client = client_for(wire.port)
    reply = client.send("news@example.org", "reader@example.org", MESSAGE)
    client.close()
    wire.finish()
    assert reply.code == 250
    assert seen["commands"] == [
        f"MAIL FROM:<news@example.org> SIZE={len(MESSAGE)}".encode(),
        b"RCPT TO:<reader@example.org>",
        b"DATA",
    ]
    assert seen["data"] == MESSAGE.rstrip(b"\r\n")


def test_without_pipelining_each_command_waits_for_its_reply():
    early = []

    def script(wire: Wire) -> None:
        for expected, answer in ((b"MAIL", "250 ok"), (b"RCPT", "250 ok"), (b"DATA", "354 go")):
            assert wire.line().startswith(expected)
            early.append(wire.buffer)  # what came before this command's reply: nothing
            wire.reply(answer)
        wire.message()
        wire.reply("250 queued")
        wire.line()
        wire.reply("221 bye")

    wire = Wire(script, ["SIZE 1000000"])
    client = client_for(wire.port)
    client.send("news@example.org", "reader@example.org", MESSAGE)
    client.close()
    wire.finish()
    assert early == [b"", b"", b""]


def test_a_refused_sender_is_reset_and_the_connection_serves_the_next_message():
    def script(wire: Wire) -> None:
        wire.line(), wire.line(), wire.line()
        wire.reply("451 4.3.0 try later\r\n503 5.5.1 no sender\r\n503 5.5.1 no recipient")
        assert wire.line() == b"RSET"
        wire.reply("250 flushed")
        wire.line(), wire.line(), wire.line()
        wire.reply("250 ok\r\n250 ok\r\n354 go")
        wire.message()
        wire.reply("250 queued")
        wire.line()
        wire.reply("221 bye")

    wire = Wire(script, ["PIPELINING"])
    client = client_for(wire.port)
    with pytest.raises(SmtpError) as refused:
        client.send("news@example.org", "first@example.org", MESSAGE)
    assert (refused.value.step, refused.value.reply.code) == ("MAIL", 451)
    assert client.is_open
    assert client.send("news@example.org", "second@example.org", MESSAGE).code == 250
    client.close()
    wire.finish()


def test_a_server_that_accepts_data_after_refusing_the_recipient_gets_an_empty_message():
    def script(wire: Wire) -> None:
        wire.line(), wire.line(), wire.line()
        wire.reply("250 ok\r\n550 5.1.1 no such user\r\n354 go")  # against RFC 2920
        assert wire.message() == b""  # ended at once, nothing of the message
        wire.reply("554 5.5.1 no valid recipients")
        assert wire.line() == b"RSET"
        wire.reply("250 flushed")
        wire.line()
        wire.reply("221 bye")

    wire = Wire(script, ["PIPELINING"])
    client = client_for(wire.port)
    with pytest.raises(SmtpError) as refused:
        client.send("news@example.org", "gone@example.org", MESSAGE)
    assert (refused.value.step, refused.value.reply.code) == ("RCPT", 550)
    client.close()
    wire.finish()


def test_a_non_ascii_address_needs_smtputf8():
    wire = Wire(lambda wire: wire.line(), ["PIPELINING"])
    client = client_for(wire.port)
    with pytest.raises(Unsendable, match="SMTPUTF8"):
        client.send("news@example.org", "zoë@example.org", MESSAGE)
    client.close()
    wire.finish()


def test_a_message_over_the_servers_size_is_refused_before_it_is_sent():
    wire = Wire(lambda wire: wire.line(), ["PIPELINING", "SIZE 100"])
    client = client_for(wire.port)
    with pytest.raises(Unsendable, match="over the server's limit of 100"):
        client.send("news@example.org", "reader@example.org", b"x" * 200)
    client.close()
    wire.finish()


def test_refusals_at_each_step_keep_the_connection_clean(server):
    handler = server.handler
    handler.rcpt_script = lambda address, _: "550 5.1.1 no such user" if "gone" in address else None
    handler.data_script = lambda item, _: (
        "554 5.7.1 rejected" if "spam" in item.recipients[0] else None
    )
    client = client_for(server.port)
    for address, step, code in (
        ("gone@example.org", "RCPT", 550),
        ("spam@example.org", "message", 554),
    ):
        with pytest.raises(SmtpError) as refused:
            client.send("news@example.org", address, MESSAGE)
        assert (refused.value.step, refused.value.reply.code) == (step, code)
    assert client.send("news@example.org", "reader@example.org", MESSAGE).code == 250
    assert client.send("news@example.org", "zoë@example.org", MESSAGE).code == 250  # SMTPUTF8
    client.close()
    assert server.connections == 1 and handler.rsets == 2
    assert server.recipients() == ["reader@example.org", "zoë@example.org"]
    assert server.received[0].data == MESSAGE.replace(b"\n..", b"\n.")  # unstuffed


def test_a_421_closes_the_connection(server):
    server.handler.rcpt_script = lambda address, _: "421 4.3.2 shutting down"
    client = client_for(server.port)
    with pytest.raises(SmtpError) as refused:
        client.send("news@example.org", "reader@example.org", MESSAGE)
    assert refused.value.reply.code == 421 and not client.is_open


def test_a_server_that_never_answers_the_message_times_out_and_closes(server):
    server.handler.data_script = lambda item, _: "HANG"
    client = client_for(server.port, timeout=0.5)
    with pytest.raises(SmtpError) as lost:
        client.send("news@example.org", "reader@example.org", MESSAGE)
    assert lost.value.reply is None and "timed out" in str(lost.value)
    assert not client.is_open


# Chaining: the reply to one message shares its round trip with the next one's commands.


def test_chained_the_next_commands_go_out_before_the_reply_to_the_message_before():
    seen = []

    def script(wire: Wire) -> None:
        for n in range(3):
            seen.append([wire.line(), wire.line(), wire.line()])
            if n:  # no reply to the message before until this one's commands are here
                wire.reply("250 2.0.0 queued")
            wire.reply("250 sender ok\r\n250 recipient ok\r\n354 go ahead")
            wire.message()
        wire.reply("250 2.0.0 queued")
        assert wire.line() == b"QUIT"
        wire.reply("221 bye")

    wire = Wire(script, ["PIPELINING"])
    client = client_for(wire.port)
    answers = []
    for n in range(3):
        client.begin("news@example.org", f"r{n}@example.org", MESSAGE, answers.append)
        assert len(answers) == n  # the reply to message n comes with message n + 1
    client.close()  # collects the last reply before QUIT
    wire.finish()
    assert [a.code for a in answers] == [250, 250, 250]
    assert [commands[1] for commands in seen] == [
        f"RCPT TO:<r{n}@example.org>".encode() for n in range(3)
    ]


def test_chained_a_refused_message_is_answered_and_the_next_one_goes_on_without_rset():
    def script(wire: Wire) -> None:
        wire.line(), wire.line(), wire.line()
        wire.reply("250 ok\r\n250 ok\r\n354 go ahead")
        wire.message()
        assert wire.line().startswith(b"MAIL FROM:")  # not RSET: the reply ends a transaction
        wire.line(), wire.line()
        wire.reply("554 5.6.0 content rejected")
        wire.reply("250 ok\r\n250 ok\r\n354 go ahead")
        wire.message()
        wire.reply("250 2.0.0 queued")
        assert wire.line() == b"QUIT"
        wire.reply("221 bye")

    wire = Wire(script, ["PIPELINING"])
    client = client_for(wire.port)
    answers = []
    client.begin("news@example.org", "first@example.org", MESSAGE, answers.append)
    client.begin("news@example.org", "second@example.org", MESSAGE, answers.append)
    client.collect()
    client.close()
    wire.finish()
    refused, taken = answers
    assert isinstance(refused, SmtpError) and refused.reply.code == 554
    assert taken.code == 250


@pytest.mark.parametrize("last_words", [None, "421 4.7.0 too many messages, closing"])
def test_chained_a_connection_that_ends_with_the_reply_owed_sends_nothing_more(last_words):
    """The server dies (or says 421) instead of answering a message: that message gets the
    lost connection (or the 421), and the one chained behind it was never sent."""

    def script(wire: Wire) -> None:
        wire.line(), wire.line(), wire.line()
        wire.reply("250 ok\r\n250 ok\r\n354 go ahead")
        wire.message()
        wire.line(), wire.line(), wire.line()  # the next envelope, in the same write
        if last_words:
            wire.reply(last_words)

    wire = Wire(script, ["PIPELINING"])
    client = client_for(wire.port)
    answers = []
    client.begin("news@example.org", "first@example.org", MESSAGE, answers.append)
    with pytest.raises(NotSent):
        client.begin("news@example.org", "second@example.org", MESSAGE, answers.append)
    wire.finish()
    assert len(answers) == 1 and isinstance(answers[0], SmtpError)
    assert (answers[0].reply.code if answers[0].reply else None) == (421 if last_words else None)
    assert not client.is_open


def test_chained_an_aborted_connection_answers_the_message_it_owed():
    server = SmtpServer().start()
    try:
        client = client_for(server.port)
        answers = []
        client.begin("news@example.org", "first@example.org", MESSAGE, answers.append)
        client.abort()
    finally:
        server.stop()
    assert len(answers) == 1 and answers[0].reply is None
    assert "before the reply" in answers[0].reason


def test_chained_against_aiosmtpd_every_message_arrives_and_is_answered(server):
    client = client_for(server.port)
    answers = []
    for n in range(5):
        client.begin("news@example.org", f"r{n}@example.org", MESSAGE, answers.append)
    client.close()
    assert [a.code for a in answers] == [250] * 5
    assert [r.recipients for r in server.received] == [[f"r{n}@example.org"] for n in range(5)]
