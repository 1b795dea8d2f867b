"""Settings the steps take: frozen dataclasses built once from the app's config at the boundary.

A face (web, CLI, scheduler, task) builds `Settings` with `settings_from(app.config)`
and hands the part a step needs to it; no step reads Flask's config itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """A folder shipped with the code (templates, static, migrations): at the top of a source
    checkout, or inside the package when installed from a wheel (see pyproject.toml)."""
    installed = PACKAGE / name
    return installed if installed.is_dir() else PACKAGE.parent / name


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "none"  # none | starttls | tls
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0


@dataclass(frozen=True)
class DkimSettings:
    key_file: str
    selector: str
    domain: str | None  # None: the sender's domain


@dataclass(frozen=True)
class DeliverySettings:
    smtp: SmtpSettings
    connections: int = 4
    batch_size: int = 200
    lease_seconds: float = 300.0
    retry_base_seconds: float = 30.0
    retry_deadline_seconds: float = 86400.0
    pause_after_failures: int = 10
    send_rate: float = 0.0  # messages a second across connections; 0: no limit
    mail_from: str = "digest@localhost"
    bounce_address: str | None = None
    dkim: DkimSettings | None = None

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    @property
    def mail_domain(self) -> str:
        return self.mail_from.rpartition("@")[2] or "localhost"

    def envelope_from(self, from_email: str) -> str:
        return self.bounce_address or from_email


# One signing key, or the current key followed by old ones (DIGEST_SECRET_KEY_FALLBACKS):
# the first signs, each of them verifies.
SigningKeys = str | tuple[str, ...]


@dataclass(frozen=True)
class LinkSettings:
    secret_key: str
    base_url: str
    fallback_keys: tuple[str, ...] = ()  # old keys: what they signed still verifies

    @property
    def keys(self) -> tuple[str, ...]:
        """The current key first, then the old ones, for reading what was signed."""
        return (self.secret_key, *self.fallback_keys)


@dataclass(frozen=True)
class IngestSettings:
    allow_private_fetch: bool = False
    source_max_failures: int = 5


@dataclass(frozen=True)
class EditionSettings:
    base_url: str
    postal_address: str | None = None


@dataclass(frozen=True)
class InboundSettings:
    """Returned mail: where the scheduler fetches it from, and the resolver health checks ask."""

    bounce_mailbox: str | None = None  # imap[s]://user:password@host[:port][/folder] or pop3[s]://
    mailbox_poll_seconds: int = 300
    dns_resolver: str | None = None  # host:port of the resolver the DNS checks ask
    source_domain: str | None = None  # mail sources' addresses; None: the bounce domain


@dataclass(frozen=True)
class QueueSettings:
    """Queue mode: Celery workers on a Redis broker share the sending and the polling."""

    broker_url: str
    concurrency: int = 4  # sending threads per worker process
    domain_backoff_seconds: float = 30.0  # first hold of a domain that answered 4xx


@dataclass(frozen=True)
class Settings:
    links: LinkSettings
    delivery: DeliverySettings
    ingest: IngestSettings
    edition: EditionSettings
    scheduler_lock_seconds: int = 60
    inbound: InboundSettings = InboundSettings()
    queue: QueueSettings | None = None  # None: no broker, the scheduler's threads send
    metrics_token: str | None = None  # /metrics answers only a scraper that sends it


def settings_from(config: Mapping) -> Settings:
    """Build every step's settings from a Flask config (or any mapping with the same keys)."""
    return Settings(
        links=LinkSettings(
            secret_key=config["SECRET_KEY"],
            base_url=config["BASE_URL"],
            fallback_keys=tuple(config.get("SECRET_KEY_FALLBACKS") or ()),
        ),
        delivery=_delivery(config),
        ingest=IngestSettings(
            allow_private_fetch=config["ALLOW_PRIVATE_FETCH"],
            source_max_failures=config["SOURCE_MAX_FAILURES"],
        ),
        edition=EditionSettings(
            base_url=config["BASE_URL"], postal_address=config["POSTAL_ADDRESS"] or None
        ),
        scheduler_lock_seconds=config["SCHEDULER_LOCK_SECONDS"],
        inbound=InboundSettings(
            bounce_mailbox=config.get("BOUNCE_MAILBOX"),
            mailbox_poll_seconds=config.get("BOUNCE_POLL_SECONDS", 300),
            dns_resolver=config.get("DNS_RESOLVER"),
            source_domain=config.get("INBOUND_DOMAIN") or None,
        ),
        queue=_queue(config),
        metrics_token=config.get("METRICS_TOKEN") or None,
    )


def _queue(config: Mapping) -> QueueSettings | None:
    if not config.get("BROKER_URL"):
        return None
    return QueueSettings(
        broker_url=config["BROKER_URL"],
        concurrency=max(1, config["WORKER_CONCURRENCY"]),
        domain_backoff_seconds=config["DOMAIN_BACKOFF_SECONDS"],
    )


def _delivery(config: Mapping) -> DeliverySettings:
    smtp = SmtpSettings(
        host=config["SMTP_HOST"],
        port=config["SMTP_PORT"],
        security=config["SMTP_SECURITY"],
        user=config["SMTP_USER"],
        password=config["SMTP_PASSWORD"],
        timeout=config["SMTP_TIMEOUT"],
    )
    dkim = None
    if config["DKIM_KEY_FILE"]:
        dkim = DkimSettings(config["DKIM_KEY_FILE"], config["DKIM_SELECTOR"], config["DKIM_DOMAIN"])
    return DeliverySettings(
        smtp=smtp,
        connections=max(1, config["SMTP_CONNECTIONS"]),
        batch_size=max(1, config["SEND_BATCH"]),
        # A worker renews its lease every quarter of it and sends at most one message between
        # renewals, which the SMTP timeout bounds; ten timeouts leave a wide margin.
        lease_seconds=config["SEND_LEASE_SECONDS"] or 10 * config["SMTP_TIMEOUT"],
        retry_base_seconds=config["RETRY_BASE_SECONDS"],
        retry_deadline_seconds=config["RETRY_DEADLINE_SECONDS"],
        pause_after_failures=config["PAUSE_AFTER_FAILURES"],
        send_rate=config["SEND_RATE"],
        mail_from=config["MAIL_FROM"],
        bounce_address=config["BOUNCE_ADDRESS"],
        dkim=dkim,
    )
