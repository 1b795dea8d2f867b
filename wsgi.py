"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi ...`."""

from digest.app import create_app
from digest.errors import ConfigurationError

try:
    app = create_app()
except ConfigurationError as exc:  # one line for a person, not a traceback
    raise SystemExit(f"digest: {exc}") from None
