"""Benchmark printable reports at `seed_demo --scale city` (own SQLite file, Celery workers on Redis db 9).

Run: `.venv/bin/python benchmarks/bench_reports.py [--db sqlite:////path/city.sqlite3] [--runs 10]`
(seeds the database on first use with common.ensure_seeded; Redis at 127.0.0.1:6379, db 9, is flushed).

Targets (issue 12), each next to a baseline measured in the same run:
1. One village report (the village with most posts), median of `runs` warm renders (`render_village_report`:
   queries, content record, template, PDF) ≤ 1.2 × bare WeasyPrint rendering the very same HTML with the same
   fonts (no queries, no template).
2. A repeated, unchanged village request (`POST /api/v1/reports/` through the Django test client: middleware,
   scope check, cache key, lookup, a new job answered with the stored file) ≤ 50 ms server time, no render.
3. A township edition of 10 villages, cold (no stored report of any of them) on 2 Celery worker processes
   ≤ 8 s, ≤ 1.0 MB; asked again with nothing changed ≤ 1 s (same file, no render). Baseline, measured just
   before: bare WeasyPrint rendering the 10 villages' HTML on a pool of 2 processes (what two workers could do
   at best with nothing but WeasyPrint).
The load average is printed before and after: the machine is shared, compare ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, ensure_seeded, print_context, seeded, setup_django

BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/9")
DEFAULT_DB = f"sqlite:///{ROOT}/benchmarks/out/city.sqlite3"


def median_seconds(fn, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def single_village(runs: int) -> dict:
    from django.db.models import Count
    from weasyprint import HTML

    from tasks.reports.fetcher import LocalOnlyFetcher
    from tasks.reports.fonts import font_dir
    from tasks.reports.render import _font_config, render_village_report
    from villages.models import Village

    village = seeded(Village.objects.annotate(n=Count("posts")).order_by("-n", "code").first(), "village")
    report = render_village_report(village=village)

    def bare() -> bytes:
        document = HTML(string=report.html, base_url=font_dir().as_uri() + "/", url_fetcher=LocalOnlyFetcher())
        return document.write_pdf(font_config=_font_config())

    # Interleaved (ours, bare, ours, bare …) so both see the same load on the shared machine.
    render_village_report(village=village)
    bare()
    ours_times, bare_times = [], []
    for _ in range(runs):
        started = time.perf_counter()
        render_village_report(village=village)
        ours_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        bare()
        bare_times.append(time.perf_counter() - started)
    pairs = [o / b for o, b in zip(ours_times, bare_times, strict=True)]
    return {"village": f"{village.name} {village.code}", "ours": statistics.median(ours_times),
            "bare": statistics.median(bare_times), "pair_ratio": statistics.median(pairs),
            "bytes": len(report.pdf), "pages": report.pages}  # fmt: skip


def repeated_request(runs: int) -> dict:
    from django.test import Client
    from django.test.utils import override_settings

    from tasks.models import JobStatus, ReportJob
    from tasks.reports import editions
    from villages.models import User, Village

    user = User.objects.get(username="county")
    county_id = seeded(user.county_id, "the county account's county")
    village = seeded(Village.objects.filter(township__county_id=county_id).order_by("code").first(), "village")
    client = Client()
    client.force_login(user)
    renders = []
    original = editions.render_village_report

    def counted(**kwargs):
        renders.append(kwargs["village"].code)
        return original(**kwargs)

    editions.render_village_report = counted
    with override_settings(REPORT_RUNNER="sync"):
        first = client.post(
            "/api/v1/reports/", {"kind": "village", "scope": village.code}, content_type="application/json"
        )
        rendered = len(renders)

        def again() -> None:
            response = client.post(
                "/api/v1/reports/", {"kind": "village", "scope": village.code}, content_type="application/json"
            )
            assert response.json()["status"] == JobStatus.DONE

        median = median_seconds(again, runs)
    editions.render_village_report = original
    last = seeded(ReportJob.objects.filter(scope=village.code).order_by("-pk").first(), "report job")
    return {"ms": median * 1000, "renders_after_first": len(renders) - rendered, "first_status": first.status_code,
            "same_sha": last.sha256 == ReportJob.objects.get(pk=first.json()["id"]).sha256}  # fmt: skip


def _bare_render(html: str) -> float:
    from weasyprint import HTML

    from tasks.reports.fetcher import LocalOnlyFetcher
    from tasks.reports.fonts import font_dir
    from tasks.reports.render import _font_config

    started = time.perf_counter()
    HTML(string=html, base_url=font_dir().as_uri() + "/", url_fetcher=LocalOnlyFetcher()).write_pdf(
        font_config=_font_config()
    )
    return time.perf_counter() - started


def bare_on_two_processes(htmls: list[str]) -> float:
    """Wall time of bare WeasyPrint rendering `htmls` on a pool of 2 processes (warmed: one render each first)."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_bare_render, htmls[:2], chunksize=1)
        started = time.perf_counter()
        pool.map(_bare_render, htmls, chunksize=1)
        return time.perf_counter() - started


def _pool_pids(parent: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def township_edition() -> dict:
    import redis
    from django.conf import settings
    from django.core.cache import cache
    from django.db import transaction
    from django.db.models import Count
    from django.test.utils import override_settings

    from backend.celery import app
    from tasks.models import JobStatus, ReportJob
    from tasks.reports import jobs
    from tasks.reports.render import render_village_report
    from villages.models import Township, User, Village

    township = seeded(
        Township.objects.annotate(n=Count("villages")).filter(n=10).order_by("code").first(), "township of 10 villages"
    )
    villages = list(Village.objects.filter(township=township).order_by("code"))
    codes = [v.code for v in villages] + [township.code]
    ReportJob.objects.filter(scope__in=codes).delete()  # cold: nothing stored for these villages
    cache.clear()
    htmls = [render_village_report(village=v).html for v in villages]
    ReportJob.objects.filter(scope__in=codes).delete()
    cache.clear()
    bare_half = bare_on_two_processes(htmls)

    redis.Redis.from_url(BROKER).flushdb()
    env = {**os.environ, "REDIS_URL": BROKER}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "backend", "worker", "--concurrency=2", "--pool=prefork",
         "-Q", ",".join(settings.WORKER_QUEUES), "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--loglevel=WARNING", "-n", "benchrep@%h"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    time.sleep(8)  # let the worker boot and load its fonts before the clock starts
    user = User.objects.get(username="city")
    app.conf.broker_url, app.conf.task_always_eager = BROKER, False
    app._pool = None
    try:
        override = override_settings(REPORT_RUNNER="celery")
        override.enable()
        cache.clear()
        started = time.perf_counter()
        with transaction.atomic():
            edition = jobs.create_report_job(user=user, kind="township", scope=township.code)
        while ReportJob.objects.filter(pk=edition.pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).exists():
            time.sleep(0.1)
        cold = time.perf_counter() - started
        edition.refresh_from_db()
        spans = [
            (job.kind, job.scope, (seeded(job.started_at, "start") - edition.created_at).total_seconds(),
             (seeded(job.finished_at, "end") - seeded(job.started_at, "start")).total_seconds())
            for job in ReportJob.objects.filter(batch=edition.batch).order_by("started_at")
        ]  # fmt: skip
        started = time.perf_counter()
        with transaction.atomic():
            again = jobs.create_report_job(user=user, kind="township", scope=township.code)
        again.refresh_from_db()
        unchanged = time.perf_counter() - started
    finally:
        override.disable()
        os.killpg(worker.pid, 15)
        worker.wait(timeout=60)
    return {
        "township": f"{township.name} {township.code}", "status": edition.status, "error": edition.error[:200],
        "cold": cold, "bare_half": bare_half, "bytes": edition.file.size if edition.file else 0,
        "pages": edition.pages, "unchanged": unchanged, "reused": again.reused_from_id == edition.pk,
        "same_sha": again.sha256 == edition.sha256, "spans": spans,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only-edition", action="store_true", help="measure the township edition only")
    args = parser.parse_args()
    ensure_seeded(args.db)
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-reports-"))
    setup_django(args.db)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print_context()
    if args.only_edition:
        edition = township_edition()
        print(edition["cold"], edition["bare_half"], edition["bytes"])
        for kind, scope, start, took in edition["spans"]:
            print(f"  {kind} {scope}: started at +{start:.2f} s, took {took:.2f} s")
        return
    single = single_village(args.runs)
    print(
        f"village report ({single['village']}, {single['pages']} pages, {single['bytes'] / 1024:.0f} KB): median "
        f"{single['ours'] * 1000:.0f} ms; bare WeasyPrint on the same HTML {single['bare'] * 1000:.0f} ms; "
        f"ratio {single['ours'] / single['bare']:.2f}× (median of the per-pair ratios {single['pair_ratio']:.2f}×)"
    )
    repeated = repeated_request(max(args.runs, 15))
    print(
        f"repeated unchanged village request: median {repeated['ms']:.1f} ms server time, renders after the first: "
        f"{repeated['renders_after_first']}, same sha256: {repeated['same_sha']}"
    )
    edition = township_edition()
    print(
        f"township edition ({edition['township']}, 10 villages) on 2 worker processes: {edition['status']} "
        f"{edition['error']} cold {edition['cold']:.2f} s (bare WeasyPrint of the 10 villages on 2 processes: "
        f"{edition['bare_half']:.2f} s), {edition['pages']} pages, {edition['bytes'] / 1e6:.2f} MB; unchanged "
        f"again {edition['unchanged'] * 1000:.0f} ms, same file: {edition['reused'] and edition['same_sha']}"
    )
    for kind, scope, start, took in edition["spans"]:
        print(f"  {kind} {scope}: started at +{start:.2f} s, took {took:.2f} s")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
