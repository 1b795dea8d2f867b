"""A request id for every request: the caller's X-Request-ID when it looks sane (a proxy's or
a load balancer's), else one made here. Every line logged while the request runs carries it
(`request=...`), the response returns it, and an error page's log line names it.

The id is set on `request_started`, before any `before_request` hook (the rate limiter's
refusals are logged with it too), and let go when the request is torn down.
"""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, g, request, request_started

from digest.logs import bind_context, unbind_context

HEADER = "X-Request-ID"
SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    request_started.connect(open_request, app)
    app.after_request(return_request_id)
    app.teardown_request(close_request)


def open_request(sender: Flask, **_: object) -> None:
    """Take or make the request's id and log inside its context until the teardown."""
    offered = request.headers.get(HEADER, "")
    g.request_id = offered if SANE.fullmatch(offered) else uuid.uuid4().hex
    g.log_token = bind_context(request=g.request_id)


def return_request_id(response: Response) -> Response:
    """The id goes back to the caller; the request itself is logged at DEBUG (the access log
    of the server in front says the rest), its path with any link token cut."""
    request_id = g.get("request_id")
    if request_id:
        response.headers[HEADER] = request_id
    log.debug("%s %s %s", request.method, request.path, response.status_code)
    return response


def close_request(error: BaseException | None) -> None:
    token = g.pop("log_token", None)
    if token is not None:
        unbind_context(token)
