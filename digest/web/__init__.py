"""The web app: public (subscribers), editor, admin and the JSON API blueprints."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register every route, the sign-in machinery, the error pages and request ids. Views,
    forms and the models load with the first request that needs them (digest/web/routes.py)."""
    from digest.web import errors, request_ids, routes, routing, security
    from digest.web.extensions import csrf, login_manager

    routing.register(app)  # before the first rule: `<int:...>` is bounded
    csrf.init_app(app)
    login_manager.init_app(app)
    routes.register(app)
    errors.register(app)
    security.register(app)
    request_ids.register(app)
