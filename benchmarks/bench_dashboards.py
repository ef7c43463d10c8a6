"""Dashboard server time at `seed_demo --scale city`: the county and the city dashboards through the Django test
Client (routing, middleware, queries, SVG charts and template: everything but the network), median of N runs,
next to a bare `SELECT count(*)` over the people table measured in the same run.

Run: `.venv/bin/python benchmarks/bench_dashboards.py [--db sqlite:////tmp/h7-city.sqlite3] [--runs 15]`
(seeds the database on first use). Budgets (issue 7): county ≤ 300 ms, city ≤ 800 ms server time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MS = {"county": 300, "city": 800, "township": 300}


def ensure_seeded(db: str) -> None:
    if db.startswith("sqlite:///") and Path(db.removeprefix("sqlite://")).exists():
        return
    env = {**os.environ, "DATABASE_URL": db}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "seed_demo", "--scale", "city"], cwd=ROOT, env=env, check=True)


def setup_django(db: str) -> None:
    os.environ["DATABASE_URL"] = db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ.setdefault("AXES_ENABLED", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def median_ms(fn, runs: int) -> float:
    fn()  # warm-up: template compilation, first connection
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite:////tmp/h7-city.sqlite3")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    ensure_seeded(args.db)
    setup_django(args.db)

    from django.db import connection
    from django.test import Client

    from villages.models import Person, User, Village

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {Person._meta.db_table}")
            cursor.fetchone()

    print(f"database: {connection.vendor}, villages {Village.objects.count()}, people {Person.objects.count()}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    base = median_ms(baseline, args.runs)
    print(f"baseline SELECT count(*) people: {base:.2f} ms")
    results = {}
    for level, username in (("township", "township"), ("county", "county"), ("city", "city")):
        client = Client()
        client.force_login(User.objects.get(username=username))

        def get(client: Client = client) -> None:
            response = client.get("/dashboard/")
            assert response.status_code == 200, response.status_code

        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            get()
        ms = median_ms(get, args.runs)
        results[level] = ms
        verdict = "ok" if ms <= BUDGET_MS[level] else "OVER BUDGET"
        print(
            f"{level:8s} dashboard: median {ms:7.1f} ms over {args.runs} runs, {len(queries)} queries, "
            f"{ms / base:6.0f}x baseline, budget {BUDGET_MS[level]} ms: {verdict}"
        )


if __name__ == "__main__":
    main()
