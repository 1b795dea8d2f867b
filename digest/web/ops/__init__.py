"""Endpoints for the machines that run digest: liveness, readiness and Prometheus metrics.

The routes are in digest/web/routes.py; a view module loads on its first request.
"""

from flask import Blueprint


def blueprint() -> Blueprint:
    return Blueprint("ops", __name__)
