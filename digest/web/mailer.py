"""Mail sent on behalf of a web request leaves the request.

The response must not wait for the SMTP server: a slow or unreachable server would
hold a web worker, and the time taken would tell a visitor whether an address was
already subscribed. The notice is built inside the request; a small pool sends it.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from digest.deliver.notices import Notice, send_notice
from digest.settings import SmtpSettings

log = logging.getLogger(__name__)
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="digest-mail")
_queued: set[Future] = set()
_queued_lock = threading.Lock()


def send_later(notice: Notice, smtp: SmtpSettings) -> Future:
    """Queue the notice; a refusal is logged, never shown to the visitor who asked."""
    future = _POOL.submit(_send, notice, smtp)
    with _queued_lock:
        _queued.add(future)
    future.add_done_callback(_forget)
    return future


def drain(timeout: float | None = None) -> bool:
    """Wait until the mail queued so far has left (a worker stopping); False on timeout."""
    with _queued_lock:
        pending = list(_queued)
    return not wait(pending, timeout=timeout).not_done


def _forget(future: Future) -> None:
    with _queued_lock:
        _queued.discard(future)


def _send(notice: Notice, smtp: SmtpSettings) -> None:
    try:
        send_notice(notice, smtp)
    except Exception:  # a thread boundary: log it, the visitor already has their page
        log.exception("service mail to %s failed", notice.recipient)
