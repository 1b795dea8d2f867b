"""Weekly readers of a daily newsletter: one edition a week of that week's stories, each once,
through the same ledger and the same exactly-once rules (14 simulated days)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from digest.deliver import deliver_edition
from digest.edition import lifecycle
from digest.edition.build import build_edition
from digest.extensions import db
from digest.models import Delivery, Edition, Subscription
from tests.support.factories import (
    make_article,
    make_newsletter,
    make_source,
    make_subscribers,
    settings_of,
)

START = datetime(2026, 11, 2, 7, tzinfo=UTC)  # a Monday
SUBJECTS = [
    ("Harbour bridge reopens", "Engineers replaced the cables of the harbour bridge."),
    ("Orchard harvest breaks record", "Growers picked more apples than ever this autumn."),
    ("Library opens late", "The central library now stays open until ten on Fridays."),
    ("Tram line approved", "The council voted for a new tram line to the airport."),
    ("Comet seen over valley", "Astronomers watched a bright comet above the hills."),
    ("Derby ends level", "The city derby ended two goals each after a late penalty."),
    ("Bakery wins prize", "A family bakery won the national prize for rye bread."),
    ("School gets solar roof", "Pupils helped install panels on the primary school roof."),
    ("River cleanup draws crowds", "Hundreds of volunteers pulled rubbish from the river."),
    ("Museum buys old map", "The museum bought a map of the city drawn in 1650."),
    ("Marathon route changes", "Runners will cross the old town for the first time."),
    ("Market hall repainted", "The market hall is green again after a long restoration."),
    ("Zoo welcomes red panda", "A young red panda arrived from a zoo in the north."),
    ("Ferry timetable extended", "Ferries now run until midnight through the summer."),
]


def weekly_reader(newsletter) -> None:
    make_subscribers(newsletter, 1, start=0)  # every edition
    make_subscribers(newsletter, 1, start=1)  # once a week
    reader = db.session.scalars(select(Subscription).order_by(Subscription.id.desc())).first()
    reader.frequency = "weekly"
    db.session.commit()


def build_and_send(app, newsletter, slot, cadence="every") -> Edition:
    edition = build_edition(newsletter, slot, cadence)
    if edition.status.value == "draft":
        lifecycle.approve(edition)
        db.session.commit()
    deliver_edition(edition.id, settings_of(app))
    return edition


def titles_to(smtp_server, address: str) -> list[list[str]]:
    mails = [r.message for r in smtp_server.received if address in r.recipients]
    return [
        [
            line[2:].strip()
            for line in m.get_body(("plain",)).get_content().splitlines()
            if line.startswith("* Day ")
        ]
        for m in mails
    ]


def test_a_weekly_reader_gets_one_edition_a_week_of_that_weeks_stories(app, smtp_server):
    newsletter = make_newsletter(offers_weekly=True, weekly_cron="0 8 * * 0")
    weekly_reader(newsletter)
    source = make_source(newsletter)
    for day in range(14):
        title, text = SUBJECTS[day]
        make_article(source, f"Day {day + 1}: {title}", text=text)
        db.session.commit()
        build_and_send(app, newsletter, START + timedelta(days=day))
        if day % 7 == 6:  # the weekly slot, an hour after that day's edition
            slot = START + timedelta(days=day, hours=1)
            build_and_send(app, newsletter, slot, "weekly")
            build_and_send(app, newsletter, slot, "weekly")  # a second run changes nothing
    daily = titles_to(smtp_server, "reader0@example.org")
    weekly = titles_to(smtp_server, "reader1@example.org")
    assert len(daily) == 14 and all(len(titles) == 1 for titles in daily)
    assert len(weekly) == 2
    assert sorted(weekly[0]) == sorted(f"Day {d}: {SUBJECTS[d - 1][0]}" for d in range(1, 8))
    assert sorted(weekly[1]) == sorted(f"Day {d}: {SUBJECTS[d - 1][0]}" for d in range(8, 15))
    editions = db.session.scalar(select(func.count()).select_from(Edition))
    assert editions == 16
    rows = db.session.scalar(select(func.count()).select_from(Delivery))
    assert rows == 14 + 2  # one row per (edition, reader) who should get it


def test_without_weekly_on_offer_a_weekly_reader_gets_every_edition(app, smtp_server):
    newsletter = make_newsletter()
    weekly_reader(newsletter)
    make_article(make_source(newsletter), "Day 1: harbour bridge reopens")
    db.session.commit()
    build_and_send(app, newsletter, START)
    assert sorted(r.recipients[0] for r in smtp_server.received) == [
        "reader0@example.org",
        "reader1@example.org",
    ]


def test_the_weekly_job_builds_and_sends_once_per_weekly_slot(app, smtp_server):
    from digest.schedule.jobs import build_and_send as scheduled

    newsletter = make_newsletter(offers_weekly=True, weekly_cron="* * * * *")
    weekly_reader(newsletter)
    make_article(make_source(newsletter), "Day 1: harbour bridge reopens")
    db.session.commit()
    first = scheduled(newsletter.id, "weekly")
    again = scheduled(newsletter.id, "weekly")
    assert "sent" in first
    assert "already" in again or "nothing new" in again  # (a new minute is a new slot)
    assert [r.recipients for r in smtp_server.received] == [["reader1@example.org"]]
    assert set(db.session.scalars(select(Edition.cadence))) == {"weekly"}
