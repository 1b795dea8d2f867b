"""The classifier alone (pure: bytes in, a verdict out), on edge cases that must change nothing."""

from __future__ import annotations

from digest.deliver.inbound.classify import classify

SECRET = "test-secret"


def message(headers: str, body: str) -> bytes:
    return (headers.strip() + "\n\n" + body).replace("\n", "\r\n").encode()


def test_a_success_notification_is_not_a_bounce():
    raw = message(
        """
From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
Subject: Delivery Status Notification (Success)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"
""",
        """--b
Content-Type: text/plain

Your message was delivered.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; googlemail.com

Final-Recipient: rfc822; reader@example.org
Action: delivered
Status: 2.0.0

--b--
""",
    )
    assert classify(raw, SECRET, "").kind == "unknown"


def test_a_bounce_that_names_no_failure_changes_nothing():
    raw = message(
        "From: MAILER-DAEMON@host.example\nSubject: Undeliverable: hello", "Something happened."
    )
    verdict = classify(raw, SECRET, "")
    assert verdict.kind == "unknown"
    assert verdict.detail == "looks like a bounce but names no failure we can read"


def test_a_plain_reply_is_neither_bounce_nor_auto_reply():
    raw = message("From: reader@example.org\nSubject: Re: City Digest", "Thanks, great issue!")
    assert classify(raw, SECRET, "reader@example.org").kind == "unknown"


def test_a_policy_refusal_is_soft_and_a_missing_mailbox_hard():
    for line, kind in (
        ("550 5.7.1 Message rejected as spam by Content Filtering.", "soft_bounce"),
        ("550 5.1.1 <reader@example.org>: Recipient address rejected: User unknown", "hard_bounce"),
        ("421 4.7.0 Try again later, closing connection.", "soft_bounce"),
    ):
        raw = message("From: MAILER-DAEMON@mx.example\nSubject: Mail delivery failed", line)
        assert classify(raw, SECRET, "").kind == kind, line


def test_a_quoted_message_id_is_not_read_as_a_status_code():
    body = (
        "Sorry, we were unable to deliver your message to the following address.\n\n"
        "<reader@yahoo.example>:\n"
        "554: delivery error: dd This user doesn't have a yahoo.com account\n\n"
        "--- Below this line is a copy of the message.\n\n"
        "Message-ID: <0c9d573a81d4.1.36@digest.test>\n"
    )
    raw = message("From: MAILER-DAEMON@yahoo.com\nSubject: Failure Notice", body)
    verdict = classify(raw, SECRET, "")
    assert (verdict.kind, verdict.status) == ("hard_bounce", "5.0.0")
    assert "doesn't have a yahoo.com account" in verdict.detail
