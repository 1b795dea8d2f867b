"""Blueprints: public (subscribers), editor, admin and the JSON API."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request

from digest.errors import DigestError
from digest.extensions import db, login_manager
from digest.models import User


def register(app: Flask) -> None:
    from digest.web.admin import bp as admin_bp
    from digest.web.api import bp as api_bp
    from digest.web.editor import bp as editor_bp
    from digest.web.public import bp as public_bp

    for blueprint in (public_bp, editor_bp, admin_bp, api_bp):
        app.register_blueprint(blueprint)
    app.register_error_handler(DigestError, _digest_error)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def _digest_error(error: DigestError):
    """Every DigestError becomes one response: JSON under /api/, a page elsewhere."""
    db.session.rollback()
    if request.path.startswith("/api/"):
        return jsonify(error=str(error)), error.http_status
    return render_template("error.html", message=str(error)), error.http_status
