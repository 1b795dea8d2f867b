"""/healthz, /readyz and /metrics: short answers for load balancers, orchestrators and
Prometheus. They say which check fails and nothing more: no versions, hosts or errors.
And /favicon.ico, which browsers and feed readers ask for whatever a page links."""

from __future__ import annotations

import hmac

from flask import Response, abort, current_app, jsonify, request

from digest import status
from digest.context import current_runner, current_settings
from digest.models import utcnow
from digest.settings import shipped

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def healthz() -> Response:
    """The process answers."""
    return jsonify(status="ok")


def readyz() -> tuple[Response, int]:
    """Ready when the database answers at the newest migration, the scheduler holds a live
    lease and, in queue mode, the broker answers; otherwise 503 naming the failing check."""
    failing = status.failing_check(current_runner(), shipped("migrations"), utcnow())
    if failing:
        return jsonify(status="unready", failing=failing), 503
    return jsonify(status="ready"), 200


def metrics() -> Response:
    """Prometheus text format, for a scraper that sends DIGEST_METRICS_TOKEN as a bearer token;
    without the setting the endpoint does not exist."""
    token = current_settings().metrics_token
    if not token:
        abort(404)
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(sent.encode(), token.encode()):
        abort(401)
    body = render(status.figures(current_runner(), utcnow()))
    return Response(body, mimetype=None, content_type=PROMETHEUS_TYPE)


def render(figures) -> bytes:
    """The figures in Prometheus' text format, through prometheus-client."""
    from prometheus_client.core import CollectorRegistry, Metric
    from prometheus_client.exposition import generate_latest

    families: dict[str, Metric] = {}
    for figure in figures:
        family = families.setdefault(figure.name, Metric(figure.name, figure.help, figure.kind))
        name = f"{figure.name}_total" if figure.kind == "counter" else figure.name
        family.add_sample(name, dict(figure.labels), figure.value)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collected(list(families.values())))
    return generate_latest(registry)


class _Collected:
    def __init__(self, metrics: list) -> None:
        self.metrics = metrics

    def collect(self):
        return iter(self.metrics)


def favicon() -> Response:
    """The site's icon (static/favicon.svg, the one every page links) where browsers look
    by default: an SVG served under the old name, which they read by its content type."""
    return current_app.send_static_file("favicon.svg")
