"""Tiny real POP3 and IMAP servers for tests: just the commands poplib and imaplib send
when digest fetches and deletes returned mail. Plain TCP on a free port, one user."""

from __future__ import annotations

import shlex
import socketserver
import threading

from tests.support.smtp import free_port

USER, PASSWORD = "bounces", "s3cret pass"


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class _Mailbox:
    """Messages (bytes, CRLF), shared by the server's sessions."""

    def __init__(self, handler: type[socketserver.StreamRequestHandler]) -> None:
        self.messages: list[bytes] = []
        self.port = free_port()
        self.server = _Server(("127.0.0.1", self.port), handler)
        self.server.mailbox = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Pop3Session(socketserver.StreamRequestHandler):
    def say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        box: _Mailbox = self.server.mailbox
        deleted: set[int] = set()
        user = None
        self.say("+OK test POP3 ready")
        for raw in self.rfile:
            verb, _, arg = raw.decode().strip().partition(" ")
            verb = verb.upper()
            if verb == "USER":
                user = arg
                self.say("+OK")
            elif verb == "PASS":
                self.say("+OK" if (user, arg) == (USER, PASSWORD) else "-ERR bad login")
            elif verb == "STAT":
                live = [m for i, m in enumerate(box.messages, 1) if i not in deleted]
                self.say(f"+OK {len(live)} {sum(len(m) for m in live)}")
            elif verb == "RETR":
                message = box.messages[int(arg) - 1]
                self.say(f"+OK {len(message)} octets")
                for line in message.split(b"\r\n"):
                    self.wfile.write((b"." + line if line.startswith(b".") else line) + b"\r\n")
                self.say(".")
            elif verb == "DELE":
                deleted.add(int(arg))
                self.say("+OK deleted")
            elif verb == "QUIT":
                box.messages = [m for i, m in enumerate(box.messages, 1) if i not in deleted]
                self.say("+OK bye")
                return
            else:
                self.say("-ERR unknown command")


class _ImapSession(socketserver.StreamRequestHandler):
    def say(self, line: str | bytes) -> None:
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def handle(self) -> None:
        box: _Mailbox = self.server.mailbox
        self.flagged: set[int] = set()
        self.say("* OK test IMAP4rev1 ready")
        for raw in self.rfile:
            tag, _, rest = raw.decode().strip().partition(" ")
            verb, _, arg = rest.partition(" ")
            if not self.answer(box, tag, verb.upper(), arg):
                return

    def answer(self, box: _Mailbox, tag: str, verb: str, arg: str) -> bool:
        if verb == "CAPABILITY":
            self.say("* CAPABILITY IMAP4rev1")
        elif verb == "LOGIN":
            if shlex.split(arg) != [USER, PASSWORD]:
                self.say(f"{tag} NO bad login")
                return True
        elif verb == "SELECT":
            self.say(f"* {len(box.messages)} EXISTS")
            self.say(f"{tag} OK [READ-WRITE] SELECT completed")
            return True
        elif verb == "SEARCH":
            self.say("* SEARCH " + " ".join(str(i) for i in range(1, len(box.messages) + 1)))
        elif verb == "FETCH":
            number = int(arg.split()[0])
            message = box.messages[number - 1]
            self.say(f"* {number} FETCH (RFC822 {{{len(message)}}}".encode())
            self.wfile.write(message + b")\r\n")
        elif verb == "STORE":
            self.flagged.add(int(arg.split()[0]))
            self.say(f"* {arg.split()[0]} FETCH (FLAGS (\\Deleted))")
        elif verb == "EXPUNGE":
            for number in sorted(self.flagged, reverse=True):
                del box.messages[number - 1]
                self.say(f"* {number} EXPUNGE")
            self.flagged.clear()
        elif verb == "LOGOUT":
            self.say("* BYE")
            self.say(f"{tag} OK LOGOUT completed")
            return False
        else:
            self.say(f"{tag} BAD unknown command")
            return True
        self.say(f"{tag} OK {verb} completed")
        return True


def pop3_server() -> _Mailbox:
    return _Mailbox(_Pop3Session).start()


def imap_server() -> _Mailbox:
    return _Mailbox(_ImapSession).start()
