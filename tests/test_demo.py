"""`make run` restarted never sends a draft nobody approved: only the first start sends."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import select

from digest.extensions import db
from digest.models import Edition, EditionStatus

ROOT = Path(__file__).resolve().parents[1]


def load_demo():
    spec = importlib.util.spec_from_file_location("demo_run", ROOT / "demo" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_the_first_start_builds_and_sends(make_app, smtp_server):
    """The launcher runs its commands outside any app context, as `make run` does."""
    app = make_app()
    demo = load_demo()
    assert demo.load_sample_data(app) is True
    first = int(demo.first_edition(app))
    sent = len(smtp_server.received)
    assert sent == 3
    demo.run_command(app, "digest", "build", "riverside")  # an editor's draft, never approved
    assert demo.load_sample_data(app) is False  # a restart: nothing is built or sent
    assert len(smtp_server.received) == sent
    with app.app_context():
        statuses = dict(db.session.execute(select(Edition.id, Edition.status)).all())
    assert statuses[first] is EditionStatus.SENT
    assert [s for i, s in statuses.items() if i != first] in ([], [EditionStatus.DRAFT])
