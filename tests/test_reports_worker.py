"""Real Celery workers against Redis (db 6) and the PostgreSQL test database: a job completes, and a job whose
worker is SIGKILLed mid-render is redelivered to a new worker and finishes (acks_late + reject_on_worker_lost,
dead-holder takeover). CI runs these (`.ci/run` sets DATABASE_URL and REDIS_URL)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings

from tasks.models import JobStatus, ReportJob
from tasks.reports import jobs
from tests import live_stack
from tests.reports_support import ROOT, celery_broker, populate_village

# Redis db 6 for the first test process, 7 for the second … (pytest-xdist): each worker's broker is its own.
BROKER_DB = 6 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 10
pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not settings.REDIS_URL or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (the worker must reach the test database)",
    ),
]


def _broker_url() -> str:
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{BROKER_DB}"))


@pytest.fixture
def broker(settings, tmp_path):
    """Publish to Redis db 6 (emptied) from this process; files go to a media dir the workers share."""
    url = _broker_url()
    redis.Redis.from_url(url).flushdb()
    settings.REPORT_RUNNER = "celery"
    settings.MEDIA_ROOT = tmp_path / "media"
    with celery_broker(url):
        yield url


def _start_worker(broker_url: str, media: Path, log: Path, **env: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": live_stack.current_database_url(),
        "REDIS_URL": broker_url,
        "MEDIA_ROOT": str(media),
        "REPORT_COMPARISON_CACHE_SECONDS": "0",
        "AXES_ENABLED": "0",
        **env,
    }
    command = [
        str(ROOT / ".venv/bin/celery"), "-A", "backend", "worker", "--pool=prefork", "--concurrency=1",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"h6-{uuid.uuid4().hex[:8]}@%h",
        "-Q", live_stack.worker_queues(), "--loglevel=INFO",
    ]  # fmt: skip
    handle = log.open("ab")
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=handle, stderr=handle, start_new_session=True)


def _stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        worker.wait(timeout=30)


def _wait_for(job: ReportJob, statuses: set[str], timeout: float) -> ReportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in statuses:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job.pk} still {job.status} after {timeout}s")


def test_real_worker_completes_a_job(transactional_db, world, secretary_a, broker, tmp_path):
    populate_village(world.village_a)
    worker = _start_worker(broker, settings.MEDIA_ROOT, tmp_path / "worker.log")
    try:
        job = jobs.create_report_job(user=secretary_a, kind="village", scope=world.village_a.code)
        job = _wait_for(job, {JobStatus.DONE, JobStatus.FAILED}, timeout=120)
    finally:
        _stop(worker)
    assert job.status == JobStatus.DONE, (job.error, (tmp_path / "worker.log").read_text()[-3000:])
    assert job.attempts == 1 and len(job.sha256) == 64
    with job.file.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"


def test_killed_worker_job_is_redelivered_and_finishes(transactional_db, world, secretary_a, broker, tmp_path):
    populate_village(world.village_a, group_leaders=120)  # a longer report: the kill lands mid-render
    log = tmp_path / "workers.log"
    fast_redelivery = {"CELERY_VISIBILITY_TIMEOUT": "3"}
    first = _start_worker(broker, settings.MEDIA_ROOT, log, **fast_redelivery)
    second = None
    try:
        job = jobs.create_report_job(user=secretary_a, kind="village", scope=world.village_a.code)
        _wait_for(job, {JobStatus.RUNNING}, timeout=120)
        _stop(first, signal.SIGKILL)  # the whole worker, main process and pool child, mid-job
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING and not job.file
        second = _start_worker(broker, settings.MEDIA_ROOT, log, **fast_redelivery)
        job = _wait_for(job, {JobStatus.DONE, JobStatus.FAILED}, timeout=180)
    finally:
        _stop(first, signal.SIGKILL)
        if second is not None:
            _stop(second)
    assert job.status == JobStatus.DONE, (job.error, log.read_text()[-3000:])
    assert job.attempts == 2  # claimed once by the killed worker, once by the new one
