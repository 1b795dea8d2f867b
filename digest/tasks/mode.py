"""Whether queue mode can run here; loads no Celery, so any command can ask first."""

from __future__ import annotations

from digest.errors import ConfigurationError
from digest.extensions import db
from digest.settings import QueueSettings, Settings


def queue_settings(settings: Settings) -> QueueSettings:
    """The queue settings, after checking queue mode can run here (a broker, PostgreSQL)."""
    if settings.queue is None:
        raise ConfigurationError(
            "queue mode needs DIGEST_BROKER_URL (a Redis URL such as redis://127.0.0.1:6379/0)"
        )
    if db.engine.dialect.name != "postgresql":
        raise ConfigurationError(
            "queue mode needs PostgreSQL: DIGEST_DATABASE_URL is "
            f"{db.engine.dialect.name}; unset DIGEST_BROKER_URL to send from this process"
        )
    return settings.queue
