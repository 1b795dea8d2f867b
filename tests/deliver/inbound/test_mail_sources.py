"""Newsletters mailed to a mail source's signed address, through the real inbound SMTP server
(aiosmtpd) into the database: essays, link lists, Google Alerts, sponsor blocks, sign-ups."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from digest.context import current_settings
from digest.extensions import db
from digest.ingest.inaddress import source_address
from digest.ingest.inbox import ORIGINAL_KEPT, add_mail_source
from digest.ingest.sources import health_of, remove_source
from digest.ingest.store import store_articles
from digest.ingest.types import RawArticle
from digest.models import Article, MailStatus, SourceArticle, SourceMail, utcnow
from tests.support.factories import make_newsletter, make_source
from tests.support.newsletters import NewsletterWeb, SourceServer, letter


@pytest.fixture
def app(make_app):
    app = make_app(allow_private_fetch="true", bounce_address="bounces@inbound.test")
    with app.app_context():
        yield app


@pytest.fixture
def web():
    with NewsletterWeb() as server:
        yield server


@pytest.fixture
def server(app):
    with SourceServer(app) as server:
        yield server


@pytest.fixture
def source(app):
    source = add_mail_source(make_newsletter())
    db.session.commit()
    return source


def address_of(source) -> str:
    return source_address(source.id, current_settings())


def receive_letter(server, web, source, name: str) -> SourceMail:
    server.send(letter(name, address_of(source), web.base), address_of(source))
    server.wait_for_reading()
    db.session.rollback()
    return db.session.scalars(select(SourceMail).order_by(SourceMail.id.desc())).first()


def articles_of(source) -> list[Article]:
    linked = select(SourceArticle.article_id).where(SourceArticle.source_id == source.id)
    return list(
        db.session.scalars(select(Article).where(Article.id.in_(linked)).order_by(Article.id))
    )


def test_an_essay_letter_is_one_article_at_its_web_address(server, web, source):
    mail = receive_letter(server, web, source, "essay.eml")
    assert (mail.status, mail.article_count) == (MailStatus.ARTICLES, 1)
    [article] = articles_of(source)
    assert article.title == "The quiet economics of the harbour ferry"
    assert article.canonical_url == f"{web.base}/p/quiet-economics"  # the redirect unwrapped
    assert article.origin == "Harbour Notes"
    assert "nine hundred people" in article.text
    for chrome in ("Unsubscribe", "Market Street", "View in browser", "preferences", "Twitter"):
        assert chrome not in article.text
    assert "o.gif" not in (article.html or "") and "<script" not in (article.html or "")
    assert source.name == "Harbour Notes"  # an unnamed source takes the newsletter's name


def test_a_link_list_is_one_article_per_item_at_the_real_url(server, web, source):
    mail = receive_letter(server, web, source, "linklist.eml")
    assert (mail.status, mail.article_count) == (MailStatus.ARTICLES, 3)
    articles = articles_of(source)
    assert [a.title for a in articles] == [
        "River bridge reopens after two years of repairs",
        "Tidal power trial starts in the estuary",
        "Ferry operators test a shared ticketing app",
    ]
    assert [a.canonical_url for a in articles] == [
        f"{web.base}/story/{slug}" for slug in ("bridge", "tidal", "apps")
    ]  # unwrapped, and the tracking parameters the landing page carried are gone
    assert {a.origin for a in articles} == {"TLDR Harbour"}
    assert not any("Acme" in a.title or "Acme" in a.text for a in articles)


def test_a_plain_text_link_list_is_one_article_per_item_at_the_real_url(server, web, source):
    mail = receive_letter(server, web, source, "plain_linklist.eml")
    assert (mail.status, mail.article_count) == (MailStatus.ARTICLES, 3)
    assert [a.canonical_url for a in articles_of(source)] == [
        f"{web.base}/story/{slug}" for slug in ("bridge", "tidal", "apps")
    ]


def test_a_google_alerts_digest_is_one_article_per_alert(server, web, source):
    mail = receive_letter(server, web, source, "google_alerts.eml")
    assert (mail.status, mail.article_count) == (MailStatus.ARTICLES, 2)
    articles = articles_of(source)
    assert [a.canonical_url for a in articles] == [
        f"{web.base}/alerts/committee-vote",
        f"{web.base}/alerts/fuel-rebate",
    ]
    assert articles[0].title == "Council committee to vote on electric harbour ferry"
    assert not any("Flag as irrelevant" in a.text for a in articles)


def test_a_sponsor_block_and_social_buttons_are_left_out(server, web, source):
    mail = receive_letter(server, web, source, "sponsor.eml")
    titles = [a.title for a in articles_of(source)]
    assert titles == [
        "River bridge reopens after two years of repairs",
        "Orchard growers expect a record harvest",
    ]
    assert mail.article_count == 2
    assert not any("/links/acme" in path for path in web.seen)  # not even fetched


def test_a_confirmation_request_waits_for_the_admin_and_nothing_is_clicked(server, web, source):
    mail = receive_letter(server, web, source, "confirm.eml")
    assert mail.status is MailStatus.SIGNUP
    assert mail.links == [
        ["Yes, subscribe me", "https://valleyweekly.example/subscribe/confirm?token=7f3a9c"]
    ]
    assert mail.subject == "Please confirm your subscription to Valley Weekly"
    assert articles_of(source) == []
    assert web.seen == []


def test_a_story_in_a_feed_and_a_newsletter_is_one_story_covered_by_both(server, web, source):
    feed = make_source(source.newsletter, name="River Times")
    report = "The old river bridge reopened on Monday after two years of repairs. " * 8
    bridge = RawArticle(title="Bridge reopens", text=report, url=f"{web.base}/story/bridge")
    store_articles(feed, [bridge])
    db.session.commit()
    receive_letter(server, web, source, "linklist.eml")
    article = db.session.scalar(
        select(Article).where(Article.canonical_url == f"{web.base}/story/bridge")
    )
    linked = db.session.scalars(
        select(SourceArticle.source_id).where(SourceArticle.article_id == article.id)
    )
    assert set(linked) == {feed.id, source.id}
    assert article.text.startswith("The old river bridge")  # a blurb never replaces the report


def test_the_smtp_reply_does_not_wait_for_the_redirects(server, web, source):
    web.hold()  # the trackers answer nothing until released
    server.send(letter("linklist.eml", address_of(source), web.base), address_of(source))
    db.session.rollback()
    mail = db.session.scalar(select(SourceMail))
    assert mail.status is MailStatus.PENDING  # the sender has its 250 already
    web.release()
    server.wait_for_reading()
    db.session.rollback()
    assert db.session.get(SourceMail, mail.id).article_count == 3


def test_an_address_with_a_wrong_signature_is_refused_at_rcpt(server, web, source):
    good = address_of(source)
    local, _, domain = good.partition("@")
    forged = f"{local[:-4]}aaaa@{domain}"
    other = good.replace(f"in+{source.id}.", f"in+{source.id + 1}.")
    for rcpt in (forged, other, f"in+{source.id}@{domain}"):
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            server.send(letter("essay.eml", rcpt, web.base), rcpt)
    assert db.session.scalar(select(SourceMail)) is None


def test_a_removed_source_no_longer_receives(server, web, source):
    address = address_of(source)
    remove_source(source)
    db.session.commit()
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        server.send(letter("essay.eml", address, web.base), address)


def test_an_oversized_newsletter_is_refused_at_data(server, web, source):
    raw = letter("essay.eml", address_of(source), web.base)
    paragraphs = (b"<p>" + b"x" * 900 + b"</p>\r\n") * 2400  # 2.2 MB in lines SMTP allows
    huge = raw.replace(b"</body>", paragraphs + b"</body>")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        server.send(huge, address_of(source))
    assert refused.value.smtp_code == 552
    assert db.session.scalar(select(SourceMail)) is None


def test_a_mail_that_gives_nothing_is_kept_with_the_reason(server, web, source):
    raw = (
        b"From: Quiet List <list@quiet.example>\r\nSubject: December\r\n"
        b"Content-Type: text/html\r\n\r\n<p><a href='https://quiet.example/u'>Unsubscribe</a>"
        b"</p><p>All rights reserved.</p>\r\n"
    )
    server.send(raw, address_of(source))
    server.wait_for_reading()
    db.session.rollback()
    mail = db.session.scalar(select(SourceMail))
    assert mail.status is MailStatus.EMPTY
    assert mail.reason == "no text left once the newsletter's wrapping was removed"


def test_the_same_mail_twice_is_kept_once(server, web, source):
    raw = letter("essay.eml", address_of(source), web.base)
    server.send(raw, address_of(source))
    server.send(raw, address_of(source))
    server.wait_for_reading()
    db.session.rollback()
    assert len(db.session.scalars(select(SourceMail)).all()) == 1
    assert len(articles_of(source)) == 1


def test_the_same_mail_resent_through_another_hop_is_kept_once(server, web, source):
    raw = letter("essay.eml", address_of(source), web.base)
    server.send(raw, address_of(source))
    server.send(
        b"Received: from mx2.example.net by in.digest.test; 3 Dec 2026\r\n" + raw,
        address_of(source),
    )
    server.wait_for_reading()
    db.session.rollback()
    assert len(db.session.scalars(select(SourceMail)).all()) == 1


def test_originals_of_mails_read_a_month_ago_are_dropped_and_a_resend_is_still_one(
    app, server, web, source
):
    from digest.models import JobRun
    from digest.schedule.jobs import drop_old_mail

    old_raw = letter("essay.eml", address_of(source), web.base)
    old = receive_letter(server, web, source, "essay.eml")
    recent = receive_letter(server, web, source, "linklist.eml")
    runs = select(JobRun.detail).where(JobRun.job == "mail originals")
    drop_old_mail(app)  # nothing read a month ago yet: no history row
    assert db.session.scalars(runs).all() == []
    old.handled_at = utcnow() - ORIGINAL_KEPT - timedelta(minutes=1)
    db.session.commit()
    drop_old_mail(app)
    db.session.expire_all()
    assert old.raw == b"" and old.status is MailStatus.ARTICLES and old.article_count == 1
    assert recent.raw != b""
    assert db.session.scalars(runs).all() == [
        "1 newsletter mail read over a month ago: originals dropped"
    ]
    server.send(old_raw, address_of(source))  # the same newsletter, resent
    server.wait_for_reading()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SourceMail)) == 2


def test_a_mail_source_quiet_for_two_weeks_is_flagged(source):
    assert health_of(source).state == "new"
    source.last_success_at = utcnow() - timedelta(days=13)
    assert health_of(source).state == "ok"
    source.last_success_at = utcnow() - timedelta(days=15)
    assert health_of(source).state == "quiet"


def test_a_newsletter_fetched_from_the_mailbox_is_read_too(make_app, web, source):
    from urllib.parse import quote

    from tests.support.cli import run_ok
    from tests.support.mailboxes import PASSWORD, USER, imap_server

    imap = imap_server()
    try:
        address = address_of(source)
        imap.messages = [
            b"Delivered-To: "
            + address.encode()
            + b"\r\n"
            + letter("linklist.eml", address, web.base)
        ]
        url = f"imap://{USER}:{quote(PASSWORD)}@127.0.0.1:{imap.port}/INBOX"
        app = make_app(
            allow_private_fetch="true", bounce_address="bounces@inbound.test", bounce_mailbox=url
        )
        output = run_ok(app.test_cli_runner(), "inbound", "--mailbox")
    finally:
        imap.stop()
    assert "1 returned mail fetched, 1 handled" in output
    assert "1 newsletter read for mail sources" in output
    assert imap.messages == []
    db.session.rollback()
    assert len(articles_of(source)) == 3


def test_a_mail_being_read_is_not_read_again_until_its_claim_lapses(app, web, source):
    from digest.ingest.inbox import READ_LEASE, keep_mail, read_kept_mails

    mail = keep_mail(source, letter("essay.eml", address_of(source), web.base))
    mail.handled_at = utcnow()  # another reader took it a moment ago
    db.session.commit()
    settings = current_settings().ingest
    assert list(read_kept_mails(settings)) == []
    mail.handled_at = utcnow() - READ_LEASE - timedelta(seconds=1)  # that reader died
    db.session.commit()
    [read] = read_kept_mails(settings)
    assert (read.status, read.article_count) == (MailStatus.ARTICLES, 1)
