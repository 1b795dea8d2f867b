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
    """`send_edition` (which brings the renderer along) and `counts_of`, loaded on first use."""
    if name == "counts_of":
        from digest.deliver.progress import counts_of

        return counts_of
    if name == "send_edition":
        from digest.deliver.send import send_edition

        return send_edition
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
