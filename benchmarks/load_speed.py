"""The machine's speed right now: CPU ms of a fixed pure-Python loop, the best of five (lower is faster).

Printed before and after each load run (`run_load.sh`) on the server's cores. This VM's speed moves by up to 2x
within the hour, so two runs are only compared when their reference loops agree (docs/benchmarks.md).

    .venv/bin/python benchmarks/load_speed.py
"""

from __future__ import annotations

import time


def reference_loop() -> float:
    started = time.process_time()
    total = 0
    for i in range(2_000_000):
        total += i * i
    return (time.process_time() - started) * 1000


if __name__ == "__main__":
    print(round(min(reference_loop() for _ in range(5))))
