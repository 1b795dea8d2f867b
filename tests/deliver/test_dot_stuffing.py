"""Leading dots: digest stuffs an edition's static pieces once, and the server gets them right."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.deliver.message import Addressee, MessageTemplate, Sender
from digest.deliver.transport import SmtpSettings, SmtpTransport, dot_stuff
from digest.render import Recipient, compile_edition, parse_snapshot

DOTTY = ".NET ships today.\n.\n..and a line of dots " + "." * 200


def template() -> MessageTemplate:
    story = {
        "title": DOTTY[:60],
        "url": "https://example.org/a",
        "source": ".Source",
        "summary": [DOTTY, ". Another sentence that starts with a dot."] * 3,
    }
    snapshot = {
        "newsletter": {"slug": "n", "title": "N"},
        "edition": {
            "id": 1,
            "subject": ".Subject",
            "date": "2026-11-25",
            "archive_url": "https://digest.test/archive/n/1",
        },
        "sections": [{"name": ".Section", "stories": [story] * 5}],
    }
    sender = Sender("N", "news@digest.test", "N <n.digest.test>", "mailto:news@digest.test")
    return MessageTemplate(compile_edition(parse_snapshot(snapshot)), sender)


def addressee(name: str) -> Addressee:
    recipient = Recipient(
        email="a@example.org",
        name=name,
        unsubscribe_url="https://digest.test/unsubscribe/x",
        preferences_url="https://digest.test/preferences/x",
    )
    return Addressee(recipient, "<1.1@digest.test>", datetime(2026, 11, 25, tzinfo=UTC))


def test_stuffing_once_per_edition_equals_stuffing_every_message():
    pieces = template()
    for name in (".dotty", "." * 90, "Plain Name"):
        plain = pieces.render(addressee(name))
        assert b"\r\n." in plain  # the case is real: lines do start with dots
        assert pieces.render(addressee(name), dot_stuffed=True) == dot_stuff(plain)


def test_a_server_receives_the_dotty_message_unchanged(smtp_server):
    pieces = template()
    transport = SmtpTransport(SmtpSettings("127.0.0.1", smtp_server.port))
    wire = pieces.render(addressee(".dotty"), dot_stuffed=True)
    transport.send("news@digest.test", "a@example.org", wire, is_dot_stuffed=True)
    transport.send("news@digest.test", "b@example.org", pieces.render(addressee(".dotty")))
    transport.close()
    first, second = (item.data for item in smtp_server.received)
    assert first == second == pieces.render(addressee(".dotty"))
