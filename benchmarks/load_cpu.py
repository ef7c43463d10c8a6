"""CPU seconds the server side spent during a load run, by component: gunicorn (web), the web's password hashing
children, the two Celery workers (PDF reports; risk re-evaluation and the rest), PostgreSQL (backends of the web
and of the workers together), from `ps` snapshots taken before and after locust (LOAD_DIR/cpu-before.txt,
cpu-after.txt, written by run_load.sh). PostgreSQL backends come and go (a connection is renewed after
DATABASE_CONN_MAX_AGE), so with the server pinned (SERVER_CPUS) its share is the pinned cores' busy time
(/proc/stat, stat-before.txt and stat-after.txt) less the other components.

    .venv/bin/python benchmarks/load_cpu.py LOAD_DIR [SERVER_CPUS]
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

# The login hashing child (backend/passwords.py) runs `python -c` with its script: its command line names this.
HASHING_CHILD = "pbkdf2_hmac"
COMPONENTS = (
    ("gunicorn", "web (gunicorn)"),
    (HASHING_CHILD, "login hashing (web's niced child, backend/passwords.py)"),
    ("-Q reports", "report worker (Celery, niced 19)"),
    ("celery", "worker (Celery: risk re-evaluation, imports)"),
    ("postgres", "PostgreSQL"),
)


def snapshot(path: Path) -> dict[int, tuple[int, str]]:
    rows = {}
    for line in path.read_text().splitlines():
        pid, seconds, *args = line.split(None, 2)  # a kernel thread may have no arguments
        rows[int(pid)] = (int(seconds), args[0] if args else "")
    return rows


def main(load_dir: Path) -> None:
    before, after = snapshot(load_dir / "cpu-before.txt"), snapshot(load_dir / "cpu-after.txt")
    spent: dict[str, int] = defaultdict(int)
    for pid, (seconds, args) in after.items():
        label = next((name for key, name in COMPONENTS if key in args), None)
        if label:
            spent[label] += seconds - before.get(pid, (0, ""))[0]
    cores = sys.argv[2].split(",") if len(sys.argv) > 2 and sys.argv[2] else []
    busy = pinned_busy(load_dir, cores) if cores else None
    if busy is not None:
        spent["PostgreSQL"] = max(0, round(busy - sum(n for label, n in spent.items() if label != "PostgreSQL")))
    print("| server component | CPU s during the run |")
    print("|---|---:|")
    for _, label in COMPONENTS:
        print(f"| {label} | {spent[label]} |")
    print(f"| total | {sum(spent.values())} |")
    if busy is not None:
        idle = pinned_idle(load_dir, cores)
        print(f"| server cores busy / idle | {busy:.0f} / {idle:.0f} |")


def _cpu_lines(path: Path) -> dict[str, list[int]]:
    return {line.split()[0]: [int(v) for v in line.split()[1:]] for line in path.read_text().splitlines()}


def _delta(load_dir: Path, cores: list[str]) -> list[list[int]]:
    before, after = _cpu_lines(load_dir / "stat-before.txt"), _cpu_lines(load_dir / "stat-after.txt")
    return [[a - b for a, b in zip(after[f"cpu{c}"], before[f"cpu{c}"], strict=True)] for c in cores]


def pinned_busy(load_dir: Path, cores: list[str]) -> float:
    """Seconds the pinned cores were busy (user, nice, system, irq, softirq, steal; ticks of 1/100 s)."""
    return sum(d[0] + d[1] + d[2] + d[5] + d[6] + d[7] for d in _delta(load_dir, cores)) / 100


def pinned_idle(load_dir: Path, cores: list[str]) -> float:
    return sum(d[3] + d[4] for d in _delta(load_dir, cores)) / 100


if __name__ == "__main__":
    main(Path(sys.argv[1]))
