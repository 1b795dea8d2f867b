"""What an edition that learns is told: the newsletter's click history as plain numbers.

The edition step orders stories by them (digest/group/learned.py) but cannot read them itself:
the history belongs to delivery, a later step. The faces hand `click_rates` to the build.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from digest.deliver.clicks import click_history
from digest.models import Newsletter

if TYPE_CHECKING:
    from digest.group.learned import ClickRates

LEARNING_DAYS = 90


def click_rates(newsletter: Newsletter, now: datetime) -> ClickRates:
    """Human clicks and readers reached by source and by section over the last 90 days."""
    # The grouping step loads scikit-learn: imported when an edition is built, not before.
    from digest.group.learned import Clicked, ClickRates

    history = click_history(newsletter.id, LEARNING_DAYS, now)
    delivered = [edition.delivered for edition in history.editions]
    return ClickRates(
        sources={name: Clicked(r.clicks, r.reached) for name, r in history.sources.items()},
        sections={name: Clicked(r.clicks, r.reached) for name, r in history.sections.items()},
        readers=sum(delivered) / len(delivered) if delivered else 0.0,
    )
