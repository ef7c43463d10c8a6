"""Province scale (issue 18 part 6): the requests and passes that grow with the installation, measured on a
`seed_demo --scale province` PostgreSQL database next to the same measurements on a `--scale city` database in the
same run (the baseline: what grows ten times and what must not).

Run (both databases migrated and seeded with the same code):
    .venv/bin/python benchmarks/bench_province.py \\
        --db postgres://postgres@127.0.0.1:5432/h20prov --baseline-db postgres://postgres@127.0.0.1:5432/h20city \\
        [--runs 9] [--explain docs/plans/province-dashboard-<date>.txt]

Measured on each database, in a process of its own (production settings, through Django's test Client: routing,
middleware, queries and templates, everything but the network):
- the county risk list's first page (GET /risks/) as staff of the largest county;
- the dashboards (GET /dashboard/) of that county, of the largest city and of the province, cold (cache emptied
  before every request: what the first reader after a write pays) and warm;
- people search by name (GET /people/?q=<a full name>) as that county's staff and as the province admin;
- one village's incremental re-evaluation (`evaluate_villages([id])`, what a roster change queues), median over
  villages across the installation; the whole pass (`recompute_all_risks`, the nightly run), steady state;
- with --explain FILE: the five slowest statements seen in the requests above, EXPLAIN (ANALYZE, BUFFERS), written
  to FILE with the statement.
Targets: risk list ≤ 150 ms; dashboards county ≤ 300 ms, city ≤ 800 ms, province ≤ 2 s; search ≤ 200 ms; full
recompute ≤ 60 s; one village ≤ 100 ms. Report batches: benchmarks/bench_report_scaling.py.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT

TARGETS_MS = {
    "county risk list, first page": 150,
    "county dashboard, cold": 300,
    "city dashboard, cold": 800,
    "province dashboard, cold": 2000,
    "people search by name, county": 200,
    "people search by name, province": 200,
    "one village re-evaluation": 100,
    "whole recompute, steady": 60_000,
}


def _bench_user(username: str, **fields: object):
    from villages.models import User

    user, _ = User.objects.update_or_create(username=username, defaults=fields)
    return user


def measure(runs: int, explain: bool) -> dict:
    """Everything for the database Django is set up on; returns {name: {"ms": median, "queries": n}} and context."""
    from common import bare_count, median_ms
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from tasks import risk_tasks
    from villages.choices import Role
    from villages.models import City, County, Person, Risk, Village
    from villages.risk import recompute_risks

    slow: dict[str, tuple[float, str, tuple]] = {}

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - started) * 1000
            if not many and ms > slow.get(sql, (0.0,))[0]:
                slow[sql] = (ms, sql, tuple(params or ()))

    county = County.objects.annotate(n=Count("townships__villages")).order_by("-n", "code").first()
    city = City.objects.annotate(n=Count("counties__townships__villages")).order_by("-n", "code").first()
    assert county is not None and city is not None, "seed the database first"
    users = {
        "county": _bench_user("bench-county", role=Role.COUNTY_STAFF, county=county, city=None, township=None),
        "city": _bench_user("bench-city", role=Role.CITY_ADMIN, city=city, county=None, township=None),
        "province": _bench_user("bench-province", role=Role.PROVINCE_ADMIN, city=None, county=None, township=None),
    }
    clients = {}
    for level, user in users.items():
        clients[level] = Client()
        clients[level].force_login(user)
    name = (
        Person.objects.filter(home_village__township__county=county, name__regex=r"^.{3}$")
        .order_by("pk")
        .values_list("name", flat=True)[100]
    )

    def get(level: str, path: str, *, cold: bool = False):
        def call() -> None:
            if cold:
                cache.clear()
            response = clients[level].get(path)
            assert response.status_code == 200, (path, response.status_code)

        return call

    def counted(fn) -> int:
        queries: list[str] = []

        def record(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            fn()
        return len(queries)

    probes = {
        "county risk list, first page": get("county", "/risks/"),
        "county dashboard, cold": get("county", "/dashboard/", cold=True),
        "county dashboard, warm": get("county", "/dashboard/"),
        "city dashboard, cold": get("city", "/dashboard/", cold=True),
        "city dashboard, warm": get("city", "/dashboard/"),
        "province dashboard, cold": get("province", "/dashboard/", cold=True),
        "province dashboard, warm": get("province", "/dashboard/"),
        "people search by name, county": get("county", f"/people/?q={name}"),
        "people search by name, province": get("province", f"/people/?q={name}"),
    }
    results: dict[str, dict] = {"bare SELECT count(*) people": {"ms": median_ms(bare_count, runs), "queries": 1}}
    for label, fn in probes.items():
        queries = counted(fn)
        if explain:
            with connection.execute_wrapper(timed):
                fn()
        results[label] = {"ms": median_ms(fn, runs), "queries": queries}

    recompute_risks()  # steady state: every measurement below finds the rows current
    villages = list(Village.objects.order_by("pk").values_list("pk", flat=True))
    chosen = villages[:: max(1, len(villages) // 25)][:25]
    one = []
    for pk in chosen:
        risk_tasks.evaluate_villages([pk])
        started = time.perf_counter()
        risk_tasks.evaluate_villages([pk])
        one.append((time.perf_counter() - started) * 1000)
    results["one village re-evaluation"] = {"ms": statistics.median(one), "queries": counted(
        lambda: risk_tasks.evaluate_villages([chosen[0]])
    ), "spread": [round(min(one), 1), round(max(one), 1)]}  # fmt: skip
    whole = []
    for _ in range(3):
        started = time.perf_counter()
        risk_tasks.recompute_all_risks()
        whole.append((time.perf_counter() - started) * 1000)
    results["whole recompute, steady"] = {"ms": statistics.median(whole), "queries": 0}

    plans = []
    if explain and connection.vendor == "postgresql":
        for ms, sql, params in sorted(slow.values(), reverse=True)[:5]:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.append({"ms": ms, "sql": str(cursor.mogrify(sql, params)), "plan": plan})
    return {
        "context": {
            "vendor": connection.vendor,
            "cities": City.objects.count(),
            "counties": County.objects.count(),
            "villages": len(villages),
            "people": Person.objects.count(),
            "risks": Risk.objects.count(),
            "largest county": f"{county.name} {county.code} ({county.n} villages)",
            "largest city": f"{city.name} {city.code} ({city.n} villages)",
            "searched name": name,
            "load": os.getloadavg(),
        },
        "results": results,
        "plans": plans,
    }


def run_on(db: str, runs: int, explain: bool) -> dict:
    env = {**os.environ, "DATABASE_URL": db, "DJANGO_SETTINGS_MODULE": "backend.settings", "AXES_ENABLED": "0"}
    env.pop("REDIS_URL", None)  # the risk tasks are called in process; nothing is queued
    args = [sys.executable, __file__, "--measure", "--runs", str(runs)] + (["--with-plans"] if explain else [])
    done = subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="the province database URL")
    parser.add_argument("--baseline-db", help="the city database URL (same code, --scale city)")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--explain", help="write the five slowest statements' plans (province) to this file")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--with-plans", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        print(json.dumps(measure(args.runs, args.with_plans), ensure_ascii=False))
        return
    base = run_on(args.baseline_db, args.runs, False)
    prov = run_on(args.db, args.runs, bool(args.explain))
    for name, run in (("baseline (city)", base), ("province", prov)):
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in run["context"].items()))
    print("\n| measurement | city ms | province ms | province ÷ city | queries (city / province) | target |")
    print("|---|---:|---:|---:|---:|---|")
    for label, measured in prov["results"].items():
        before = base["results"][label]
        target = TARGETS_MS.get(label)
        verdict = "" if target is None else f"≤ {target:,} ms: {'met' if measured['ms'] <= target else 'NOT MET'}"
        print(
            f"| {label} | {before['ms']:,.1f} | {measured['ms']:,.1f} | {measured['ms'] / before['ms']:.1f}× "
            f"| {before['queries']} / {measured['queries']} | {verdict} |"
        )
    if args.explain:
        with open(args.explain, "w") as out:
            for i, plan in enumerate(prov["plans"], 1):
                out.write(f"## {i}. {plan['ms']:.1f} ms\n\n{plan['sql']}\n\n{plan['plan']}\n\n")
        print(f"\nplans of the five slowest statements: {args.explain}")


if __name__ == "__main__":
    main()
