"""Many readers clicking at once: every click answered and stored, none lost to the race for
the edition's salt (made by the first click), and the frozen links read once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from digest.extensions import db
from digest.models import Click, ClickSalt
from tests.deliver.test_clicks import BROWSER, sent, tracked_links

READERS = 8


def test_first_clicks_at_once_all_count_and_share_one_salt(app, smtp_server):
    edition = sent(app)
    link = tracked_links(smtp_server)[0]
    db.session.commit()
    start = threading.Barrier(READERS)
    answers: list[int] = []

    def reader(number: int) -> None:
        with app.app_context():
            client = app.test_client()
            start.wait()
            agent = f"{BROWSER} reader-{number}"
            answers.append(client.get(link, headers={"User-Agent": agent}).status_code)
            db.session.remove()

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [302] * READERS
    db.session.expire_all()
    clicks = db.session.scalar(select(func.count()).select_from(Click))
    salts = db.session.scalars(select(ClickSalt.edition_id)).all()
    assert (clicks, salts) == (READERS, [edition.id])
    visitors = db.session.scalars(select(Click.visitor).distinct()).all()
    assert len(visitors) == READERS  # one salt: each reader one visitor


def test_a_link_to_no_story_of_a_sent_edition_is_404_and_stores_nothing(app, client, smtp_server):
    from digest.context import current_settings
    from digest.links import click_token

    edition = sent(app)
    token = click_token(current_settings().links, edition.id, 0, 99)
    assert client.get(f"/c/{token}", headers={"User-Agent": BROWSER}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Click)) == 0
