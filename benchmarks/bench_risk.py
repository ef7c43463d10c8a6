"""Benchmark the risk engine on a database seeded with `seed_demo --scale city`.

Run (the database must already be migrated and seeded):
    DATABASE_URL=sqlite:////tmp/h4-city.sqlite3 .venv/bin/python benchmarks/bench_risk.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h4 .venv/bin/python benchmarks/bench_risk.py

Measures, best of N runs each, in one process:
- baseline: a bare `SELECT count(*)` over the same people (villages_person);
- findings for the whole city computed from the roster (no writes);
- whole-city recompute_risks(): cold (Risk table emptied first: every row created) and steady state (no change);
- the county risk list's first page (GET /risks/ as the demo county user, through the full Django stack) and the
  API's first page (GET /api/v1/risks/).
Targets (issue 4): county risk list first page ≤ 150 ms, whole-city recompute ≤ 5 s.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
os.environ.setdefault("AXES_ENABLED", "0")

import django  # noqa: E402

django.setup()

from common import bare_count  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from villages import risk  # noqa: E402
from villages.models import Person, Risk, User, Village  # noqa: E402


def best_of(n: int, fn) -> float:
    """Best wall time in ms of n runs (the machine is shared: the minimum is the least noisy)."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def main() -> None:
    vendor = connection.vendor
    villages, people = Village.objects.count(), Person.objects.count()
    county_user = User.objects.get(username="county")
    client = Client()
    client.force_login(county_user)

    baseline = best_of(5, bare_count)
    findings = best_of(3, lambda: risk.findings_for_villages(villages=Village.objects.all()))
    Risk.objects.all().delete()
    started = time.perf_counter()
    cold_summary = risk.recompute_risks()
    cold = (time.perf_counter() - started) * 1000
    steady = best_of(3, risk.recompute_risks)
    page = best_of(5, lambda: client.get("/risks/"))
    api = best_of(5, lambda: client.get("/api/v1/risks/"))
    with CaptureQueriesContext(connection) as ctx:
        client.get("/risks/")
    county_risks = Risk.objects.for_user(county_user).filter(is_active=True).count()

    print(f"### {vendor}: {villages} villages, {people} people, {Risk.objects.count()} risks")
    print("| measurement | ms | × bare count(*) |")
    print("|---|---:|---:|")
    rows = [
        ("bare `SELECT count(*)` over villages_person (baseline)", baseline),
        ("findings for the whole city (compute only)", findings),
        (f"whole-city recompute, cold ({cold_summary.created} rows created)", cold),
        ("whole-city recompute, steady state (no change)", steady),
        (
            f"county risk list first page `/risks/` ({county_risks} active risks, {len(ctx.captured_queries)} queries)",
            page,
        ),
        ("API `/api/v1/risks/` first page (50 rows)", api),
    ]
    for label, ms in rows:
        print(f"| {label} | {ms:.2f} | {ms / baseline:,.0f} |")


if __name__ == "__main__":
    main()
