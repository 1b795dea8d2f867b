"""Run a command and write its peak resident memory in KB to the file named first.

Measured from this small process rather than from the benchmark itself: a process forked from
a large parent counts the parent's pages in its own peak (ru_maxrss keeps the largest image a
task ever had, the one before exec included), which made a 97 MB `digest send` read as 230 MB
when started by a benchmark holding 230 MB.

    python bench/peak.py PEAK_FILE COMMAND [ARGS...]
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def main() -> int:
    peak_file, *command = sys.argv[1:]
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    Path(peak_file).write_text(str(usage.ru_maxrss))
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
