"""Reading returned mail: classify() on every corpus message against parsing it alone (the
email package's compat32 parser, which classify() starts with), measured in one run.

Usage: python bench/inbound.py [--rounds N]
Prints the median time per message of each, and their ratio, overall and for the slowest shapes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.deliver.inbound.classify import classify, parse  # noqa: E402
from digest.deliver.returnpath import BOUNCE, UNSUBSCRIBE, signed_address  # noqa: E402

SECRET = "bench-secret"
CORPUS = ROOT / "tests" / "deliver" / "inbound" / "corpus"


def filled(path: Path) -> bytes:
    values = {
        "{{RETURN_PATH}}": signed_address("bounces@digest.test", SECRET, BOUNCE, 1234),
        "{{UNSUB}}": signed_address("bounces@digest.test", SECRET, UNSUBSCRIBE, 1234),
        "{{RCPT}}": "reader@example.org",
        "{{MSGID}}": "<a1b2c3.7.1234@digest.test>",
        "{{SUBJECT}}": "City Digest: news",
        "{{FBL}}": "bounces@digest.test",
    }
    text = path.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(key, value)
    return text.replace("\n", "\r\n").encode()


def per_message(work, raw: bytes, repeat: int = 20) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        work(raw)
    return (time.perf_counter() - started) / repeat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    messages = {p.name: filled(p) for p in sorted(CORPUS.glob("*.eml"))}
    classify(next(iter(messages.values())), SECRET, "")  # load flufl.bounce once
    timings: dict[str, tuple[list[float], list[float]]] = {n: ([], []) for n in messages}
    for _ in range(rounds):  # interleaved, so both see the same machine load
        for name, raw in messages.items():
            timings[name][0].append(per_message(parse, raw))
            timings[name][1].append(per_message(lambda r: classify(r, SECRET, ""), raw))
    medians = {n: (statistics.median(a), statistics.median(b)) for n, (a, b) in timings.items()}
    parse_total = sum(a for a, _ in medians.values()) / len(medians)
    classify_total = sum(b for _, b in medians.values()) / len(medians)
    print(f"{len(messages)} corpus messages, median of {rounds} rounds, mean per message:")
    print(f"  parse only   {parse_total * 1e3:7.3f} ms")
    print(f"  classify()   {classify_total * 1e3:7.3f} ms  ({classify_total / parse_total:.1f}x)")
    print(f"  throughput   {1 / classify_total:7.0f} messages a second on one core")
    print("slowest shapes:")
    for name, (a, b) in sorted(medians.items(), key=lambda kv: -kv[1][1])[:5]:
        print(f"  {name:36} {b * 1e3:7.3f} ms ({b / a:.1f}x parse)")


if __name__ == "__main__":
    main()
