"""Start-up time: `flask --app wsgi digest --help` against `python -c pass` and against the
same Flask extensions with no digest code (bench/startup_floor.py), measured in one run.

Usage: python bench/startup.py [--runs N]
Prints the median of N interleaved runs of each, and digest's own share.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.8
TARGET_RATIO = 1.35  # against the stack alone, measured in the same run


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    env = {**os.environ, "DIGEST_ENV": "development"}
    flask = str(Path(sys.executable).with_name("flask"))
    floor = str(ROOT / "bench" / "startup_floor.py")
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "the stack alone (startup_floor.py)": [flask, "--app", floor, "--help"],
        "flask --app wsgi digest --help": [flask, "--app", "wsgi", "digest", "--help"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):  # interleaved, so a noisy moment hits both
        for name, command in commands.items():
            times[name].append(timed(command, env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, value in medians.items():
        print(f"{name:34} median {value:.3f} s  (min {min(times[name]):.3f}, {runs} runs)")
    cli = medians["flask --app wsgi digest --help"]
    stack = medians["the stack alone (startup_floor.py)"]
    ratio = cli / stack
    print(f"digest's own share: {cli - stack:.3f} s; ratio to the stack alone {ratio:.2f}x")
    print(f"target: under {TARGET_SECONDS} s -> {'under' if cli < TARGET_SECONDS else 'over'}")
    verdict = "met" if ratio <= TARGET_RATIO else "missed"
    print(f"target: within {TARGET_RATIO}x the stack -> {verdict}")


if __name__ == "__main__":
    main()
