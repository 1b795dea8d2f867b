"""Settings for digest, read from DIGEST_* environment variables when a Config is made."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from digest.errors import ConfigurationError

ROOT = Path(__file__).resolve().parent
# The default home of the SQLite database: instance/ in a source checkout; for an installed
# package, Flask's own convention for installed apps, <prefix>/var/digest-instance.
IS_CHECKOUT = (ROOT / "pyproject.toml").is_file()
INSTANCE = ROOT / "instance" if IS_CHECKOUT else Path(sys.prefix) / "var" / "digest-instance"


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Every setting digest reads, taken from the environment when an instance is made."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self.ENV_NAME = env.get("DIGEST_ENV", "production")
        self.SQLALCHEMY_DATABASE_URI = env.get(
            "DIGEST_DATABASE_URL", f"sqlite:///{INSTANCE / 'digest.sqlite3'}"
        )
        self.SECRET_KEY = env.get("DIGEST_SECRET_KEY", "")
        self.BASE_URL = env.get("DIGEST_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        # url_for(..., _external=True) outside a request (commands, jobs) builds on the base URL.
        base = urlsplit(self.BASE_URL)
        self.SERVER_NAME = base.netloc or None
        self.PREFERRED_URL_SCHEME = base.scheme or "http"
        self.APPLICATION_ROOT = base.path or "/"
        self.SMTP_HOST = env.get("DIGEST_SMTP_HOST", "127.0.0.1")
        self.SMTP_PORT = int(env.get("DIGEST_SMTP_PORT", "8025"))
        self.SMTP_USER = env.get("DIGEST_SMTP_USER") or None
        self.SMTP_PASSWORD = env.get("DIGEST_SMTP_PASSWORD") or None
        self.SMTP_SECURITY = env.get("DIGEST_SMTP_SECURITY", "none").lower()
        self.SMTP_TIMEOUT = float(env.get("DIGEST_SMTP_TIMEOUT", "30"))
        self.SMTP_CONNECTIONS = int(env.get("DIGEST_SMTP_CONNECTIONS", "4"))
        self.SEND_RATE = float(env.get("DIGEST_SEND_RATE", "0"))  # messages/second, 0 = unlimited
        self.RETRY_BASE_SECONDS = float(env.get("DIGEST_RETRY_BASE_SECONDS", "30"))
        self.RETRY_DEADLINE_SECONDS = float(env.get("DIGEST_RETRY_DEADLINE_SECONDS", "86400"))
        self.PAUSE_AFTER_FAILURES = int(env.get("DIGEST_PAUSE_AFTER_FAILURES", "10"))
        self.SEND_BATCH = int(env.get("DIGEST_SEND_BATCH", "200"))
        # 0: ten SMTP timeouts, long enough that a live sender never loses its rows.
        self.SEND_LEASE_SECONDS = float(env.get("DIGEST_SEND_LEASE_SECONDS", "0"))
        # Queue mode: with a broker (redis://...), Celery workers send and poll (PostgreSQL only).
        self.BROKER_URL = env.get("DIGEST_BROKER_URL") or None
        self.WORKER_CONCURRENCY = int(env.get("DIGEST_WORKER_CONCURRENCY", "4"))
        # After a 4xx from a recipient's domain, that domain waits this long (doubling, capped).
        self.DOMAIN_BACKOFF_SECONDS = float(env.get("DIGEST_DOMAIN_BACKOFF_SECONDS", "30"))
        self.MAIL_FROM = env.get("DIGEST_MAIL_FROM", "digest@localhost")
        self.BOUNCE_ADDRESS = env.get("DIGEST_BOUNCE_ADDRESS") or None
        # Returned mail fetched by the scheduler (the alternative to `digest inbound`).
        self.BOUNCE_MAILBOX = env.get("DIGEST_BOUNCE_MAILBOX") or None
        self.BOUNCE_POLL_SECONDS = int(env.get("DIGEST_BOUNCE_POLL_SECONDS", "300"))
        self.DNS_RESOLVER = env.get("DIGEST_DNS_RESOLVER") or None  # host:port for health checks
        self.POSTAL_ADDRESS = env.get("DIGEST_POSTAL_ADDRESS", "")
        self.DKIM_KEY_FILE = env.get("DIGEST_DKIM_KEY_FILE") or None
        self.DKIM_SELECTOR = env.get("DIGEST_DKIM_SELECTOR", "digest")
        self.DKIM_DOMAIN = env.get("DIGEST_DKIM_DOMAIN") or None
        self.API_TOKEN = env.get("DIGEST_API_TOKEN") or None
        self.ALLOW_PRIVATE_FETCH = _flag(env.get("DIGEST_ALLOW_PRIVATE_FETCH"))
        self.SCHEDULER_LOCK_SECONDS = int(env.get("DIGEST_SCHEDULER_LOCK_SECONDS", "60"))
        self.SOURCE_MAX_FAILURES = int(env.get("DIGEST_SOURCE_MAX_FAILURES", "5"))
        self.RATELIMIT_STORAGE_URI = env.get("DIGEST_RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_ENABLED = _flag(env.get("DIGEST_RATELIMIT_ENABLED"), True)
        # Proxies in front of the app whose X-Forwarded-* headers are trusted (0: none).
        self.TRUSTED_PROXIES = int(env.get("DIGEST_TRUSTED_PROXIES", "0"))
        self.MAX_CONTENT_LENGTH = int(env.get("DIGEST_MAX_BODY_BYTES", str(5 * 1024 * 1024)))
        self.WTF_CSRF_ENABLED = True
        # Cookies never leave this site, never reach scripts, and need https when served over it.
        secure = self.BASE_URL.startswith("https://")
        self.SESSION_COOKIE_HTTPONLY = self.REMEMBER_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.REMEMBER_COOKIE_SECURE = secure
        self.SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
        self.check()

    @property
    def is_development(self) -> bool:
        return self.ENV_NAME in {"development", "test"}

    def check(self) -> None:
        """Refuse settings that would run insecurely or cannot work."""
        if not self.SECRET_KEY:
            if not self.is_development:
                raise ConfigurationError(
                    "DIGEST_SECRET_KEY must be set (or DIGEST_ENV=development for the demo)"
                )
            self.SECRET_KEY = "development-only-secret-key"
        if self.BROKER_URL and not self.BROKER_URL.startswith(("redis://", "rediss://")):
            raise ConfigurationError("DIGEST_BROKER_URL must be a redis:// or rediss:// URL")
        base = urlsplit(self.BASE_URL)
        if base.scheme not in {"http", "https"} or not base.netloc:
            raise ConfigurationError(
                "DIGEST_BASE_URL must be an http:// or https:// URL, e.g. https://news.example.org"
            )
        if self.SMTP_SECURITY not in {"none", "starttls", "tls"}:
            raise ConfigurationError("DIGEST_SMTP_SECURITY must be one of none, starttls, tls")
