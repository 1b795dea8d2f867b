"""Open tracking: off by default; when on, a 1x1 image in the mail's HTML part counts opens
like clicks (no IP or agent kept), reported as machine-inflated, never in the archive."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from digest.deliver import deliver_edition
from digest.deliver.clicks import close_windows, edition_clicks
from digest.edition import lifecycle
from digest.extensions import db
from digest.links import click_token, open_token, read_open_token
from digest.models import Delivery, Edition, MailOpen, OpenTotal, Subscriber
from tests.support.cli import run_ok
from tests.support.factories import make_edition, make_newsletter, make_subscribers, settings_of

APPLE = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
STORIES = [
    {"title": "Derby Ends Level", "canonical_url": "https://news.example.org/derby"},
    {"title": "Comet Over the Valley", "canonical_url": "https://news.example.org/comet"},
]
PIXEL = re.compile(r'<img src="http://digest\.test(/o/[^"]+)" width="1" height="1" alt=""')


def sent(app, **settings) -> Edition:
    newsletter = make_newsletter(**settings)
    make_subscribers(newsletter, 2)
    edition = make_edition(newsletter, items=STORIES)
    lifecycle.approve(edition)
    db.session.commit()
    deliver_edition(edition.id, settings_of(app))
    db.session.refresh(edition)
    return edition


def pixels(received) -> list[str]:
    return PIXEL.findall(received.message.get_body(("html",)).get_content())


def opens() -> int:
    return db.session.scalar(select(func.count()).select_from(MailOpen))


def test_no_pixel_unless_an_admin_turns_opens_on(app, smtp_server):
    edition = sent(app)
    assert not edition.newsletter.tracks_opens
    assert "/o/" not in smtp_server.received[0].message.get_body(("html",)).get_content()
    assert edition_clicks(edition).as_json()["opens"] is None


def test_the_pixel_is_a_tiny_uncached_gif_counted_without_keeping_who(app, client, smtp_server):
    edition = sent(app, tracks_opens=True)
    (pixel,) = pixels(smtp_server.received[0])
    assert "/o/" not in smtp_server.received[0].message.get_body(("plain",)).get_content()
    answer = client.get(pixel, headers={"User-Agent": APPLE})
    assert answer.status_code == 200 and answer.mimetype == "image/gif"
    assert answer.data.startswith(b"GIF89a") and len(answer.data) < 64
    assert answer.headers["Cache-Control"] == "no-store"
    client.get(pixel, headers={"User-Agent": APPLE})  # the same visitor again
    client.get(
        pixel, headers={"User-Agent": "Thunderbird/128"}, environ_base={"REMOTE_ADDR": "10.1.1.1"}
    )
    client.head(pixel, headers={"User-Agent": APPLE})  # not an open
    row = db.session.scalars(select(MailOpen)).first()
    assert len(row.visitor) == 32 and row.delivery_id is None and row.variant == 0
    stats = edition_clicks(edition).opens
    assert (stats.opens, stats.unique_openers) == (3, 2)


def test_forged_altered_or_other_tokens_are_404(app, client, smtp_server):
    edition = sent(app, tracks_opens=True)
    token = pixels(smtp_server.received[0])[0].removeprefix("/o/")
    payload, _, signature = token.rpartition(".")
    links = settings_of(app).links
    for bad in (
        f"{edition.id + 1}-0.{signature}",  # altered
        f"{payload}.{signature[:-2]}xx",  # forged
        click_token(links, edition.id, 0, 0),  # a click token is no pixel
        open_token(links, edition.id + 40),  # no such edition
        "1-0",
    ):
        assert client.get(f"/o/{bad}").status_code == 404
    assert opens() == 0


def test_not_in_the_archive_the_feed_or_previews(app, client, smtp_server, tmp_path):
    edition = sent(app, tracks_opens=True)
    slug = edition.newsletter.slug
    assert "/o/" not in client.get(f"/archive/{slug}/{edition.id}").get_data(as_text=True)
    assert "/o/" not in client.get(f"/archive/{slug}/feed.atom").get_data(as_text=True)
    html = tmp_path / "preview.html"
    run_ok(app.test_cli_runner(), "preview", str(edition.id), "--html", str(html))
    assert "/o/" not in html.read_text()
    run_ok(
        app.test_cli_runner(),
        "preview",
        str(edition.id),
        "--html",
        str(html),
        "--reader",
        "reader0@example.org",
    )
    assert "/o/" not in html.read_text()


def test_with_per_reader_statistics_each_pixel_names_its_row(app, client, smtp_server):
    sent(app, tracks_opens=True, tracks_readers=True)
    links = settings_of(app).links
    for received in smtp_server.received:
        (pixel,) = pixels(received)
        row = db.session.scalars(
            select(Delivery).join(Subscriber).where(Subscriber.email == received.recipients[0])
        ).one()
        assert read_open_token(links, pixel.removeprefix("/o/")).delivery_id == row.id
        client.get(pixel, headers={"User-Agent": APPLE})
    assert {o.delivery_id for o in db.session.scalars(select(MailOpen))} == {
        d.id for d in db.session.scalars(select(Delivery))
    }
    html = smtp_server.received[0].message.get_body(("html",)).get_content()
    assert "which stories you open and whether you open each email" in html


def test_a_closed_window_folds_opens_into_totals_and_the_pixel_still_answers(
    app, client, smtp_server
):
    edition = sent(app, tracks_opens=True)
    pixel = pixels(smtp_server.received[0])[0]
    client.get(pixel, headers={"User-Agent": APPLE})
    before = edition_clicks(edition).as_json()
    close_windows(edition.released_at + timedelta(days=31))
    db.session.commit()
    assert opens() == 0
    total = db.session.scalars(select(OpenTotal)).one()
    assert (total.variant, total.opens, total.unique_openers) == (0, 1, 1)
    assert edition_clicks(edition).as_json() == before
    assert client.get(pixel, headers={"User-Agent": APPLE}).status_code == 200
    assert opens() == 0  # no longer counted


def test_stats_report_opens_as_machine_inflated_beside_clicks(app, client, smtp_server):
    edition = sent(app, tracks_opens=True)
    client.get(pixels(smtp_server.received[0])[0], headers={"User-Agent": APPLE})
    runner = app.test_cli_runner()
    data = json.loads(run_ok(runner, "stats", str(edition.id), "--json"))
    assert set(data) == {"edition", "delivered", "clicks", "unique_clickers", "stories", "opens"}
    assert data["opens"]["opens"] == 1 and data["opens"]["machine_inflated"] is True
    assert "Apple Mail Privacy Protection" in data["opens"]["note"]
    table = run_ok(runner, "stats", str(edition.id))
    assert "1 open by 1 visitor (machine-inflated" in table
    rows = run_ok(runner, "stats", str(edition.id), "--csv").splitlines()
    assert rows[0].endswith("machine_clicks,edition_opens,edition_unique_openers")
    assert rows[1].endswith(",1,1")
