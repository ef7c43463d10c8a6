"""Celery queues: reports, imports and risk evaluation each have their own queue (backend/settings.py
CELERY_TASK_ROUTES, by the task's module), so a province-wide report batch never delays a township's import.

The routes are checked through the app's own router (what `send_task`/`apply_async` use); a real worker that
consumes the fast queues (imports, risk, default: docker-compose's `worker-fast`) finishes an import while report
jobs wait untouched on `reports`.
"""

from __future__ import annotations

import pytest
import redis
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.celery import app
from tasks.imports import RUN_ROSTER_IMPORT, start_import_job
from tasks.models import ImportJob, JobStatus, ReportJob
from tasks.reports import jobs
from tests import live_stack
from tests.reports_support import celery_broker
from tests.workbooks import build, person_row

QUEUE_OF_MODULE = {"tasks.report_tasks": "reports", "tasks.import_tasks": "imports", "tasks.risk_tasks": "risk"}


def queue_of(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


def test_every_task_lands_on_the_queue_of_its_module():
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if name.startswith("tasks.")]
    assert {jobs.RENDER_REPORT, RUN_ROSTER_IMPORT, "tasks.risk_tasks.recompute_all_risks"} <= set(ours)
    for name in ours:
        assert queue_of(name) == QUEUE_OF_MODULE[name.rsplit(".", 1)[0]], name


def test_tasks_added_later_to_a_module_follow_it_and_anything_else_goes_to_default():
    assert queue_of("tasks.risk_tasks.evaluate_village") == "risk"  # e.g. incremental evaluation (issue 18)
    assert queue_of("tasks.report_tasks.anything_new") == "reports"
    assert queue_of("tasks.import_tasks.anything_new") == "imports"
    assert queue_of("celery.backend_cleanup") == "default"


def test_beat_entries_and_worker_queues():
    routed = {entry["task"]: queue_of(entry["task"]) for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert routed["tasks.report_tasks.sweep_report_jobs"] == "reports"
    assert routed["tasks.risk_tasks.recompute_all_risks"] == "risk"
    # A worker started without -Q consumes every queue; the declared ones are exactly the routed ones + default.
    assert set(app.amqp.queues) == set(settings.WORKER_QUEUES) == {"default", *QUEUE_OF_MODULE.values()}


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.skipif(
    not settings.REDIS_URL or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (the worker must reach the test database)",
)
def test_an_import_is_done_while_a_report_batch_waits_on_its_own_queue(
    transactional_db, world, city_admin, secretary_a, settings, tmp_path
):
    settings.REPORT_RUNNER = "celery"
    settings.ROSTER_IMPORT_INLINE_MAX_ROWS = 0  # the import goes to a worker
    with live_stack.redis_server(live_stack.free_port()) as broker, celery_broker(broker):
        batch = [
            jobs.create_report_job(user=city_admin, kind="village", scope=village.code)
            for village in (world.village_a, world.village_b, world.village_other_county)
        ]
        waiting = redis.Redis.from_url(broker).llen("reports")
        assert waiting == len(batch)
        with live_stack.celery_worker(
            live_stack.current_database_url(),
            log=tmp_path / "worker-fast.log",
            queues=("imports", "risk", "default"),
            REDIS_URL=broker,
            MEDIA_ROOT=str(settings.MEDIA_ROOT),
        ):
            rows = [person_row(seq=n, 姓名=f"导入{n}") for n in (1, 2)]
            upload = SimpleUploadedFile("花名册.xlsx", build(rows))
            job = start_import_job(township=world.township_a, upload=upload, user=secretary_a)
            live_stack.wait_for(
                lambda: ImportJob.objects.filter(pk=job.pk, status__in=[JobStatus.DONE, JobStatus.FAILED]).exists(),
                timeout=90,
                what="the import preview on the fast worker",
            )
        job.refresh_from_db()
        log = (tmp_path / "worker-fast.log").read_text()[-3000:]
        assert (job.status, job.total_rows) == (JobStatus.DONE, 2), (job.error, log)
        # The report batch was not touched: still queued, its messages still on `reports` (the worker's start-up
        # sweep adds one more message there, for a reports worker).
        assert set(ReportJob.objects.values_list("status", flat=True)) == {JobStatus.QUEUED}
        assert redis.Redis.from_url(broker).llen("reports") >= waiting
