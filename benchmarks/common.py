"""Set-up and measuring helpers shared by the benchmark scripts in this folder.

Scripts run as `.venv/bin/python benchmarks/bench_x.py`, so this folder is on `sys.path`: `from common import ...`.
Functions that touch the database import Django lazily; call `setup_django` (or `django.setup()`) first.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def seeded(found: T | None, what: str) -> T:
    """A row the demo data always has (`.first()` of a seeded database); stop with a clear message if missing."""
    if found is None:
        raise SystemExit(f"no {what} in the database: run `manage.py seed_demo --scale city` first")
    return found


def ensure_seeded(db: str) -> None:
    """Migrate and `seed_demo --scale city` the database URL `db`, unless it is an SQLite file that exists."""
    if db.startswith("sqlite:///") and Path(db.removeprefix("sqlite:///")).exists():
        return
    env = {**os.environ, "DATABASE_URL": db}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "seed_demo", "--scale", "city"], cwd=ROOT, env=env, check=True)


def setup_django(db: str, **env_defaults: str) -> None:
    """Point Django at `db` (axes off, plus any `env_defaults` not already set in the environment) and set it up."""
    os.environ["DATABASE_URL"] = db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ.setdefault("AXES_ENABLED", "0")
    for name, value in env_defaults.items():
        os.environ.setdefault(name, value)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def median_ms(fn: Callable[[], object], runs: int) -> float:
    """Median wall time in ms of `runs` calls of `fn`, after one warm-up call (connection, imports, templates)."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bare_count() -> None:
    """The named baseline: a bare `SELECT count(*)` over the people table on the default connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM villages_person")
        cursor.fetchone()


def count_queries(fn: Callable[[], T]) -> tuple[int, T]:
    """Call `fn` once; return the number of SQL statements it ran on the default connection and its result."""
    from django.db import connection

    queries: list[str] = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        result = fn()
    return len(queries), result


def print_context() -> None:
    """Print the database vendor and size and the machine's load: the numbers only mean something next to these."""
    from django.db import connection

    from villages.models import Person, Village

    print(f"database: {connection.vendor}, villages {Village.objects.count()}, people {Person.objects.count()}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
