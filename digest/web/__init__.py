"""The web app: public (subscribers), editor, admin and the JSON API blueprints."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register every blueprint, the sign-in machinery and the error pages."""
    from digest.web import auth, errors, routing, security
    from digest.web.admin import bp as admin_bp
    from digest.web.api import bp as api_bp
    from digest.web.editor import bp as editor_bp
    from digest.web.extensions import csrf, login_manager
    from digest.web.public import bp as public_bp

    routing.register(app)  # before the first rule: `<int:...>` is bounded
    csrf.init_app(app)
    login_manager.init_app(app)
    for blueprint in (public_bp, editor_bp, admin_bp, api_bp):
        app.register_blueprint(blueprint)
    auth.register(app)
    errors.register(app)
    security.register(app)
