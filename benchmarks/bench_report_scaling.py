"""A county's report batch on one worker, then on two (issue 18 part 6: ≥ 1.8× faster with two).

Run on a seeded PostgreSQL database (Redis db 9 is flushed; report files go to a temporary MEDIA_ROOT):
    .venv/bin/python benchmarks/bench_report_scaling.py --db postgres://postgres@127.0.0.1:5432/h20prov \\
        [--county 511902] [--workers 1 2]

What a county does before its elections: every township's edition (one job per village plus the township's
compiled edition) requested at once by the county's staff, through `jobs.create_report_job`, cold (no stored
report of any of the county's villages). The clock runs from the first request to the last edition done. Each
worker is a Celery process of its own (`--concurrency=1`) consuming the reports queue, as on separate machines;
the one-worker run is the baseline, measured in the same run just before. The machine's load average is
printed: the two-worker run needs both cores, so compare on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, print_context, seeded, setup_django

BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/9")


def _start_workers(n: int) -> list[subprocess.Popen]:
    env = {**os.environ, "REDIS_URL": BROKER}
    options = "--concurrency=1 --pool=prefork -Q reports --without-gossip --without-mingle --without-heartbeat"
    command = [sys.executable, "-m", "celery", "-A", "backend", "worker", *options.split(), "--loglevel=WARNING"]
    workers = [
        subprocess.Popen(
            [*command, "-n", f"benchscale{i}@%h"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for i in range(n)
    ]
    time.sleep(8)  # boot and load the fonts before the clock starts
    return workers


def county_batch(county_code: str, workers: int) -> dict:
    import redis
    from django.core.cache import cache
    from django.db import transaction
    from django.test.utils import override_settings

    from backend.celery import app
    from tasks.models import JobStatus, ReportJob, ReportKind
    from tasks.reports import jobs
    from villages.choices import Role
    from villages.models import County, Township, User, Village

    county = seeded(County.objects.filter(code=county_code).first(), f"county {county_code}")
    user, _ = User.objects.update_or_create(
        username="bench-county", defaults={"role": Role.COUNTY_STAFF, "county": county, "city": None, "township": None}
    )
    townships = list(Township.objects.filter(county=county).order_by("code"))
    villages = Village.objects.filter(township__county=county)
    scopes = [t.code for t in townships] + list(villages.values_list("code", flat=True))
    ReportJob.objects.filter(scope__in=scopes).delete()  # cold: nothing stored for the county
    cache.clear()
    redis.Redis.from_url(BROKER).flushdb()
    procs = _start_workers(workers)
    app.conf.broker_url, app.conf.task_always_eager = BROKER, False
    app._pool = None
    override = override_settings(REPORT_RUNNER="celery")
    override.enable()
    try:
        started = time.perf_counter()
        editions = []
        for township in townships:
            with transaction.atomic():
                editions.append(jobs.create_report_job(user=user, kind="township", scope=township.code).pk)
        pending = [JobStatus.QUEUED, JobStatus.RUNNING]
        while ReportJob.objects.filter(pk__in=editions, status__in=pending).exists():
            time.sleep(0.5)
        took = time.perf_counter() - started
    finally:
        override.disable()
        for proc in procs:
            os.killpg(proc.pid, 15)
        for proc in procs:
            proc.wait(timeout=120)
    batch_jobs = ReportJob.objects.filter(batch__jobs__pk__in=editions).distinct()
    return {
        "county": f"{county.name} {county.code}",
        "townships": len(townships),
        "villages": batch_jobs.filter(kind=ReportKind.VILLAGE).count(),
        "failed": batch_jobs.filter(status=JobStatus.FAILED).count(),
        "seconds": took,
        "load": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--county", default="511902", help="county code (巴州区: about 400 villages)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-scaling-"))
    setup_django(args.db)
    print_context()
    runs = []
    for n in args.workers:
        run = county_batch(args.county, n)
        runs.append((n, run))
        print(
            f"{n} worker(s): {run['county']}, {run['townships']} township editions, {run['villages']} villages, "
            f"{run['failed']} failed, {run['seconds']:.1f} s "
            f"({run['villages'] / run['seconds']:.2f} villages/s), load {' '.join(f'{x:.2f}' for x in run['load'])}"
        )
    base_n, base = runs[0]
    for n, run in runs[1:]:
        print(f"{base_n} → {n} workers: {base['seconds'] / run['seconds']:.2f}× faster (target ≥ 1.8× for 1 → 2)")


if __name__ == "__main__":
    main()
