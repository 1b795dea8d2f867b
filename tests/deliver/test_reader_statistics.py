"""Per-reader statistics: off by default; when a newsletter turns them on each mail's links
name its delivery row, readers are told, and leaving deletes what was recorded."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from digest import newsletters
from digest.audience import unsubscribe
from digest.audience.admin import remove_subscriber
from digest.deliver import deliver_edition
from digest.deliver.clicks import close_windows, edition_clicks
from digest.deliver.reader_links import SENTINEL
from digest.deliver.readers import readers_csv
from digest.edition import lifecycle
from digest.extensions import db
from digest.links import click_token, fast_signer, make_token, read_click_token
from digest.models import Click, Delivery, Edition, Subscriber, Subscription
from tests.support.factories import make_edition, make_newsletter, make_subscribers, settings_of

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari"
STORIES = [
    {"title": "Derby Ends Level", "canonical_url": "https://news.example.org/derby"},
    {"title": "Comet Over the Valley", "canonical_url": "https://news.example.org/comet"},
    {"title": "Tram Line Approved", "canonical_url": "https://news.example.org/tram"},
]
NOTICE = "records which stories you open"


def sent(app, **settings) -> Edition:
    newsletter = make_newsletter(**settings)
    make_subscribers(newsletter, 2)
    edition = make_edition(newsletter, items=STORIES)
    lifecycle.approve(edition)
    db.session.commit()
    deliver_edition(edition.id, settings_of(app))
    db.session.refresh(edition)
    return edition


def links_of(received) -> tuple[list[str], list[str]]:
    """The tracked links of one mail: in its HTML part, and in its text part."""
    html = received.message.get_body(("html",)).get_content()
    text = received.message.get_body(("plain",)).get_content()
    return re.findall(r'href="http://digest\.test/c/([^"]+)"', html), re.findall(
        r"http://digest\.test/c/(\S+)", text
    )


def row_of(address: str) -> Delivery:
    return db.session.scalars(
        select(Delivery).join(Subscriber).where(Subscriber.email == address)
    ).one()


def test_each_mail_s_links_name_its_own_delivery_row(app, client, smtp_server):
    sent(app, tracks_readers=True)
    links = settings_of(app).links
    seen = set()
    for received in smtp_server.received:
        html_tokens, text_tokens = links_of(received)
        assert set(html_tokens) == set(text_tokens) and len(set(html_tokens)) == 3
        row = row_of(received.recipients[0])
        for token in set(html_tokens):
            named = read_click_token(links, token)
            assert named is not None and named.delivery_id == row.id
            assert str(SENTINEL) not in token
        seen |= set(html_tokens)
    assert len(seen) == 6  # no two readers share a link
    first = smtp_server.received[0]
    answer = client.get(f"/c/{links_of(first)[0][0]}", headers={"User-Agent": BROWSER})
    assert answer.status_code == 302 and answer.headers["Location"].startswith("https://news.")
    click = db.session.scalars(select(Click)).one()
    assert click.delivery_id == row_of(first.recipients[0]).id


def test_off_by_default_links_name_no_one_and_the_footer_says_nothing(app, client, smtp_server):
    edition = sent(app)
    assert not edition.newsletter.tracks_readers
    tokens = links_of(smtp_server.received[0])[0]
    assert read_click_token(settings_of(app).links, tokens[0]).delivery_id is None
    assert NOTICE not in smtp_server.received[0].text


def test_the_footer_of_both_parts_and_the_preferences_page_tell_the_reader(
    app, client, smtp_server
):
    edition = sent(app, tracks_readers=True)
    message = smtp_server.received[0].message
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert f"This newsletter {NOTICE}, per reader" in html
    assert f"This newsletter {NOTICE}, per" in text  # wrapped at 72 columns
    subscription = db.session.scalars(select(Subscription)).first()
    token = make_token(settings_of(app).links, "preferences", subscription.id)
    page = client.get(f"/preferences/{token}").get_data(as_text=True)
    assert "What this newsletter records about you" in page
    assert "which stories you open from its emails" in page
    newsletters.update_newsletter(edition.newsletter, tracks_readers=False)
    db.session.commit()
    assert "records about you" not in client.get(f"/preferences/{token}").get_data(as_text=True)


def test_unsubscribing_deletes_the_reader_s_clicks_and_old_links_then_name_no_one(
    app, client, smtp_server
):
    sent(app, tracks_readers=True)
    first, second = smtp_server.received[:2]
    for received in (first, second):
        client.get(f"/c/{links_of(received)[0][0]}", headers={"User-Agent": BROWSER})
    leaving = db.session.get(Subscription, row_of(first.recipients[0]).subscription_id)
    unsubscribe(leaving)
    db.session.commit()
    remaining = db.session.scalars(select(Click)).all()
    assert [c.delivery_id for c in remaining] == [row_of(second.recipients[0]).id]
    client.get(f"/c/{links_of(first)[0][1]}", headers={"User-Agent": BROWSER})
    assert db.session.scalar(select(func.count()).where(Click.delivery_id.is_(None))) == 1


def test_an_admin_removing_the_address_deletes_its_clicks(app, client, smtp_server):
    sent(app, tracks_readers=True)
    received = smtp_server.received[0]
    client.get(f"/c/{links_of(received)[0][0]}", headers={"User-Agent": BROWSER})
    subscriber = db.session.scalars(
        select(Subscriber).where(Subscriber.email == received.recipients[0])
    ).one()
    remove_subscriber(subscriber)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Click)) == 0


def test_reader_rows_outlive_the_window_while_the_setting_is_on(app, client, smtp_server):
    edition = sent(app, tracks_readers=True)
    for received in smtp_server.received:
        client.get(f"/c/{links_of(received)[0][0]}", headers={"User-Agent": BROWSER})
    client.get(f"/c/{click_token(settings_of(app).links, edition.id, 0, 1)}")  # anonymous
    before = edition_clicks(edition).as_json()
    close_windows(edition.released_at + timedelta(days=31))
    db.session.commit()
    kept = db.session.scalars(select(Click)).all()
    assert len(kept) == 2 and all(c.delivery_id for c in kept)
    assert edition_clicks(edition).as_json() == before  # counted once, from the totals
    csv = readers_csv(edition).splitlines()
    assert csv[0] == "email,opens,section,title,url,clicks" and len(csv) == 3
    readers = {r.recipients[0] for r in smtp_server.received}
    assert {line.split(",")[0] for line in csv[1:]} == readers


def test_turning_it_off_forgets_who_clicked(app, client, smtp_server):
    edition = sent(app, tracks_readers=True)
    tokens = [links_of(received)[0][0] for received in smtp_server.received]
    for token in tokens:
        client.get(f"/c/{token}", headers={"User-Agent": BROWSER})
    newsletters.update_newsletter(edition.newsletter, tracks_readers=False)
    db.session.commit()
    clicks = db.session.scalars(select(Click)).all()  # the window is open: still counted
    assert len(clicks) == 2 and not any(c.delivery_id for c in clicks)
    client.get(f"/c/{tokens[0]}", headers={"User-Agent": BROWSER})  # an old link names no one
    assert db.session.scalar(select(func.count()).where(Click.delivery_id.is_not(None))) == 0
    assert readers_csv(edition).splitlines() == ["email,opens,section,title,url,clicks"]


def test_the_fast_signer_signs_as_the_token_functions_do(app):
    links = settings_of(app).links
    sign = fast_signer(links, "click")
    assert sign("12-0-3-0-4567") == click_token(links, 12, 0, 3, 0, 4567)


def test_a_subject_line_s_mail_names_its_line_and_its_row(app, smtp_server):
    from datetime import UTC, datetime
    from email import message_from_bytes, policy

    from digest.deliver.dispatch import tracked
    from digest.deliver.message import Addressee, MessageTemplate, Sender
    from digest.deliver.reader_links import ReaderLinks
    from digest.render import Recipient, compile_edition, parse_snapshot

    edition = sent(app, tracks_readers=True)
    links = settings_of(app).links
    per_reader = ReaderLinks(links)
    view = parse_snapshot(tracked(edition.snapshot, edition.id, links, 1, per_reader))
    sender = Sender("City", "news@digest.test", "City <city.digest.test>", "mailto:b@digest.test")
    template = MessageTemplate(compile_edition(view), sender, per_reader)
    reader = Recipient("r@example.org", "http://digest.test/u", "http://digest.test/p")
    raw = template.render(Addressee(reader, "<m@digest.test>", datetime.now(UTC), None, 77))
    message = message_from_bytes(raw, policy=policy.SMTP)
    html = message.get_body(("html",)).get_content()
    tokens = set(re.findall(r'href="http://digest\.test/c/([^"]+)"', html))
    named = {read_click_token(links, token) for token in tokens}
    assert len(named) == 3 and {(n.variant, n.delivery_id) for n in named} == {(1, 77)}
