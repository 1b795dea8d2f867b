"""Editor page fixtures: an editor signed in, her forms posted without CSRF tokens."""

from __future__ import annotations

import pytest

SCRIPT = {"X-Requested-With": "digest-editor"}  # what the workspace's script sends: JSON back


@pytest.fixture
def editor(app, client, sign_in):
    assert sign_in("editor").status_code == 302
    app.config["WTF_CSRF_ENABLED"] = False
    return client
