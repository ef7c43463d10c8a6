"""API list server time at `seed_demo --scale city`: a county's villages and a page of people, each row with the
risk engine's fields (village `flags`, `succession_gaps`, `stats`; person `flags`), through the Django test Client
(routing, auth, middleware, queries, serialisation: everything but the network), median of N runs, next to a bare
`SELECT count(*)` over the people table measured in the same run. Also the risk engine's own share (the bulk
evaluation of the same page called directly) and the number of queries per request.

Run: `.venv/bin/python benchmarks/bench_api.py [--db sqlite:////tmp/h10-city.sqlite3] [--runs 15]`
(seeds the database on first use).
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
REQUESTS = [
    ("villages", "/api/v1/villages/?county=511902&page_size=100"),
    ("people", "/api/v1/people/?page_size=100"),
]


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
    os.environ.setdefault("API_THROTTLE_USER", "100000/min")  # the benchmark is one user asking many times
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def median_ms(fn, runs: int) -> float:
    fn()  # warm-up: first connection, imports, rule book
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite:////tmp/h10-city.sqlite3")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--user", default="city", help="demo account making the requests")
    args = parser.parse_args()
    ensure_seeded(args.db)
    setup_django(args.db)

    from django.db import connection
    from django.test import Client

    from villages.models import Person, User, Village
    from villages.serializers import PersonSerializer, VillageSerializer

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {Person._meta.db_table}")
            cursor.fetchone()

    print(f"database: {connection.vendor}, villages {Village.objects.count()}, people {Person.objects.count()}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    base = median_ms(baseline, args.runs)
    print(f"baseline SELECT count(*) people: {base:.2f} ms")
    client = Client()
    client.force_login(User.objects.get(username=args.user))
    engine = {
        "villages": lambda rows: VillageSerializer.load_evaluations(rows, as_of=None),
        "people": lambda rows: PersonSerializer.load_evaluations(rows, as_of=None),
    }
    pages = {
        "villages": lambda: list(Village.objects.filter(township__county__code="511902").order_by("code")[:100]),
        "people": lambda: list(Person.objects.order_by("pk")[:100]),
    }
    for name, url in REQUESTS:

        def get(url: str = url) -> dict:
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response.json()

        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            body = get()
        flagged = sum(1 for row in body["results"] if row["flags"])
        ms = median_ms(get, args.runs)
        rows = pages[name]()
        engine_ms = median_ms(lambda rows=rows, name=name: engine[name](rows), args.runs)
        print(
            f"GET {url}: {len(body['results'])} rows ({flagged} flagged) of {body['count']}, median {ms:7.1f} ms "
            f"over {args.runs} runs, {len(queries)} queries, {ms / base:6.0f}x baseline; "
            f"risk engine for the page {engine_ms:6.1f} ms ({engine_ms / ms:.0%})"
        )


if __name__ == "__main__":
    main()
