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

`--incremental` (issue 18) measures instead, in one process against the same whole-city pass (the baseline):
- one village's re-evaluation, the task a roster change queues (`tasks.risk_tasks.evaluate_villages([id])`):
  median over a sample of villages across the city, and its query count against ten villages' (constant);
- one county's (`evaluate_county`, what a county rule change queues) and the whole-city pass (`recompute_all_risks`:
  a city default rule change, the nightly run), steady state;
- with `--worker`: commit → risk row with a real Celery worker (started here on `-Q default,reports,imports,risk`,
  REDIS_URL must be set): a party secretary's birth date is set so that 高龄 appears (then restored so it closes),
  committed with RISK_RUNNER=celery, and the Risk table polled every 2 ms; also what the request's commit costs
  (publishing) and a burst of writes to one village.
    DATABASE_URL=postgres://…/h18r REDIS_URL=redis://127.0.0.1:6379/11 .venv/bin/python benchmarks/bench_risk.py \
        --incremental --worker
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


def median_of(samples: list[float]) -> str:
    return f"{statistics.median(samples):.1f}"


def incremental(*, worker: bool, sample: int) -> None:
    from django.conf import settings
    from django.db.models import Count

    from tasks import risk_tasks
    from villages.models import County

    vendor = connection.vendor
    villages = list(Village.objects.order_by("pk").values_list("pk", flat=True))
    step = max(1, len(villages) // sample)
    chosen = villages[::step][:sample]
    risk.recompute_risks()  # steady state first: every measurement below finds the rows already current

    one_village = []
    for pk in chosen:
        risk_tasks.evaluate_villages([pk])  # warm (the same village twice: the second is the steady state)
        started = time.perf_counter()
        risk_tasks.evaluate_villages([pk])
        one_village.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as one:
        risk_tasks.evaluate_villages([chosen[0]])
    with CaptureQueriesContext(connection) as ten:
        risk_tasks.evaluate_villages(chosen[:10])
    ten_ms = [best_of(1, lambda: risk_tasks.evaluate_villages(chosen[:10])) for _ in range(3)]

    county = County.objects.annotate(n=Count("townships__villages")).order_by("-n").first()  # the largest county
    assert county is not None
    county_ms = [best_of(1, lambda: risk_tasks.evaluate_county(county.pk)) for _ in range(3)]
    city_ms = [best_of(1, risk_tasks.recompute_all_risks) for _ in range(3)]

    print(f"### {vendor}: {len(villages)} villages, {Person.objects.count()} people, {Risk.objects.count()} risks")
    print("| measurement | median ms | runs | queries |")
    print("|---|---:|---:|---:|")
    print(
        f"| one village `evaluate_villages([id])` ({len(chosen)} villages across the city) "
        f"| {median_of(one_village)} | {len(one_village)} | {len(one.captured_queries)} |"
    )
    print(f"|   (fastest / slowest of them) | {min(one_village):.1f} / {max(one_village):.1f} | | |")
    print(f"| ten villages in one task | {median_of(ten_ms)} | 3 | {len(ten.captured_queries)} |")
    print(f"| one county `evaluate_county` ({county.name}, {county.n} villages) | {median_of(county_ms)} | 3 | |")
    print(f"| whole city `recompute_all_risks` (baseline, steady state) | {median_of(city_ms)} | 3 | |")
    if worker:
        settings.RISK_RUNNER = "celery"
        commit_to_row(chosen)


def commit_to_row(chosen: list[int]) -> None:
    """Commit → risk row with a real worker consuming the risk queue (see the module doc)."""
    from celery import current_app
    from django.db import transaction

    from villages.choices import PersonFlag, Post
    from villages.models import PostAssignment

    url = os.environ.get("REDIS_URL")
    if not url:
        raise SystemExit("--worker needs REDIS_URL")
    log = open("/tmp/bench_risk_worker.log", "ab")  # noqa: SIM115 (kept open for the worker's lifetime)
    command = [sys.executable, "-m", "celery", "-A", "backend", "worker", "-P", "solo", "-Q",
               "default,reports,imports,risk", "--without-gossip", "--without-mingle", "--without-heartbeat",
               "--loglevel=WARNING"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "RISK_RUNNER": "celery"}, stdout=log, stderr=log)
    current_app.control.purge()
    try:
        flagged = Risk.objects.filter(kind=PersonFlag.HIGH_AGE, is_active=True).values("person_id")
        seats = (
            PostAssignment.objects.filter(village_id__in=chosen, post=Post.PARTY_SECRETARY, end_on=None)
            .exclude(person_id__in=flagged)
            .select_related("person")
            .order_by("village_id")
        )
        people = [seat.person for seat in seats][:6]

        def wait(person, active: bool, since: float) -> float:
            found = Risk.objects.filter(person=person, kind=PersonFlag.HIGH_AGE, is_active=True)
            deadline = time.perf_counter() + 60
            while found.exists() != active:
                if time.perf_counter() > deadline:
                    raise SystemExit("no worker answered in 60 s: see /tmp/bench_risk_worker.log")
                time.sleep(0.002)
            return (time.perf_counter() - since) * 1000

        def write(person, birth) -> tuple[float, float]:
            committed: list[float] = []
            with transaction.atomic():
                transaction.on_commit(lambda: committed.append(time.perf_counter()))  # runs first after commit
                person.birth_date = birth
                person.save()
            return committed[0], (time.perf_counter() - committed[0]) * 1000  # commit time, publishing cost

        appear, close, publish = [], [], []
        for n, person in enumerate(people):
            original = person.birth_date
            at, cost = write(person, original.replace(year=1950))
            ms = wait(person, True, at)
            if n:  # the first is the worker's warm-up
                appear.append(ms)
                publish.append(cost)
            at, cost = write(person, original)
            ms = wait(person, False, at)
            if n:
                close.append(ms)
                publish.append(cost)
        print(f"| commit → 高龄 risk row created by the worker | {median_of(appear)} | {len(appear)} | |")
        print(f"| commit → the risk closed by the worker (birth date restored) | {median_of(close)} | {len(close)} | |")
        print(f"| after commit in the request: publishing the task | {median_of(publish)} | {len(publish)} | |")
        person = people[0]
        original = person.birth_date
        started = time.perf_counter()
        for year in [*range(1980, 1989), 1950]:  # a burst: ten commits to one village; only the last makes 高龄
            write(person, original.replace(year=year))
        ms = wait(person, True, started)
        print(f"| burst: 10 commits to one village → the last one's 高龄 row (10 tasks) | {ms:.1f} | 1 | |")
        write(person, original)
        wait(person, False, time.perf_counter())
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--incremental", action="store_true", help="incremental re-evaluation (issue 18)")
    parser.add_argument("--worker", action="store_true", help="with --incremental: commit → row with a real worker")
    parser.add_argument("--sample", type=int, default=25, help="villages sampled for one village's evaluation")
    options = parser.parse_args()
    if options.incremental:
        incremental(worker=options.worker, sample=options.sample)
    else:
        main()
