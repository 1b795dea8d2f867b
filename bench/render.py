"""Compile a 60-story edition, then personalise it; print the timings and their ratio.

Run from the repository root: .venv/bin/python bench/render.py
"""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "render")]

from render_samples import make_snapshot  # noqa: E402

from digest.render import Recipient, compile_edition, parse_snapshot, personalise  # noqa: E402

COMPILE_RUNS = 15
RECIPIENTS = 5_000


def time_compile(view) -> tuple[float, object]:
    compile_edition(view)  # warm the template cache
    times = []
    for _ in range(COMPILE_RUNS):
        started = time.perf_counter()
        compiled = compile_edition(view)
        times.append(time.perf_counter() - started)
    return statistics.median(times), compiled


def time_personalise(compiled) -> float:
    recipients = [
        Recipient(
            email=f"reader{n}@example.com",
            name=f"Reader {n}",
            unsubscribe_url=f"https://digest.example.org/unsubscribe/{n:032x}",
            preferences_url=f"https://digest.example.org/preferences/{n:032x}",
        )
        for n in range(RECIPIENTS)
    ]
    started = time.perf_counter()
    for recipient in recipients:
        personalise(compiled, recipient)
    return (time.perf_counter() - started) / RECIPIENTS


def main() -> None:
    view = parse_snapshot(make_snapshot(story_count=60, section_count=6))
    compile_seconds, compiled = time_compile(view)
    personalise_seconds = time_personalise(compiled)
    print(f"stories shown / dropped: {compiled.shown_story_count} / {compiled.dropped_story_count}")
    print(
        f"html bytes: {len(compiled.html.encode())} (worst case {compiled.worst_case_html_bytes})"
    )
    print(f"text bytes: {len(compiled.text.encode())}")
    print(f"compile_edition, median of {COMPILE_RUNS}: {compile_seconds * 1e3:.2f} ms")
    print(f"personalise, mean of {RECIPIENTS}: {personalise_seconds * 1e6:.1f} us")
    print(f"personalise / compile: {personalise_seconds / compile_seconds:.4%}")


if __name__ == "__main__":
    main()
