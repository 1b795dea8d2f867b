"""A reader's own choices: topics, how often, a pause, their name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from digest.audience.subscriptions import clean_name
from digest.audience.topics import choose_topics
from digest.errors import InvalidInput
from digest.extensions import db
from digest.models import Subscription, utcnow

FREQUENCIES = ("every", "weekly")
PAUSE_WEEKS = (1, 2, 4)


@dataclass(frozen=True)
class Preferences:
    """What the preferences page sends. `pause_weeks`: 0 resumes now, None keeps the pause."""

    topics: list[str]
    frequency: str = "every"
    pause_weeks: int | None = None
    name: str | None = None


def save_preferences(subscription: Subscription, chosen: Preferences) -> None:
    """Apply the reader's choices; InvalidInput for a topic or frequency not offered."""
    newsletter = subscription.newsletter
    subscription.topics = choose_topics(newsletter, chosen.topics)
    if chosen.frequency not in FREQUENCIES:
        raise InvalidInput(f"unknown frequency {chosen.frequency!r}")
    if chosen.frequency == "weekly" and not newsletter.offers_weekly:
        raise InvalidInput(f"{newsletter.title} is not offered weekly")
    subscription.frequency = chosen.frequency
    if chosen.pause_weeks is not None:
        subscription.paused_until = pause_end(chosen.pause_weeks)
    subscription.subscriber.name = clean_name(chosen.name)
    db.session.flush()


def pause_end(weeks: int) -> datetime | None:
    """When a pause of `weeks` weeks started now ends; 0 means no pause."""
    if weeks == 0:
        return None
    if weeks not in PAUSE_WEEKS:
        raise InvalidInput(f"a pause lasts {', '.join(map(str, PAUSE_WEEKS))} weeks")
    return utcnow() + timedelta(weeks=weeks)


def is_paused(subscription: Subscription) -> bool:
    return subscription.paused_until is not None and subscription.paused_until > utcnow()
