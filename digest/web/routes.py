"""Every page of the site in one table: its URL rule, its methods and the view that answers it.

The rules are registered when the app is created, so the URL map is always complete and
`url_for` works in commands and jobs as well as in requests. A view is imported on the first
request that reaches it (Flask's lazily loaded views), so a CLI command, a scheduler job or a
worker never loads views, forms or the models for them.

A view is named `module.function` inside its blueprint's package; the endpoint is
`blueprint.function`, as with `@bp.route`. Pages that mail links to take their rule from
digest.links.PAGE_RULES, where the steps that compose mail read it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from flask import Blueprint, Flask
from werkzeug.utils import cached_property, import_string

from digest.links import PAGE_RULES
from digest.web.extensions import csrf

GET = ("GET",)
POST = ("POST",)
FORM = ("GET", "POST")


@dataclass(frozen=True)
class Route:
    rule: str
    view: str  # "module.function" inside the blueprint's package
    methods: tuple[str, ...] = GET
    csrf_exempt: bool = False  # posted to by other sites or mail clients, without a token

    @property
    def endpoint(self) -> str:
        return self.view.rpartition(".")[2]


class LazyView:
    """A view function imported on its first call; Flask and its extensions see the real
    function's module and name, so CSRF exemptions and rate limits find it."""

    def __init__(self, import_name: str) -> None:
        self.__module__, self.__name__ = import_name.rsplit(".", 1)
        self.__qualname__ = self.__name__  # views are module-level functions
        self.import_name = import_name

    @cached_property
    def view(self) -> Any:
        return import_string(self.import_name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.view(*args, **kwargs)


PUBLIC = (
    Route("/", "views.index"),
    Route("/subscribe", "views.subscribe_page"),
    Route("/subscribe", "views.subscribe", POST),
    Route(PAGE_RULES["subscribe"], "views.newsletter_page"),
    Route(PAGE_RULES["subscribe"], "views.subscribe_to", POST),
    Route(PAGE_RULES["confirm"], "views.confirm_page"),
    Route(PAGE_RULES["confirm"], "views.confirm", POST),
    Route("/confirm/<token>/renew", "views.renew_confirmation", POST),
    Route(PAGE_RULES["unsubscribe"], "views.unsubscribe_page"),
    # RFC 8058: mail clients POST the one-click unsubscribe without cookies or a CSRF token.
    Route(PAGE_RULES["unsubscribe"], "views.unsubscribe", POST, csrf_exempt=True),
    Route(PAGE_RULES["preferences"], "preferences.preferences"),
    Route(PAGE_RULES["preferences"], "preferences.save_preferences", POST),
    Route("/subscribe/<slug>/embed", "embed.embedded_subscribe", POST, csrf_exempt=True),
    Route("/subscribe/<slug>/embed-code", "embed.embed_code"),
    Route("/archive/<slug>", "archive.archive_list"),
    Route(PAGE_RULES["archive"], "archive.archive"),
    Route("/archive/<slug>/feed.atom", "archive.feed"),
    Route("/archive/<slug>/<int:edition_id>/private", "archive.mark_private", POST),
    Route(PAGE_RULES["click"], "clicks.follow"),
    Route(PAGE_RULES["open"], "clicks.opened"),
    # A WebSub hub verifies (GET) and delivers (POST) without our cookie or a CSRF token: the
    # HMAC signature guards deliveries. One rule, so a number too large for an id is a 404.
    Route("/websub/<int:subscription_id>", "websub.hub_callback", FORM, csrf_exempt=True),
)

EDITOR = (
    Route("/", "views.index"),
    Route("/<slug>/build", "views.build", POST),
    Route("/<slug>/sections", "views.sections", POST),
    Route("/<slug>/clicks", "views.clicks"),
    Route("/edition/<int:edition_id>", "views.edition"),
    Route("/edition/<int:edition_id>/rebuild", "views.rebuild", POST),
    Route("/edition/<int:edition_id>/preview.<kind>", "views.preview"),
    Route("/edition/<int:edition_id>/progress.json", "views.progress"),
    Route("/edition/<int:edition_id>/clicks.csv", "views.clicks_csv"),
    Route("/edition/<int:edition_id>/readers.csv", "views.readers_csv"),
    Route("/edition/<int:edition_id>/texts", "actions.save_texts", POST),
    Route("/edition/<int:edition_id>/subject-test", "actions.save_subject_test", POST),
    Route("/edition/<int:edition_id>/subject-test/choose", "sending.choose_subject", POST),
    Route("/edition/<int:edition_id>/items/<int:item_id>/flag", "actions.flag_item", POST),
    Route("/edition/<int:edition_id>/items/<int:item_id>/story", "actions.edit_story", POST),
    Route("/edition/<int:edition_id>/items/<int:item_id>/section", "actions.move_item", POST),
    Route("/edition/<int:edition_id>/order", "actions.order", POST),
    Route("/edition/<int:edition_id>/sections/rename", "actions.rename_section", POST),
    Route("/edition/<int:edition_id>/summary-length", "actions.summary_length", POST),
    Route("/edition/<int:edition_id>/approve", "sending.approve", POST),
    Route("/edition/<int:edition_id>/send-now", "sending.send_now", POST),
    Route("/edition/<int:edition_id>/hold", "sending.hold", POST),
    Route("/edition/<int:edition_id>/reopen", "sending.reopen", POST),
    Route("/edition/<int:edition_id>/cancel", "sending.cancel", POST),
    Route("/edition/<int:edition_id>/test", "sending.send_test", POST),
    Route(
        "/edition/<int:edition_id>/test-link/<any(unsubscribe, preferences, view):kind>",
        "mail_links.test_link",
    ),
)

ADMIN = (
    Route("/login", "views.login_page"),
    Route("/login", "views.login", POST),
    Route("/logout", "views.logout", POST),
    Route("/", "views.dashboard"),
    Route("/charts/deliveries", "views.deliveries_chart"),
    Route("/newsletter/<int:newsletter_id>/pause", "views.toggle_pause", POST),
    Route("/invite/<token>", "user_pages.accept_invite", FORM),
    Route("/newsletters", "newsletter_pages.newsletters_page"),
    Route("/newsletters/new", "newsletter_pages.new_newsletter", FORM),
    Route("/newsletters/<int:newsletter_id>", "newsletter_pages.edit_newsletter", FORM),
    Route("/newsletters/<int:newsletter_id>/archive", "newsletter_pages.archive_newsletter", POST),
    Route("/sources", "source_pages.sources_page"),
    Route("/sources", "source_pages.add_source_page", POST),
    Route("/sources/look", "source_pages.look_at_source", POST),
    Route("/sources/upload", "source_pages.upload_articles", POST),
    Route("/sources/inbound", "source_pages.add_mail_source_page", POST),
    Route("/sources/<int:source_id>", "mail_source_pages.mail_source_page"),
    Route("/sources/<int:source_id>/rename", "source_pages.rename_source_page", POST),
    Route(
        "/sources/<int:source_id>/<any(resume, poll, remove):verb>",
        "source_pages.source_action",
        POST,
    ),
    Route("/subscribers", "subscriber_pages.subscribers_page"),
    Route("/subscribers.csv", "subscriber_pages.export_subscribers"),
    Route("/subscribers/import", "subscriber_pages.import_subscribers", FORM),
    Route("/subscribers/<int:subscriber_id>/remove", "subscriber_pages.remove_subscriber", POST),
    Route("/subscriptions/<int:subscription_id>/resubscribe", "subscriber_pages.resubscribe", POST),
    Route("/jobs", "job_pages.jobs_page"),
    Route("/jobs/run", "job_pages.run_job_now", POST),
    Route("/jobs/<int:newsletter_id>/<any(pause, resume):verb>", "job_pages.pause_job", POST),
    Route("/editions/<int:edition_id>/progress.json", "sending_pages.edition_progress"),
    Route(
        "/editions/<int:edition_id>/<any(pause, resume):verb>", "sending_pages.pause_edition", POST
    ),
    Route("/health", "health.health"),
    Route("/health/dns", "health.health_dns"),
    Route("/health/thresholds/<int:newsletter_id>", "health.save_thresholds", POST),
    Route("/health/selftest", "health.run_selftest", POST),
    Route("/users", "user_pages.users_page", FORM),
    Route("/users/<int:user_id>/role", "user_pages.change_role", POST),
    Route(
        "/users/<int:user_id>/<any(deactivate, reactivate):verb>",
        "user_pages.set_user_active",
        POST,
    ),
)

API = (Route("/articles", "views.post_articles", POST),)

OPS = (
    Route("/healthz", "views.healthz"),
    Route("/readyz", "views.readyz"),
    Route("/metrics", "views.metrics"),
    Route("/favicon.ico", "views.favicon"),
)

ROUTES = {"public": PUBLIC, "editor": EDITOR, "admin": ADMIN, "api": API, "ops": OPS}


def register(app: Flask) -> None:
    """Register each blueprint with every route of the table."""
    for name, routes in ROUTES.items():
        package = f"digest.web.{name}"
        blueprint: Blueprint = import_module(package).blueprint()
        for route in routes:
            view = LazyView(f"{package}.{route.view}")
            blueprint.add_url_rule(route.rule, route.endpoint, view, methods=list(route.methods))
            if route.csrf_exempt:
                csrf.exempt(view.import_name)
        app.register_blueprint(blueprint)
