"""Settings for digest, read from DIGEST_* environment variables when a Config is made.

Every variable goes through one parser of `_Environment`; a value it cannot use is a
ConfigurationError naming the variable, what it expects and (unless it is a secret) what it
got, which `create_app_or_exit` (the `digest` command, wsgi.py) prints as one line. A secret
may come from a file instead: `DIGEST_SECRET_KEY_FILE=/run/secrets/digest_key` (one trailing
newline is dropped).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from digest.errors import ConfigurationError
from digest.logs import FORMATS, LEVELS

ROOT = Path(__file__).resolve().parent
# The default home of the SQLite database: instance/ in a source checkout; for an installed
# package, Flask's own convention for installed apps, <prefix>/var/digest-instance.
IS_CHECKOUT = (ROOT / "pyproject.toml").is_file()
INSTANCE = ROOT / "instance" if IS_CHECKOUT else Path(sys.prefix) / "var" / "digest-instance"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
ENVIRONMENTS = ("production", "development", "test")
SMTP_SECURITY = ("none", "starttls", "tls")
LOG_LEVELS = tuple(level.lower() for level in LEVELS)


class _Environment:
    """The DIGEST_* variables, each read by the parser for its kind; an empty value is unset."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def text(self, name: str, default: str = "") -> str:
        return self.env.get(name, default)

    def optional(self, name: str) -> str | None:
        return self.env.get(name) or None

    def whole(self, name: str, default: int, least: int = 0, most: int | None = None) -> int:
        """A whole number from `least` up to `most` (no limit when None)."""
        raw = self._given(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or value < least or (most is not None and value > most):
            span = f" from {least} to {most}" if most is not None else f", {least} or more"
            raise _invalid(name, f"a whole number{span}", raw)
        return value

    def number(self, name: str, default: float, unit: str, zero_allowed: bool = False) -> float:
        """A finite number above 0, or from 0 when `zero_allowed` (0 then has a meaning)."""
        raw = self._given(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0 or (value == 0 and not zero_allowed):
            span = ", 0 or more" if zero_allowed else " above 0"
            raise _invalid(name, f"a number of {unit}{span}", raw)
        return value

    def flag(self, name: str, default: bool) -> bool:
        raw = self._given(name)
        if raw is None:
            return default
        if raw.lower() not in _TRUE | _FALSE:
            raise _invalid(name, "true or false", raw)
        return raw.lower() in _TRUE

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        raw = self._given(name)
        if raw is None:
            return default
        if raw.lower() not in choices:
            raise _invalid(name, f"one of {', '.join(choices)}", raw)
        return raw.lower()

    def secret(self, name: str) -> str | None:
        """NAME, or the contents of the file NAME_FILE names; never both."""
        path, value = self.env.get(f"{name}_FILE") or None, self.env.get(name) or None
        if path is None:
            return value
        if value is not None:
            raise ConfigurationError(f"set {name} or {name}_FILE, not both")
        return _read_secret_file(f"{name}_FILE", path)

    def _given(self, name: str) -> str | None:
        value = self.env.get(name, "").strip()
        return value or None


def _invalid(name: str, expected: str, value: str) -> ConfigurationError:
    shown = value if len(value) <= 40 else value[:37] + "..."
    return ConfigurationError(f"{name} must be {expected}, not {shown!r}")


def _read_secret_file(name: str, path: str) -> str:
    """A secret file's text without its one trailing newline; never shows what it holds."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeError:
        raise ConfigurationError(f"{name} names a file that is not UTF-8 text: {path}") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigurationError(
            f"{name} names a file digest cannot read: {path} ({reason})"
        ) from None
    text = text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")
    if not text:
        raise ConfigurationError(f"{name} names an empty file: {path}")
    return text


def _old_keys(value: str | None, current: str) -> list[str]:
    """DIGEST_SECRET_KEY_FALLBACKS: old keys separated by commas (or lines, in a file)."""
    keys = (key.strip() for key in (value or "").replace("\n", ",").split(","))
    return list(dict.fromkeys(key for key in keys if key and key != current))


class Config:
    """Every setting digest reads, taken from the environment when an instance is made."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        read = _Environment(os.environ if env is None else env)
        self._read_site(read)
        self._read_smtp(read)
        self._read_sending(read)
        self._read_mail(read)
        self._read_web(read)
        self.check()

    def _read_site(self, read: _Environment) -> None:
        self.ENV_NAME = read.choice("DIGEST_ENV", "production", ENVIRONMENTS)
        self.SQLALCHEMY_DATABASE_URI = read.secret("DIGEST_DATABASE_URL") or (
            f"sqlite:///{INSTANCE / 'digest.sqlite3'}"
        )
        self.SECRET_KEY = read.secret("DIGEST_SECRET_KEY") or ""
        # Old keys verify what they signed (links, return paths, invitations, session cookies);
        # only SECRET_KEY signs anything new. Flask reads this name for its session cookie.
        self.SECRET_KEY_FALLBACKS = _old_keys(
            read.secret("DIGEST_SECRET_KEY_FALLBACKS"), self.SECRET_KEY
        )
        self.BASE_URL = read.text("DIGEST_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        # url_for(..., _external=True) outside a request (commands, jobs) builds on the base URL.
        base = urlsplit(self.BASE_URL)
        self.SERVER_NAME = base.netloc or None
        self.PREFERRED_URL_SCHEME = base.scheme or "http"
        self.APPLICATION_ROOT = base.path or "/"
        self.API_TOKEN = read.secret("DIGEST_API_TOKEN")
        self.METRICS_TOKEN = read.secret("DIGEST_METRICS_TOKEN")  # bearer token for /metrics
        self.SCHEDULER_LOCK_SECONDS = read.whole("DIGEST_SCHEDULER_LOCK_SECONDS", 60, least=1)
        self.LOG_LEVEL = read.choice("DIGEST_LOG_LEVEL", "info", LOG_LEVELS).upper()
        self.LOG_FORMAT = read.choice("DIGEST_LOG_FORMAT", "text", FORMATS)

    def _read_smtp(self, read: _Environment) -> None:
        self.SMTP_HOST = read.text("DIGEST_SMTP_HOST", "127.0.0.1")
        self.SMTP_PORT = read.whole("DIGEST_SMTP_PORT", 8025, least=1, most=65535)
        self.SMTP_USER = read.optional("DIGEST_SMTP_USER")
        self.SMTP_PASSWORD = read.secret("DIGEST_SMTP_PASSWORD")
        self.SMTP_SECURITY = read.choice("DIGEST_SMTP_SECURITY", "none", SMTP_SECURITY)
        self.SMTP_TIMEOUT = read.number("DIGEST_SMTP_TIMEOUT", 30.0, "seconds")
        self.SMTP_CONNECTIONS = read.whole("DIGEST_SMTP_CONNECTIONS", 4, least=1)

    def _read_sending(self, read: _Environment) -> None:
        # messages/second, 0 = unlimited
        self.SEND_RATE = read.number("DIGEST_SEND_RATE", 0.0, "messages a second", True)
        self.RETRY_BASE_SECONDS = read.number("DIGEST_RETRY_BASE_SECONDS", 30.0, "seconds")
        self.RETRY_DEADLINE_SECONDS = read.number(
            "DIGEST_RETRY_DEADLINE_SECONDS", 86400.0, "seconds"
        )
        self.PAUSE_AFTER_FAILURES = read.whole("DIGEST_PAUSE_AFTER_FAILURES", 10, least=1)
        self.SEND_BATCH = read.whole("DIGEST_SEND_BATCH", 200, least=1)
        # 0: ten SMTP timeouts, long enough that a live sender never loses its rows.
        self.SEND_LEASE_SECONDS = read.number("DIGEST_SEND_LEASE_SECONDS", 0.0, "seconds", True)
        # Queue mode: with a broker (redis://...), Celery workers send and poll (PostgreSQL only).
        self.BROKER_URL = read.secret("DIGEST_BROKER_URL")
        self.WORKER_CONCURRENCY = read.whole("DIGEST_WORKER_CONCURRENCY", 4, least=1)
        # After a 4xx from a recipient's domain, that domain waits this long (doubling, capped).
        self.DOMAIN_BACKOFF_SECONDS = read.number("DIGEST_DOMAIN_BACKOFF_SECONDS", 30.0, "seconds")

    def _read_mail(self, read: _Environment) -> None:
        self.MAIL_FROM = read.text("DIGEST_MAIL_FROM", "digest@localhost")
        self.BOUNCE_ADDRESS = read.optional("DIGEST_BOUNCE_ADDRESS")
        # Returned mail fetched by the scheduler (the alternative to `digest inbound`).
        self.BOUNCE_MAILBOX = read.secret("DIGEST_BOUNCE_MAILBOX")
        self.BOUNCE_POLL_SECONDS = read.whole("DIGEST_BOUNCE_POLL_SECONDS", 300, least=1)
        self.DNS_RESOLVER = read.optional("DIGEST_DNS_RESOLVER")  # host:port for health checks
        # Mail sources' addresses (in+<id>.<sig>@this); default: the bounce address's domain.
        self.INBOUND_DOMAIN = read.optional("DIGEST_INBOUND_DOMAIN")
        self.POSTAL_ADDRESS = read.text("DIGEST_POSTAL_ADDRESS")
        self.DKIM_KEY_FILE = read.optional("DIGEST_DKIM_KEY_FILE")
        self.DKIM_SELECTOR = read.text("DIGEST_DKIM_SELECTOR", "digest")
        self.DKIM_DOMAIN = read.optional("DIGEST_DKIM_DOMAIN")
        self.ALLOW_PRIVATE_FETCH = read.flag("DIGEST_ALLOW_PRIVATE_FETCH", False)
        self.SOURCE_MAX_FAILURES = read.whole("DIGEST_SOURCE_MAX_FAILURES", 5, least=1)

    def _read_web(self, read: _Environment) -> None:
        self.RATELIMIT_STORAGE_URI = read.text("DIGEST_RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_ENABLED = read.flag("DIGEST_RATELIMIT_ENABLED", True)
        # Proxies in front of the app whose X-Forwarded-* headers are trusted (0: none).
        self.TRUSTED_PROXIES = read.whole("DIGEST_TRUSTED_PROXIES", 0)
        self.MAX_CONTENT_LENGTH = read.whole("DIGEST_MAX_BODY_BYTES", 5 * 1024 * 1024, least=1)
        self.WTF_CSRF_ENABLED = True
        # Cookies never leave this site, never reach scripts, and need https when served over it.
        secure = self.BASE_URL.startswith("https://")
        self.SESSION_COOKIE_HTTPONLY = self.REMEMBER_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.REMEMBER_COOKIE_SECURE = secure
        self.SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    @property
    def is_development(self) -> bool:
        return self.ENV_NAME in {"development", "test"}

    def check(self) -> None:
        """Refuse settings that would run insecurely or cannot work."""
        self._check_secret_key()
        self._check_urls()

    def _check_secret_key(self) -> None:
        if self.SECRET_KEY:
            return
        if not self.is_development:
            raise ConfigurationError(
                "DIGEST_SECRET_KEY must be set (or DIGEST_ENV=development for the demo)"
            )
        self.SECRET_KEY = "development-only-secret-key"

    def _check_urls(self) -> None:
        if "://" not in self.SQLALCHEMY_DATABASE_URI:  # never shown: it may hold a password
            raise ConfigurationError(
                "DIGEST_DATABASE_URL must be a database URL, e.g. "
                "postgresql+psycopg://user:password@host/digest or sqlite:////path/digest.sqlite3"
            )
        if self.BROKER_URL and not self.BROKER_URL.startswith(("redis://", "rediss://")):
            raise ConfigurationError("DIGEST_BROKER_URL must be a redis:// or rediss:// URL")
        base = urlsplit(self.BASE_URL)
        if base.scheme not in {"http", "https"} or not base.netloc:
            raise ConfigurationError(
                "DIGEST_BASE_URL must be an http:// or https:// URL, e.g. https://news.example.org"
            )
