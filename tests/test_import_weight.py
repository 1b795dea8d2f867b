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
    assert loaded_after(code, ("aiosmtpd", "flufl", "dns", "dkim", "spf", "publicsuffixlist")) == []


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


def test_the_cli_loads_no_views_no_alembic_and_no_models():
    """`flask digest --help` and every job start without the views, their forms, Alembic or
    the models, though every route is in the URL map (see bench/startup.py); the first request
    to a page loads its views and the models."""
    views = ("digest.web.public.views", "digest.web.admin.views", "digest.web.editor.views")
    lazy = ("alembic", "flask_migrate", "digest.models", *views)
    help_only = (
        "from digest.app import create_app\n"
        "app = create_app()\n"
        "assert app.test_cli_runner().invoke(args=['digest', '--help']).exit_code == 0\n"
        "assert 'admin.dashboard' in {rule.endpoint for rule in app.url_map.iter_rules()}"
    )
    assert loaded_after(help_only, lazy) == []
    first_page = f"{help_only}\nassert app.test_client().get('/admin/login').status_code == 200"
    assert loaded_after(first_page, lazy) == ["digest.models", "digest.web.admin.views"]
