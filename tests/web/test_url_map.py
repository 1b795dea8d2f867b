"""Every route of the app, for every role, has an explicit expected answer.

A new route fails `test_every_route_has_a_decision` until it gets a row here,
so nobody adds a page without deciding who may use it.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from digest import audience
from digest.extensions import db
from digest.links import make_token
from tests.support.factories import make_edition, make_newsletter, settings_of
from tests.web.conftest import ADMIN, EDITOR, PASSWORD

LOGIN = "login"  # a redirect to the sign-in page
ROLES = ("anonymous", "editor", "admin")

# (endpoint, method, url, {role: expected}); run in this order, on one database per role.
ROUTES = [
    ("public.index", "GET", "/", dict(anonymous=200, editor=200, admin=200)),
    ("public.subscribe_page", "GET", "/subscribe", dict(anonymous=200, editor=200, admin=200)),
    ("public.subscribe", "POST", "/subscribe", dict(anonymous=422, editor=422, admin=422)),
    (
        "public.newsletter_page",
        "GET",
        "/subscribe/city",
        dict(anonymous=200, editor=200, admin=200),
    ),
    ("public.subscribe_to", "POST", "/subscribe/city", dict(anonymous=422, editor=422, admin=422)),
    (
        "public.embedded_subscribe",
        "POST",
        "/subscribe/city/embed",
        dict(anonymous=422, editor=422, admin=422),
    ),
    (
        "public.embed_code",
        "GET",
        "/subscribe/city/embed-code",
        dict(anonymous=LOGIN, editor=403, admin=200),
    ),
    (
        "public.confirm_page",
        "GET",
        "/confirm/{confirm}",
        dict(anonymous=200, editor=200, admin=200),
    ),
    ("public.confirm", "POST", "/confirm/{confirm}", dict(anonymous=200, editor=200, admin=200)),
    (
        "public.renew_confirmation",
        "POST",
        "/confirm/{confirm}/renew",
        dict(anonymous=200, editor=200, admin=200),
    ),
    (
        "public.preferences",
        "GET",
        "/preferences/{preferences}",
        dict(anonymous=200, editor=200, admin=200),
    ),
    (
        "public.save_preferences",
        "POST",
        "/preferences/{preferences}",
        dict(anonymous=302, editor=302, admin=302),
    ),
    (
        "public.unsubscribe_page",
        "GET",
        "/unsubscribe/{unsubscribe}",
        dict(anonymous=200, editor=200, admin=200),
    ),
    (
        "public.unsubscribe",
        "POST",
        "/unsubscribe/{unsubscribe}",
        dict(anonymous=200, editor=200, admin=200),
    ),
    (
        "public.archive",
        "GET",
        "/archive/city/{edition}",
        dict(anonymous=404, editor=404, admin=404),
    ),
    ("public.archive_list", "GET", "/archive/city", dict(anonymous=200, editor=200, admin=200)),
    ("public.feed", "GET", "/archive/city/feed.atom", dict(anonymous=200, editor=200, admin=200)),
    (
        "public.mark_private",
        "POST",
        "/archive/city/{edition}/private",
        dict(anonymous=LOGIN, editor=403, admin=404),
    ),
    # a forged token: 404, never a redirect (tests/deliver/test_clicks.py follows real ones)
    ("public.follow", "GET", "/c/1-0-0.forged", dict(anonymous=404, editor=404, admin=404)),
    ("public.opened", "GET", "/o/1-0.forged", dict(anonymous=404, editor=404, admin=404)),
    # WebSub for a subscription we do not hold (tests/ingest/test_hubs.py)
    (
        "public.hub_callback",
        "GET",
        "/websub/1?hub.mode=subscribe&hub.topic=http://x.example/&hub.challenge=c",
        dict(anonymous=404, editor=404, admin=404),
    ),
    ("public.hub_callback", "POST", "/websub/1", dict(anonymous=404, editor=404, admin=404)),
    ("editor.index", "GET", "/editor/", dict(anonymous=LOGIN, editor=200, admin=200)),
    ("editor.clicks", "GET", "/editor/city/clicks", dict(anonymous=LOGIN, editor=200, admin=200)),
    (
        "editor.clicks_csv",
        "GET",
        "/editor/edition/{edition}/clicks.csv",
        dict(anonymous=LOGIN, editor=200, admin=200),
    ),
    (
        "editor.readers_csv",
        "GET",
        "/editor/edition/{edition}/readers.csv",
        dict(anonymous=LOGIN, editor=200, admin=200),
    ),
    (
        "editor.edition",
        "GET",
        "/editor/edition/{edition}",
        dict(anonymous=LOGIN, editor=200, admin=200),
    ),
    (
        "editor.preview",
        "GET",
        "/editor/edition/{edition}/preview.txt",
        dict(anonymous=LOGIN, editor=200, admin=200),
    ),
    (
        "editor.progress",
        "GET",
        "/editor/edition/{edition}/progress.json",
        dict(anonymous=LOGIN, editor=200, admin=200),
    ),
    (
        "editor.save_texts",
        "POST",
        "/editor/edition/{edition}/texts",
        dict(anonymous=LOGIN, editor=303, admin=303),
    ),
    (
        "editor.save_subject_test",
        "POST",
        "/editor/edition/{edition}/subject-test",
        dict(anonymous=LOGIN, editor=303, admin=303),
    ),
    (
        "editor.choose_subject",
        "POST",
        "/editor/edition/{edition}/subject-test/choose",
        dict(anonymous=LOGIN, editor=400, admin=400),
    ),
    (
        "editor.flag_item",
        "POST",
        "/editor/edition/{edition}/items/{item}/flag",
        dict(anonymous=LOGIN, editor=303, admin=303),
    ),
    (
        "editor.edit_story",
        "POST",
        "/editor/edition/{edition}/items/{item}/story",
        dict(anonymous=LOGIN, editor=303, admin=303),
    ),
    (
        "editor.move_item",
        "POST",
        "/editor/edition/{edition}/items/{item}/section",
        dict(anonymous=LOGIN, editor=303, admin=303),
    ),
    (
        "editor.order",
        "POST",
        "/editor/edition/{edition}/order",
        dict(anonymous=LOGIN, editor=303, admin=303),
    ),
    (
        "editor.rename_section",
        "POST",
        "/editor/edition/{edition}/sections/rename",
        dict(anonymous=LOGIN, editor=303, admin=303),
    ),
    (
        "editor.summary_length",
        "POST",
        "/editor/edition/{edition}/summary-length",
        dict(anonymous=LOGIN, editor=303, admin=303),
    ),
    (
        "editor.sections",
        "POST",
        "/editor/city/sections",
        dict(anonymous=LOGIN, editor=302, admin=302),
    ),
    (
        "editor.build",
        "POST",
        "/editor/city/build",
        dict(anonymous=LOGIN, editor=302, admin=302),
    ),
    (
        "editor.rebuild",
        "POST",
        "/editor/edition/{edition}/rebuild",
        dict(anonymous=LOGIN, editor=302, admin=302),
    ),
    (
        "editor.send_test",
        "POST",
        "/editor/edition/{edition}/test",
        dict(anonymous=LOGIN, editor=303, admin=303),
    ),
    (
        "editor.test_link",
        "GET",
        "/editor/edition/{edition}/test-link/unsubscribe?sample={subscription}",
        dict(anonymous=LOGIN, editor=200, admin=200),
    ),
    (
        "editor.hold",
        "POST",
        "/editor/edition/{edition}/hold",
        dict(anonymous=LOGIN, editor=303, admin=303),
    ),
    (
        "editor.reopen",
        "POST",
        "/editor/edition/{edition}/reopen",
        dict(anonymous=LOGIN, editor=303, admin=303),
    ),
    (
        "editor.approve",
        "POST",
        "/editor/edition/{edition}/approve",
        dict(anonymous=LOGIN, editor=303, admin=303),
    ),
    (
        "editor.send_now",
        "POST",
        "/editor/edition/{edition}/send-now",
        dict(anonymous=LOGIN, editor=200, admin=200),  # asks first (digest/web/confirm.py)
    ),
    (
        "editor.cancel",
        "POST",
        "/editor/edition/{edition}/cancel",
        dict(anonymous=LOGIN, editor=200, admin=200),  # asks first
    ),
    ("admin.login_page", "GET", "/admin/login", dict(anonymous=200, editor=200, admin=200)),
    ("admin.login", "POST", "/admin/login", dict(anonymous=422, editor=422, admin=422)),
    ("admin.dashboard", "GET", "/admin/", dict(anonymous=LOGIN, editor=403, admin=200)),
    (
        "admin.deliveries_chart",
        "GET",
        "/admin/charts/deliveries",
        dict(anonymous=LOGIN, editor=403, admin=200),
    ),
    (
        "admin.toggle_pause",
        "POST",
        "/admin/newsletter/{newsletter}/pause",
        dict(anonymous=LOGIN, editor=403, admin=302),
    ),
    ("admin.health", "GET", "/admin/health", dict(anonymous=LOGIN, editor=403, admin=200)),
    ("admin.health_dns", "GET", "/admin/health/dns", dict(anonymous=LOGIN, editor=403, admin=200)),
    (
        "admin.save_thresholds",
        "POST",
        "/admin/health/thresholds/{newsletter}",
        dict(anonymous=LOGIN, editor=403, admin=422),
    ),
    (
        "admin.run_selftest",
        "POST",
        "/admin/health/selftest",
        dict(anonymous=LOGIN, editor=403, admin=400),
    ),
    (
        "admin.newsletters_page",
        "GET",
        "/admin/newsletters",
        dict(anonymous=LOGIN, editor=403, admin=200),
    ),
    (
        "admin.new_newsletter",
        "GET",
        "/admin/newsletters/new",
        dict(anonymous=LOGIN, editor=403, admin=200),
    ),
    (
        "admin.new_newsletter",
        "POST",
        "/admin/newsletters/new",
        dict(anonymous=LOGIN, editor=403, admin=422),
    ),
    (
        "admin.edit_newsletter",
        "GET",
        "/admin/newsletters/{newsletter}",
        dict(anonymous=LOGIN, editor=403, admin=200),
    ),
    (
        "admin.edit_newsletter",
        "POST",
        "/admin/newsletters/{newsletter}",
        dict(anonymous=LOGIN, editor=403, admin=302),
    ),
    (
        "admin.archive_newsletter",
        "POST",
        "/admin/newsletters/{newsletter}/archive",
        dict(anonymous=LOGIN, editor=403, admin=200),  # asks first
    ),
    ("admin.sources_page", "GET", "/admin/sources", dict(anonymous=LOGIN, editor=403, admin=200)),
    (
        "admin.look_at_source",
        "POST",
        "/admin/sources/look",
        dict(anonymous=LOGIN, editor=403, admin=422),
    ),
    (
        "admin.add_source_page",
        "POST",
        "/admin/sources",
        dict(anonymous=LOGIN, editor=403, admin=400),
    ),
    (
        "admin.upload_articles",
        "POST",
        "/admin/sources/upload",
        dict(anonymous=LOGIN, editor=403, admin=422),
    ),
    (
        "admin.add_mail_source_page",
        "POST",
        "/admin/sources/inbound",
        dict(anonymous=LOGIN, editor=403, admin=422),  # no newsletter chosen
    ),
    (
        "admin.mail_source_page",
        "GET",
        "/admin/sources/{mail_source}",
        dict(anonymous=LOGIN, editor=403, admin=200),
    ),
    (
        "admin.source_action",
        "POST",
        "/admin/sources/{source}/resume",
        dict(anonymous=LOGIN, editor=403, admin=302),
    ),
    (
        "admin.rename_source_page",
        "POST",
        "/admin/sources/{source}/rename",
        dict(anonymous=LOGIN, editor=403, admin=422),  # no name given
    ),
    (
        "admin.subscribers_page",
        "GET",
        "/admin/subscribers?q=reader",
        dict(anonymous=LOGIN, editor=403, admin=200),
    ),
    (
        "admin.export_subscribers",
        "GET",
        "/admin/subscribers.csv",
        dict(anonymous=LOGIN, editor=403, admin=200),
    ),
    (
        "admin.import_subscribers",
        "GET",
        "/admin/subscribers/import",
        dict(anonymous=LOGIN, editor=403, admin=200),
    ),
    (
        "admin.import_subscribers",
        "POST",
        "/admin/subscribers/import",
        dict(anonymous=LOGIN, editor=403, admin=422),
    ),
    (
        "admin.resubscribe",
        "POST",
        "/admin/subscriptions/{subscription}/resubscribe",
        dict(anonymous=LOGIN, editor=403, admin=302),
    ),
    (
        "admin.remove_subscriber",
        "POST",
        "/admin/subscribers/{subscriber}/remove",
        dict(anonymous=LOGIN, editor=403, admin=200),  # asks first
    ),
    (
        "admin.jobs_page",
        "GET",
        "/admin/jobs?job=poll",
        dict(anonymous=LOGIN, editor=403, admin=200),
    ),
    ("admin.run_job_now", "POST", "/admin/jobs/run", dict(anonymous=LOGIN, editor=403, admin=302)),
    (
        "admin.pause_job",
        "POST",
        "/admin/jobs/{newsletter}/pause",
        dict(anonymous=LOGIN, editor=403, admin=302),
    ),
    (
        "admin.edition_progress",
        "GET",
        "/admin/editions/{edition}/progress.json",
        dict(anonymous=LOGIN, editor=403, admin=200),
    ),
    (
        "admin.pause_edition",
        "POST",
        "/admin/editions/{edition}/pause",
        dict(anonymous=LOGIN, editor=403, admin=302),  # approved above, never cancelled
    ),
    ("admin.users_page", "GET", "/admin/users", dict(anonymous=LOGIN, editor=403, admin=200)),
    ("admin.users_page", "POST", "/admin/users", dict(anonymous=LOGIN, editor=403, admin=422)),
    (
        "admin.change_role",
        "POST",
        "/admin/users/{editor_user}/role",
        dict(anonymous=LOGIN, editor=403, admin=400),
    ),
    (
        "admin.set_user_active",
        "POST",
        "/admin/users/{editor_user}/reactivate",
        dict(anonymous=LOGIN, editor=403, admin=302),
    ),
    (
        "admin.accept_invite",
        "GET",
        "/admin/invite/forged",
        dict(anonymous=410, editor=410, admin=410),
    ),
    (
        "admin.accept_invite",
        "POST",
        "/admin/invite/forged",
        dict(anonymous=410, editor=410, admin=410),
    ),
    ("api.post_articles", "POST", "/api/articles", dict(anonymous=401, editor=401, admin=401)),
    ("ops.healthz", "GET", "/healthz", dict(anonymous=200, editor=200, admin=200)),
    ("ops.readyz", "GET", "/readyz", dict(anonymous=503, editor=503, admin=503)),  # no scheduler
    ("ops.metrics", "GET", "/metrics", dict(anonymous=404, editor=404, admin=404)),  # no token
    ("ops.favicon", "GET", "/favicon.ico", dict(anonymous=200, editor=200, admin=200)),
    ("admin.logout", "POST", "/admin/logout", dict(anonymous=302, editor=302, admin=302)),
]


def routes_of(app) -> set[tuple[str, str]]:
    """(endpoint, method) of every rule, without static files and automatic HEAD / OPTIONS."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_a_decision(app):
    decided = {(endpoint, method) for endpoint, method, _, _ in ROUTES}
    assert routes_of(app) - decided == set(), "routes without a decision in ROUTES"
    assert decided - routes_of(app) == set(), "ROUTES lists routes the app no longer has"
    assert all(set(expected) == set(ROLES) for *_, expected in ROUTES)


@pytest.fixture
def world(app) -> dict[str, object]:
    """A newsletter, a draft with stories, a subscription and its tokens; CSRF off."""
    app.config["WTF_CSRF_ENABLED"] = False
    from digest.accounts import Role, create_user

    newsletter = make_newsletter()
    edition = make_edition(newsletter, items=2)
    subscription = audience.subscribe(newsletter, "reader@example.org")
    editor_user = create_user(EDITOR, PASSWORD, Role.EDITOR).id
    create_user(ADMIN, PASSWORD, Role.ADMIN)
    db.session.commit()
    links = settings_of(app).links
    tokens = {
        p: make_token(links, p, subscription.id) for p in ("confirm", "preferences", "unsubscribe")
    }
    item = edition.items[0].id
    source = edition.items[0].article.source_id
    from digest.ingest.inbox import add_mail_source

    mail_source = add_mail_source(newsletter).id
    db.session.commit()
    ids = dict(
        item=item,
        subscription=subscription.id,
        subscriber=subscription.subscriber_id,
        editor_user=editor_user,
        mail_source=mail_source,
    )
    return dict(newsletter=newsletter.id, edition=edition.id, source=source, **ids, **tokens)


@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_each_role_as_decided(client, world, role):
    if role != "anonymous":
        email = EDITOR if role == "editor" else ADMIN
        assert (
            client.post("/admin/login", data={"email": email, "password": PASSWORD}).status_code
            == 302
        )
    answers = {}
    for endpoint, method, url, _ in ROUTES:
        response = client.open(url.format(**world), method=method)
        answers[endpoint] = describe(response)
    assert answers == {endpoint: expected[role] for endpoint, _, _, expected in ROUTES}


def describe(response) -> int | str:
    """The status, or LOGIN for a redirect to the sign-in page."""
    location = response.headers.get("Location", "")
    return (
        LOGIN
        if response.status_code == 302 and location.startswith("/admin/login")
        else response.status_code
    )


BEYOND_ANY_ID = (2**31, 2**63, 10**20)  # past the ids' SQL INTEGER, past 64 bits, far past
LARGEST_ID = 2**31 - 1
QUERY_NUMBERS = [
    ("GET", "/admin/subscribers?after=a&after_id={n}"),
    ("GET", "/admin/subscribers?newsletter={n}"),
    ("GET", "/admin/subscribers.csv?newsletter={n}"),
    ("GET", "/admin/subscribers/import?newsletter={n}"),
    ("GET", "/admin/sources?newsletter={n}"),
    ("GET", "/admin/jobs?newsletter={n}"),
    ("GET", "/admin/jobs?before=2030-01-01T00:00:00%2B00:00&before_id={n}"),
]
FORM_NUMBERS = [("/admin/jobs/run", "newsletter"), ("/admin/sources", "add-newsletter")]


def paths_with_numbers(app, number: int) -> list[tuple[str, str]]:
    """(method, path) of every rule with a number in its path, each number set to `number`."""
    found = []
    for rule in app.url_map.iter_rules():
        converters = rule._converters
        if not any(isinstance(c, IntegerConverter) for c in converters.values()):
            continue
        values = {name: value_for(name, c, number) for name, c in converters.items()}
        path = rule.build(values, append_unknown=False)[1]
        found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def value_for(name: str, converter, number: int) -> object:
    if isinstance(converter, IntegerConverter):
        return number
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "city" if name == "slug" else "token"


def signed_in_admin(client):
    answer = client.post("/admin/login", data={"email": ADMIN, "password": PASSWORD})
    assert answer.status_code == 302
    return client


def test_every_route_has_numbers_in_its_path(app):
    assert len(paths_with_numbers(app, 1)) > 20


@pytest.mark.parametrize("number", BEYOND_ANY_ID)
def test_a_number_too_large_for_any_id_in_a_path_is_not_found(client, world, number):
    admin = signed_in_admin(client)
    answers = {
        path: admin.open(path, method=m).status_code
        for m, path in paths_with_numbers(client.application, number)
    }
    assert set(answers.values()) == {404}, answers


def test_the_largest_id_in_a_path_is_looked_up_without_a_server_error(client, world):
    admin = signed_in_admin(client)
    routes = paths_with_numbers(client.application, LARGEST_ID)
    answers = {path: admin.open(path, method=m).status_code for m, path in routes}
    assert all(status < 500 for status in answers.values()), answers


@pytest.mark.parametrize("number", BEYOND_ANY_ID)
def test_a_number_too_large_for_any_id_in_a_query_is_a_bad_request(client, world, number):
    admin = signed_in_admin(client)
    answers = {
        url: admin.open(url.format(n=number), method=m).status_code for m, url in QUERY_NUMBERS
    }
    for url, name in FORM_NUMBERS:
        data = {name: str(number), "add-url": "https://example.org/feed.xml"}
        answers[url] = admin.post(url, data=data).status_code
    assert set(answers.values()) == {400}, answers
