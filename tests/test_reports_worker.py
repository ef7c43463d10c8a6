"""Real Celery workers against Redis (db 6) and the PostgreSQL test database: a job completes, and a job whose
worker is SIGKILLed mid-render is redelivered to a new worker and finishes (acks_late + reject_on_worker_lost,
dead-holder takeover). CI runs these (`.ci/run` sets DATABASE_URL and REDIS_URL)."""

from __future__ import annotations

import signal
import time

import pytest
import redis
from django.conf import settings

from tasks.models import JobStatus, ReportJob
from tasks.reports import jobs
from tests.reports_support import celery_broker, populate_village
from tests.worker_support import broker_url, needs_worker_stack, start_worker, stop_worker

pytestmark = [pytest.mark.worker, needs_worker_stack]


@pytest.fixture
def broker(settings, tmp_path):
    """Publish to this process's broker db (emptied) from this process; files go to a media dir the workers share."""
    url = broker_url()
    redis.Redis.from_url(url).flushdb()
    settings.REPORT_RUNNER = "celery"
    settings.MEDIA_ROOT = tmp_path / "media"
    with celery_broker(url):
        yield url


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
    worker = start_worker(broker, settings.MEDIA_ROOT, tmp_path / "worker.log")
    try:
        job = jobs.create_report_job(user=secretary_a, kind="village", scope=world.village_a.code)
        job = _wait_for(job, {JobStatus.DONE, JobStatus.FAILED}, timeout=120)
    finally:
        stop_worker(worker)
    assert job.status == JobStatus.DONE, (job.error, (tmp_path / "worker.log").read_text()[-3000:])
    assert job.attempts == 1 and len(job.sha256) == 64
    with job.file.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"


def test_killed_worker_job_is_redelivered_and_finishes(transactional_db, world, secretary_a, broker, tmp_path):
    populate_village(world.village_a, group_leaders=120)  # a longer report: the kill lands mid-render
    log = tmp_path / "workers.log"
    fast_redelivery = {"CELERY_VISIBILITY_TIMEOUT": "3"}
    first = start_worker(broker, settings.MEDIA_ROOT, log, **fast_redelivery)
    second = None
    try:
        job = jobs.create_report_job(user=secretary_a, kind="village", scope=world.village_a.code)
        _wait_for(job, {JobStatus.RUNNING}, timeout=120)
        stop_worker(first, signal.SIGKILL)  # the whole worker, main process and pool child, mid-job
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING and not job.file
        second = start_worker(broker, settings.MEDIA_ROOT, log, **fast_redelivery)
        job = _wait_for(job, {JobStatus.DONE, JobStatus.FAILED}, timeout=180)
    finally:
        stop_worker(first, signal.SIGKILL)
        if second is not None:
            stop_worker(second)
    assert job.status == JobStatus.DONE, (job.error, log.read_text()[-3000:])
    assert job.attempts == 2  # claimed once by the killed worker, once by the new one
