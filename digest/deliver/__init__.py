"""The deliver step: release (dispatch), the ledger, composing, the engine and its runners.

dispatch   release = compile every variant, freeze the snapshot, create the rows
ledger     claims, marks, counts: the only truth about who got what
compose    one recipient's bytes from the edition compiled once per topic set
engine     send one claimed batch (no threads, no Flask)
runners/   threads in one process; the task queue for scale-out
send       one edition from release to sent or paused, on the thread runner
transport  SMTP; message: MIME encoding and DKIM; pacing: rate, backoff
notices    one-off service mail (confirmation links)
"""

from __future__ import annotations

__all__ = ["counts_of", "send_edition"]


def __getattr__(name: str) -> object:
    """`send_edition` and `counts_of`, loaded on first use (they bring the renderer along)."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from digest.deliver import send

    return getattr(send, name)
