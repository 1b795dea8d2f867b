"""Mail that follows a change made by a web request goes through the outbox.

`queue_mail` writes the mail in the request's transaction, before the view commits; once
the view has returned (and committed), a small pool sends it at once, so the visitor's
mail is not kept waiting for the scheduler. If this process dies first, or the server
refuses for now, the scheduler sends it (digest.deliver.outbox). The response never waits
for the SMTP server: a slow server would hold a web worker, and the time taken would tell
a visitor whether an address was already subscribed.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from flask import Flask, Response, after_this_request, current_app

from digest.context import current_settings
from digest.deliver import outbox
from digest.deliver.notices import Notice
from digest.extensions import db

log = logging.getLogger(__name__)
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="digest-mail")
_queued: set[Future] = set()
_queued_lock = threading.Lock()


def queue_mail(notice: Notice, kind: str) -> None:
    """Write the mail beside the request's change; it leaves once the view has committed."""
    mail_id = outbox.add_mail(notice, kind).id
    app = current_app._get_current_object()

    @after_this_request
    def send_soon(response: Response) -> Response:
        send_in_background(app, mail_id)
        return response


def send_in_background(app: Flask, mail_id: int) -> Future:
    """Send on the pool; its log lines carry the request's id, as if the request sent it."""
    future = _POOL.submit(contextvars.copy_context().run, _send, app, mail_id)
    with _queued_lock:
        _queued.add(future)
    future.add_done_callback(_forget)
    return future


def drain(timeout: float | None = None) -> bool:
    """Wait until the mail handed to the pool so far was tried; False on timeout."""
    with _queued_lock:
        pending = list(_queued)
    return not wait(pending, timeout=timeout).not_done


def _forget(future: Future) -> None:
    with _queued_lock:
        _queued.discard(future)


def _send(app: Flask, mail_id: int) -> None:
    with app.app_context():
        try:
            outbox.send_mail(mail_id, current_settings().delivery.smtp)
        except Exception:  # a thread boundary: the scheduler retries what is left
            log.exception("not sent now; the scheduler retries it", extra={"mail": mail_id})
        finally:
            db.session.remove()
