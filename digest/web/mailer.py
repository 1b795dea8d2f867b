"""Mail sent on behalf of a web request leaves the request.

The response must not wait for the SMTP server: a slow or unreachable server would
hold a web worker, and the time taken would tell a visitor whether an address was
already subscribed. The notice is built inside the request; a small pool sends it.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from digest.deliver.notices import Notice, send_notice
from digest.settings import SmtpSettings

log = logging.getLogger(__name__)
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="digest-mail")


def send_later(notice: Notice, smtp: SmtpSettings) -> Future:
    """Queue the notice; a refusal is logged, never shown to the visitor who asked."""
    return _POOL.submit(_send, notice, smtp)


def _send(notice: Notice, smtp: SmtpSettings) -> None:
    try:
        send_notice(notice, smtp)
    except Exception:  # a thread boundary: log it, the visitor already has their page
        log.exception("service mail to %s failed", notice.recipient)
