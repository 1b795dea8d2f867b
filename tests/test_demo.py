"""`make run`: only the first start sends; an editor and an admin account; the sample feeds are
served on loopback so an admin can add one from the browser."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import select

from digest.accounts import Role, role_of
from digest.extensions import db
from digest.models import Edition, EditionStatus, Source, User

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


def test_the_demo_has_an_editor_who_is_no_admin_and_an_admin(make_app):
    app = make_app()
    demo = load_demo()
    demo.load_sample_data(app)
    demo.add_accounts(app)
    demo.add_accounts(app)  # a restart: the accounts stay as they are
    with app.app_context():
        roles = {user.email: role_of(user) for user in db.session.scalars(select(User))}
    assert roles == {"editor@digest.localhost": Role.EDITOR, "admin@digest.localhost": Role.ADMIN}


def test_the_demo_admin_looks_at_a_served_sample_feed_and_adds_it(make_app):
    demo = load_demo()
    app = make_app(allow_private_fetch=demo.demo_env()["DIGEST_ALLOW_PRIVATE_FETCH"])
    app.config["WTF_CSRF_ENABLED"] = False
    demo.load_sample_data(app)
    demo.add_accounts(app)
    feeds = demo.serve_sample_feeds(port=0)
    try:
        [url] = [u for u in demo.sample_feed_urls(feeds) if u.endswith("/harbour-radio.xml")]
        with app.app_context():
            page = look_and_add(app.test_client(), demo.ACCOUNTS[1], url)
            locations = set(db.session.scalars(select(Source.location)))
    finally:
        feeds.shutdown()
        feeds.server_close()
    assert "Evening Ferry to the Islands Returns for the Winter" in page
    assert url in locations


def look_and_add(client, account, url: str) -> str:
    address, password, _ = account
    client.post("/admin/login", data={"email": address, "password": password})
    newsletter = db.session.scalars(select(Source.newsletter_id)).first()
    look = {"look-newsletter": newsletter, "look-url": url}
    page = client.post("/admin/sources/look", data=look).get_data(as_text=True)
    add = {"add-newsletter": str(newsletter), "add-url": url, "add-name": "Harbour Radio"}
    assert client.post("/admin/sources", data=add).status_code == 302
    return page


def test_the_launcher_prints_both_accounts_and_the_feeds_to_paste(capsys):
    demo = load_demo()
    demo.print_where_to_look("1", ["http://127.0.0.1:8026/harbour-radio.xml"])
    out = capsys.readouterr().out
    assert "editor/  (sign in as editor@digest.localhost / riverside-demo)" in out
    assert "admin/  (sign in as admin@digest.localhost / riverside-admin)" in out
    assert "http://127.0.0.1:8026/harbour-radio.xml" in out
