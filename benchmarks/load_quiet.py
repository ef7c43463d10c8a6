"""Wait until the server's cores are quiet: busy less than 10 % over a second, at most 90 s.

The single-client baselines (`load_baseline.py`) are taken just after gunicorn and the Celery workers start; the
workers boot, and the fast worker evaluates its first tasks, on the same core. Probed in that moment, the new
code's first requests waited behind them while the old code (probed before any worker started) did not.

    .venv/bin/python benchmarks/load_quiet.py [CPU,CPU…]    # default: every core
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def busy_and_total(cores: list[str]) -> tuple[int, int]:
    busy = total = 0
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if (cores and name in {f"cpu{c}" for c in cores}) or (not cores and name == "cpu"):
            ticks = [int(v) for v in values]
            total += sum(ticks[:8])
            busy += sum(ticks[:8]) - ticks[3] - ticks[4]  # all but idle and iowait
    return busy, total


def main() -> None:
    cores = [c for c in sys.argv[1].split(",") if c] if len(sys.argv) > 1 else []
    started = time.monotonic()
    while time.monotonic() - started < 90:
        busy, total = busy_and_total(cores)
        time.sleep(1)
        busy2, total2 = busy_and_total(cores)
        if total2 > total and (busy2 - busy) / (total2 - total) < 0.10:
            break
    print(f"server cores quiet after {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
