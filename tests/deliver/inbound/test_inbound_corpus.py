"""Every corpus message, delivered to the real inbound SMTP server, lands in the ledger with
the right verdict and does what it must to the address and the subscription."""

from __future__ import annotations

import re

import pytest

from tests.support.inbound import CORPUS, corpus_message, events_of, state_of

OK, BOUNCED, COMPLAINED = "ok", "bounced", "complained"
ACTIVE, GONE = ["active"], ["unsubscribed"]

# file: (sent to, kind recorded, subscriber status after, subscriptions after)
# sent to: "verp" = the row's return path, "fbl" = the bare bounce address (feedback
# loops send there, with our message attached), "unsub" = the row's mailto: address.
EXPECTED = {
    "gmail_user_unknown.eml": ("verp", "hard_bounce", BOUNCED, ACTIVE),
    "gmail_over_quota.eml": ("verp", "soft_bounce", OK, ACTIVE),
    "gmail_delayed.eml": ("verp", "delayed", OK, ACTIVE),
    "o365_recipient_not_found.eml": ("verp", "hard_bounce", BOUNCED, ACTIVE),
    "o365_access_denied.eml": ("verp", "hard_bounce", BOUNCED, ACTIVE),
    "exchange2010_ndr.eml": ("verp", "hard_bounce", BOUNCED, ACTIVE),
    "yahoo_no_account.eml": ("verp", "hard_bounce", BOUNCED, ACTIVE),
    "yahoo_mailbox_full.eml": ("verp", "soft_bounce", OK, ACTIVE),
    "postfix_user_unknown.eml": ("verp", "hard_bounce", BOUNCED, ACTIVE),
    "postfix_delayed.eml": ("verp", "delayed", OK, ACTIVE),
    "postfix_mailbox_full.eml": ("verp", "soft_bounce", OK, ACTIVE),
    "exim_user_unknown.eml": ("verp", "hard_bounce", BOUNCED, ACTIVE),
    "exim_dsn_quota.eml": ("verp", "soft_bounce", OK, ACTIVE),
    "exim_no_mx.eml": ("verp", "hard_bounce", BOUNCED, ACTIVE),
    "qmail_no_mailbox.eml": ("verp", "hard_bounce", BOUNCED, ACTIVE),
    "qmail_over_quota.eml": ("verp", "soft_bounce", OK, ACTIVE),
    "sendmail_user_unknown.eml": ("verp", "hard_bounce", BOUNCED, ACTIVE),
    "sendmail_host_unknown.eml": ("verp", "hard_bounce", BOUNCED, ACTIVE),
    "aol_legacy.eml": ("verp", "hard_bounce", BOUNCED, ACTIVE),
    "icloud_policy_block.eml": ("verp", "soft_bounce", OK, ACTIVE),
    "spamhaus_block.eml": ("verp", "soft_bounce", OK, ACTIVE),
    "webde_mailbox_unavailable.eml": ("verp", "hard_bounce", BOUNCED, ACTIVE),
    "generic_temporary_nodsn.eml": ("verp", "delayed", OK, ACTIVE),
    "yahoo_arf.eml": ("fbl", "complaint", COMPLAINED, GONE),
    "aol_arf_redacted.eml": ("fbl", "complaint", COMPLAINED, GONE),
    "microsoft_jmrp_arf.eml": ("fbl", "complaint", COMPLAINED, GONE),
    "microsoft_jmrp_legacy.eml": ("fbl", "complaint", COMPLAINED, GONE),
    "comcast_arf_headers_only.eml": ("fbl", "complaint", COMPLAINED, GONE),
    "fastmail_arf_fraud.eml": ("fbl", "complaint", COMPLAINED, GONE),
    "arf_not_spam.eml": ("fbl", "unknown", OK, ACTIVE),
    "outlook_automatic_reply.eml": ("verp", "auto_reply", OK, ACTIVE),
    "gmail_vacation.eml": ("verp", "auto_reply", OK, ACTIVE),
    "unix_vacation.eml": ("verp", "auto_reply", OK, ACTIVE),
    "german_abwesenheit.eml": ("verp", "auto_reply", OK, ACTIVE),
    "zimbra_autoreply_subject_only.eml": ("verp", "auto_reply", OK, ACTIVE),
    "mailto_unsubscribe_gmail.eml": ("unsub", "unsubscribe", OK, GONE),
    "mailto_unsubscribe_apple.eml": ("unsub", "unsubscribe", OK, GONE),
}
# Auto-replies that follow RFC 3834 come from the null sender too; the others from the reader.
NULL_SENDER_REPLIES = {"german_abwesenheit.eml"}
REPORTS = [name for name, (_, kind, _, _) in EXPECTED.items() if kind != "unsubscribe"]


def test_the_corpus_holds_every_file_and_at_least_30_reports():
    on_disk = {path.name for path in CORPUS.glob("*.eml")}
    assert set(EXPECTED) <= on_disk
    assert on_disk - set(EXPECTED) == {"plain_unsubscribe_to_bare.eml"}
    assert len(REPORTS) >= 30


def _deliver(inbound, sent, name: str, index: int):
    row = sent.rows_by_id[index]
    to, *_ = EXPECTED[name]
    rcpt = {"verp": row.return_path, "fbl": "bounces@digest.test", "unsub": row.unsubscribe}[to]
    null_sender = EXPECTED[name][1] not in ("auto_reply", "unsubscribe", "complaint")
    mail_from = "" if null_sender or name in NULL_SENDER_REPLIES else row.email
    inbound.send(corpus_message(name, row), rcpt, mail_from)
    return row


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_corpus_message_is_understood_and_acted_on(inbound, sent, name):
    row = _deliver(inbound, sent, name, sorted(EXPECTED).index(name))
    _, kind, subscriber_after, subscriptions_after = EXPECTED[name]
    events = events_of(row.delivery_id)
    assert [e.kind.value for e in events] == [kind], [e.detail for e in events]
    assert state_of(row.email) == (subscriber_after, subscriptions_after)
    assert events[0].recipient_domain == "example.org"
    assert events[0].channel == "smtp"


def test_the_same_report_delivered_twice_counts_once(inbound, sent):
    row = sent.rows_by_id[0]
    report = corpus_message("gmail_over_quota.eml", row)
    inbound.send(report, row.return_path, "")
    inbound.send(report, row.return_path, "")
    assert len(events_of(row.delivery_id)) == 1


def test_a_report_resent_through_another_hop_still_counts_once(inbound, sent):
    """A relay retrying after a lost 250 adds its Received line and may restamp the Date."""
    row = sent.rows_by_id[0]
    report = corpus_message("gmail_over_quota.eml", row)
    inbound.send(report, row.return_path, "")
    hop = b"Received: from mx2.example.net by mx.digest.test; Sat, 28 Nov 2026 08:00:00 +0000\r\n"
    restamped = re.sub(
        rb"^Date: [^\r\n]*", b"Date: Sat, 28 Nov 2026 08:00:00 +0000", report, count=1, flags=re.M
    )
    inbound.send(hop + restamped, row.return_path, "")
    assert len(events_of(row.delivery_id)) == 1


def test_a_second_report_about_the_same_message_counts_again(inbound, sent):
    row = sent.rows_by_id[0]
    report = corpus_message("gmail_over_quota.eml", row)
    inbound.send(report, row.return_path, "")
    another = report.replace(b"SMTPIN_ADDED_MISSING", b"SMTPIN_ADDED_AGAIN")
    inbound.send(another, row.return_path, "")
    assert len(events_of(row.delivery_id)) == 2
