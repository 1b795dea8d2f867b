"""Import weight is part of the design: pure steps load no Flask, the app and the sender
load no scikit-learn, SciPy or trafilatura. Each check runs in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sklearn", "scipy", "trafilatura")


def loaded_after(code: str, modules: tuple[str, ...]) -> list[str]:
    probe = f"{code}\nimport sys\nprint(','.join(m for m in {modules!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"DIGEST_ENV": "test", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    return [m for m in done.stdout.strip().split(",") if m]


def test_importing_a_pure_step_loads_no_flask():
    for step in ("digest.summarize", "digest.group", "digest.render"):
        assert loaded_after(f"import {step}", ("flask", "sqlalchemy")) == [], step


def test_the_app_and_the_delivery_engine_load_no_heavy_libraries():
    code = (
        "from digest.app import create_app\n"
        "app = create_app()\n"
        "import digest.deliver.engine, digest.deliver.runners.threads, digest.cli.editions"
    )
    assert loaded_after(code, HEAVY) == []


def test_the_app_and_the_cli_load_no_inbound_mail_or_dns_libraries():
    code = (
        "from digest.app import create_app\n"
        "app = create_app()\n"
        "app.test_cli_runner().invoke(args=['digest', '--help'])\n"
        "app.test_client().get('/')"
    )
    assert loaded_after(code, ("aiosmtpd", "flufl", "dns", "dkim")) == []


def test_celery_loads_only_in_queue_mode():
    """The web app, the scheduler's jobs and `flask digest --help` load no Celery or Redis
    client, even with a broker configured; the worker's module does."""
    queue = ("celery", "kombu", "redis")
    code = (
        "import os\n"
        "os.environ['DIGEST_BROKER_URL'] = 'redis://127.0.0.1:1/0'\n"
        "from digest.app import create_app\n"
        "app = create_app()\n"
        "import digest.schedule.jobs, digest.cli.system, digest.deliver.runners.threads\n"
        "from click.testing import CliRunner\n"
        "from digest.cli import digest_cli\n"
        "assert CliRunner().invoke(digest_cli, ['--help']).exit_code == 0"
    )
    assert loaded_after(code, queue) == []
    assert loaded_after("import digest.tasks.worker", queue) == list(queue)


def test_the_cli_loads_no_web_pages_no_alembic_and_no_models():
    """`flask digest --help` and every job start without the views, the forms, Flask-WTF,
    Flask-Login, Alembic or the models (about 0.45 s together here, see bench/startup.py);
    the first request attaches the pages."""
    lazy = ("alembic", "flask_migrate", "flask_wtf", "flask_login", "digest.web.admin")
    lazy += ("digest.web.public", "digest.models")
    help_only = (
        "from digest.app import create_app\n"
        "app = create_app()\n"
        "assert app.test_cli_runner().invoke(args=['digest', '--help']).exit_code == 0"
    )
    assert loaded_after(help_only, lazy) == []
    first_request = f"{help_only}\nassert app.test_client().get('/nowhere').status_code == 404"
    attached = ["flask_wtf", "flask_login", "digest.web.admin", "digest.web.public"]
    attached += ["digest.models"]
    assert loaded_after(first_request, lazy) == attached
