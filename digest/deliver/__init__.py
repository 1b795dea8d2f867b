"""The deliver step: release (dispatch), the ledger, composing, the engine and its runners.

dispatch   release = compile every variant, freeze the snapshot, create the rows
ledger     claims, marks, counts: the only truth about who got what
compose    one recipient's bytes from the edition compiled once per topic set
engine     send one claimed batch (no threads, no Flask)
runners/   a Runner: threads in one process, or the task queue for scale-out (TaskQueue)
send       the one door: deliver_edition (release, run, settle), settle_edition
transport  SMTP; message: MIME encoding and DKIM; pacing: rate, backoff
notices    one-off service mail (confirmation links)
"""

from __future__ import annotations

__all__ = ["counts_of", "deliver_edition"]


def __getattr__(name: str) -> object:
    """`deliver_edition` (which brings the renderer along) and `counts_of`, loaded on first use."""
    if name == "counts_of":
        from digest.deliver.progress import counts_of

        return counts_of
    if name == "deliver_edition":
        from digest.deliver.send import deliver_edition

        return deliver_edition
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
