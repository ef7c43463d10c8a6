"""Benchmark printable reports at `seed_demo --scale city` (own SQLite file, Celery workers on Redis db 9).

Run: `DATABASE_URL=sqlite:////tmp/h6-city.sqlite3 .venv/bin/python benchmarks/bench_reports.py`
(seed first: `manage.py seed_demo --scale city`; Redis at 127.0.0.1:6379).

1. One village report, median of 10 warm renders (`render_village_report`: queries + template + PDF), next to
   the named baseline from the same run: bare WeasyPrint rendering the very same HTML with the same fonts (the
   limit: no queries, no template). Also the PDF size.
2. Click-to-download: POST the page's "生成报告" form, poll the progress partial, GET the file (in-process runner,
   as `make run`; test client, no network).
3. A 40-village batch (the first 40 villages of the largest township's county, one job each) on real Celery
   workers with 1 and 2 worker processes: wall time until all 40 are done, rate ratio, peak RSS per worker
   process (VmHWM of each pool process), largest village PDF.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-reports-"))
os.environ.setdefault("AXES_ENABLED", "0")
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/9")

import django  # noqa: E402

django.setup()

from common import seeded  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.http import FileResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from weasyprint import HTML  # noqa: E402

from tasks.models import JobStatus, ReportBatch, ReportJob, ReportKind  # noqa: E402
from tasks.reports.fetcher import LocalOnlyFetcher  # noqa: E402
from tasks.reports.fonts import font_dir  # noqa: E402
from tasks.reports.render import _font_config, render_village_report  # noqa: E402
from villages.models import Township, User, Village  # noqa: E402


def median_seconds(fn, runs: int = 10) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def single_village() -> dict:
    village = seeded(Village.objects.annotate(n=Count("posts")).order_by("-n", "code").first(), "village")
    report = render_village_report(village=village)

    def bare() -> bytes:
        document = HTML(string=report.html, base_url=font_dir().as_uri() + "/", url_fetcher=LocalOnlyFetcher())
        return document.write_pdf(font_config=_font_config())

    ours = median_seconds(lambda: render_village_report(village=village))
    limit = median_seconds(bare)
    return {"village": f"{village.name} {village.code}", "ours": ours, "bare": limit, "bytes": len(report.pdf)}


@override_settings(REPORT_RUNNER="thread")
def click_to_download() -> float:
    user = User.objects.get(username="township")
    village = seeded(Village.objects.filter(township=user.township).order_by("code").first(), "township village")
    client = Client()
    client.force_login(user)
    started = time.perf_counter()
    client.post("/reports/new/", {"kind": "village", "scope": village.code}, headers={"HX-Request": "true"})
    job = seeded(ReportJob.objects.filter(scope=village.code).order_by("-pk").first(), "report job")
    while client.get(f"/reports/{job.pk}/", headers={"HX-Request": "true"}).status_code != 286:
        time.sleep(0.1)
    download = client.get(f"/reports/{job.pk}/download/")
    assert isinstance(download, FileResponse)
    body = b"".join(download.streaming_content)
    assert body.startswith(b"%PDF")
    return time.perf_counter() - started


def _pool_pids(parent: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _vm_hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def batch_on_workers(processes: int, villages: list[Village], user: User) -> dict:
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    env = {**os.environ, "REDIS_URL": BROKER, "REPORT_COMPARISON_CACHE_SECONDS": "60"}
    worker = subprocess.Popen(
        [str(ROOT / ".venv/bin/celery"), "-A", "backend", "worker", f"--concurrency={processes}",
         "--pool=prefork", "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING",
         "-n", f"bench{processes}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    time.sleep(6)  # let the worker boot and load fonts before the clock starts
    from backend.celery import app
    from tasks.report_tasks import render_report

    app.conf.broker_url, app.conf.task_always_eager = BROKER, False
    app._pool = None
    batch = ReportBatch.objects.create(
        kind=ReportKind.TOWNSHIP, scope="bench", as_of=timezone.localdate(), created_by=user, total=len(villages)
    )
    jobs = ReportJob.objects.bulk_create(
        ReportJob(kind=ReportKind.VILLAGE, scope=v.code, batch=batch, created_by=user) for v in villages
    )
    started = time.perf_counter()
    for job in jobs:
        render_report.apply_async(args=[job.pk])
    rss = 0.0
    while ReportJob.objects.filter(batch=batch, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).exists():
        rss = max([rss, *(_vm_hwm_mib(pid) for pid in _pool_pids(worker.pid))])
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    rss = max([rss, *(_vm_hwm_mib(pid) for pid in _pool_pids(worker.pid))])
    os.killpg(worker.pid, 15)
    worker.wait(timeout=60)
    done = ReportJob.objects.filter(batch=batch, status=JobStatus.DONE)
    sizes = [job.file.size for job in done]
    return {"seconds": elapsed, "done": done.count(), "rss_mib": rss, "max_pdf": max(sizes, default=0)}


def main() -> None:
    print(f"database {settings.DATABASES['default']['NAME']}, broker {BROKER}")
    single = single_village()
    print(
        f"village report ({single['village']}): median {single['ours'] * 1000:.0f} ms; bare WeasyPrint "
        f"{single['bare'] * 1000:.0f} ms; ratio {single['ours'] / single['bare']:.2f}×; {single['bytes'] / 1024:.0f} KB"
    )
    print(f"click-to-download: {click_to_download():.2f} s")
    user = User.objects.get(username="city")
    township = seeded(Township.objects.annotate(n=Count("villages")).order_by("-n").first(), "township")
    villages = list(Village.objects.filter(township__county=township.county).order_by("code")[:40])
    results = {n: batch_on_workers(n, villages, user) for n in (1, 2)}
    for n, r in results.items():
        print(
            f"40-village batch, {n} worker process(es): {r['seconds']:.1f} s ({r['done']} done), "
            f"peak RSS per worker process {r['rss_mib']:.0f} MiB, largest PDF {r['max_pdf'] / 1024:.0f} KB"
        )
    print(f"2-process speed-up: {results[1]['seconds'] / results[2]['seconds']:.2f}×")


if __name__ == "__main__":
    main()
