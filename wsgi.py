"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi ...` (the `digest` command, too)."""

from digest.app import create_app_or_exit

app = create_app_or_exit()
