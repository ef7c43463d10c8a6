"""Celery entry points for report jobs: thin, take ids, idempotent (the work is in tasks/reports/jobs.py).

Delivery guarantees come from settings: acks_late + reject_on_worker_lost (a worker killed mid-job leaves the
message unacknowledged, so it is redelivered) and a broker visibility timeout above the task time limit.
"""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_init, worker_process_init, worker_ready
from django.conf import settings

from tasks.reports import fonts, jobs, render

log = logging.getLogger(__name__)


class ReportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """Retries exhausted (or an unexpected crash of the task itself): record a readable error."""
        if args:
            jobs.mark_failed(job_id=args[0], error=f"多次重试后仍失败：{exc}")


@shared_task(
    name=jobs.RENDER_REPORT,
    base=ReportTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(jobs.TransientReportError,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def render_report(self: Task, job_id: int) -> str:
    try:
        outcome = jobs.run_report_job(job_id)
    except SoftTimeLimitExceeded:
        jobs.mark_failed(job_id=job_id, error=f"生成超过时限（{settings.CELERY_TASK_SOFT_TIME_LIMIT} 秒）。")
        return "failed"
    if outcome == "busy":
        # Held by another worker within its lease (e.g. redelivered after that worker was killed): look again
        # when the lease has run out; the job is then claimed and finished here.
        raise self.retry(countdown=jobs.lease_seconds(), max_retries=jobs.MAX_ATTEMPTS + 2)
    return outcome


@shared_task(acks_late=True)
def sweep_report_jobs() -> dict[str, int]:
    return jobs.sweep_report_jobs()


@worker_init.connect
def refuse_to_start_without_fast_pdf(**kwargs) -> None:
    """A report worker without libharfbuzz-subset or the report fonts would be slow or draw boxes: refuse."""
    problems = fonts.problems()
    if problems:
        raise SystemExit("报告 worker 拒绝启动：" + "；".join(problems))


@worker_process_init.connect
def load_report_fonts(**kwargs) -> None:
    """Each pool process loads the report faces before its first job (reports.render.warm_up)."""
    try:
        render.warm_up()
    except Exception as exc:  # a failure here must not kill the pool; the job will report it readably
        log.warning("report fonts not preloaded: %s", exc)


@worker_ready.connect
def sweep_on_start(**kwargs) -> None:
    """Pick up what a crash or a broker outage left behind as soon as a worker is back."""
    sweep_report_jobs.apply_async(retry=False)
