"""Report jobs: creation (scope-checked), dispatch on commit, the run itself, retries, batches and the sweeper.

Life of a job: QUEUED → RUNNING (claimed atomically, `attempts` + 1) → DONE (file + sha256) or FAILED (readable
error). Everything here takes and re-reads ids, so a task delivered twice, late, or after a crash is harmless:

- a DONE or FAILED job is never run again by a delivery (idempotent); only `retry_report_job` re-queues it;
- a RUNNING job is claimed again only after its lease (the task time limit plus a margin) has run out: its
  worker died (SIGKILL, OOM) and the message was redelivered, or the sweeper found it. After MAX_ATTEMPTS claims
  the job is a poison job and is marked FAILED instead of crashing workers forever;
- transient errors (database or storage hiccups) put the job back to QUEUED and raise TransientReportError,
  which the Celery task retries with exponential backoff.

Unchanged data is never rendered twice: every job carries a cache key (tasks/reports/versions.py); a request
whose key equals a finished job's is answered at once with that job's file (same sha256, same report number and
verification code, `reused_from`), and a township edition queues only the villages whose key changed.

Failures are clear and final: missing fonts or libraries fail the job when it is created (and when it runs), with
the readable message of tasks/reports/fonts.py; a job no worker starts within REPORT_QUEUE_TIMEOUT_SECONDS fails
with a message saying so (`nudge` from the progress page, and the sweeper).

Runners (settings.REPORT_RUNNER): "celery" (REDIS_URL set: published to the broker on commit), "thread" (no
broker, `make run`: a small in-process thread pool, so a township batch never blocks the request), "sync"
(tests, `render_report`). With the broker down, publishing fails fast; the job stays QUEUED and the sweeper
publishes it again once the broker answers (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from tasks.models import JobStatus, ReportBatch, ReportJob, ReportKind
from tasks.reports import fonts, versions
from tasks.reports.dates import default_as_of, part_as_of
from tasks.reports.editions import RenderedReport, render_job, township_key_of, village_keys_of
from villages import permissions
from villages.models import County, User, Village

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RENDER_REPORT = "tasks.report_tasks.render_report"  # the Celery task name (tasks.report_tasks)
# Database or storage unavailable; botocore's errors are the S3 storage backend's (STORAGE_BACKEND=s3).
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError, InterfaceError, OSError, BotoCoreError, ClientError,
)  # fmt: skip
FINISHED = (JobStatus.DONE, JobStatus.FAILED)


class TransientReportError(Exception):
    """A failure worth retrying later (database or storage unavailable); the job is back in QUEUED."""


def lease_seconds() -> int:
    """How long a RUNNING job belongs to its worker: no live task runs past the hard time limit."""
    return settings.CELERY_TASK_TIME_LIMIT + 15


# ---- creation ----


def _check_scope(*, user: User, kind: str, scope: str) -> list[Village]:
    """Raise Http404 unless the user may see the scope; return the villages a batch covers."""
    if kind == ReportKind.VILLAGE:
        return [permissions.village_for(user, scope)]
    if kind == ReportKind.TOWNSHIP:
        township = permissions.township_for(user, scope)
        return list(Village.objects.filter(township=township).order_by("code"))
    permissions.county_for(user, scope)
    return []


IDENTITY_FIELDS = (
    "file", "sha256", "warnings", "number", "verification", "generated_at", "data_as_of", "pages", "cache_key",
)  # fmt: skip


def reusable(key: str) -> ReportJob | None:
    """The newest finished job with this cache key whose file is still stored (None: render)."""
    for job in ReportJob.objects.filter(versions.stale_filter(), cache_key=key).order_by("-finished_at", "-pk")[:3]:
        if job.file and job.file.storage.exists(str(job.file.name)):
            return job.reused_from or job
    return None


def _answer_from(source: ReportJob, **fields: object) -> ReportJob:
    """A new job answered by an earlier rendering of the same key: the same file, number and code; no render."""
    now = timezone.now()
    copied = {name: getattr(source, name) for name in IDENTITY_FIELDS}
    return ReportJob.objects.create(
        **fields, **copied, status=JobStatus.DONE, reused_from=source, started_at=now, finished_at=now
    )


def _failed_at_once(problems: list[str], **fields: object) -> ReportJob:
    message = "无法生成报告：" + "；".join(problems)
    return ReportJob.objects.create(**fields, status=JobStatus.FAILED, error=message, finished_at=timezone.now())


def create_report_job(*, user: User, kind: str, scope: str, as_of: dt.date | None = None) -> ReportJob:
    """Create the job for a report of `scope` (a village, township or county code) and publish it on commit.

    Outside the user's scope → Http404. `as_of` left out is `default_as_of`: a job always records the date it is
    computed for. Unchanged data (same cache key as a finished job) → a finished job with that file, nothing
    rendered. Missing fonts or libraries → a failed job with the readable reason. A township
    report is a batch: one village job per village (unchanged villages answered at once, the others run in
    parallel, each retryable alone) plus the township job that compiles them once all have finished; the
    township job is returned.
    """
    villages = _check_scope(user=user, kind=kind, scope=scope)
    requested = as_of is not None
    figures = as_of  # the figures' as_of (tasks/reports/dates.py): None unless a date was asked for
    as_of = as_of or default_as_of(kind=kind, scope=scope)
    fields: dict[str, Any] = {
        "kind": kind, "scope": scope, "as_of": as_of, "as_of_requested": requested, "created_by": user,
    }  # fmt: skip
    problems = fonts.problems()
    if problems:
        return _failed_at_once(problems, **fields)
    with transaction.atomic():
        if kind == ReportKind.VILLAGE:
            key = village_keys_of([villages[0]], as_of=figures)[villages[0].pk].key
            return _reuse_or_queue(key, fields)
        if kind == ReportKind.COUNTY:
            county = County.objects.get(code=scope)
            key = versions.county_key(county_id=county.pk, as_of=figures)
            return _reuse_or_queue(key, fields)
        dates = {v.pk: part_as_of(v, edition_as_of=as_of, requested=requested) for v in villages}
        keys = village_keys_of(villages, as_of=figures)
        edition_key = township_key_of(scope=scope, as_of=figures, keys=keys.values())
        source = reusable(edition_key)
        if source is not None:
            return _answer_from(source, **fields)
        return _township_batch(villages, keys, dates, edition_key, fields)


def _reuse_or_queue(key: str, fields: dict[str, Any]) -> ReportJob:
    source = reusable(key)
    if source is not None:
        return _answer_from(source, **fields)
    job = ReportJob.objects.create(**fields, cache_key=key)
    publish_on_commit([job.pk])
    return job


def _township_batch(
    villages: list[Village], keys: dict, dates: dict[int, dt.date], edition_key: str, fields: dict[str, Any]
) -> ReportJob:
    """Village jobs (unchanged ones answered at once; each on its date, `part_as_of`) and the edition job that
    compiles them."""
    user, as_of = fields["created_by"], fields["as_of"]
    batch = ReportBatch.objects.create(
        kind=fields["kind"], scope=fields["scope"], as_of=as_of or timezone.localdate(), created_by=user,
        total=len(villages),
    )  # fmt: skip
    queued = []
    for village in villages:
        part_fields = {
            "kind": ReportKind.VILLAGE, "scope": village.code, "as_of": dates[village.pk],
            "as_of_requested": fields["as_of_requested"], "created_by": user,
        }  # fmt: skip
        source = reusable(keys[village.pk].key)
        if source is not None:
            _answer_from(source, **part_fields, batch=batch)
        else:
            queued.append(ReportJob.objects.create(**part_fields, batch=batch, cache_key=keys[village.pk].key))
    edition = ReportJob.objects.create(**fields, batch=batch, cache_key=edition_key)
    refresh_batch(batch_id=batch.pk, publish_edition=False)
    publish_on_commit([p.pk for p in queued] or [edition.pk])
    return edition


def retry_report_job(*, job: ReportJob) -> ReportJob:
    """Re-queue one FAILED job (a village of a batch can be retried alone; its edition is merged again)."""
    with transaction.atomic():
        updated = ReportJob.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
            status=JobStatus.QUEUED, attempts=0, error="", started_at=None, finished_at=None, queued_at=timezone.now()
        )
        if updated and job.batch_id:
            ReportJob.objects.filter(batch_id=job.batch_id, kind=ReportKind.TOWNSHIP).exclude(
                status=JobStatus.RUNNING
            ).update(status=JobStatus.QUEUED, error="", attempts=0, queued_at=timezone.now())
            refresh_batch(batch_id=job.batch_id, publish_edition=False)
        if updated:
            publish_on_commit([job.pk])
    job.refresh_from_db()
    return job


# ---- dispatch ----

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _thread_pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=settings.REPORT_THREADS, thread_name_prefix="report")
        return _executor


def _run_in_thread(job_id: int) -> None:
    """In-process runner: transient failures are retried here with backoff, like Celery would."""
    try:
        for attempt in range(MAX_ATTEMPTS):
            try:
                run_report_job(job_id)
                return
            except TransientReportError:
                time.sleep(2**attempt)
        log.error("report job %s: transient failures persisted; left queued for the sweeper", job_id)
    finally:
        close_old_connections()


def publish(job_ids: Iterable[int]) -> list[int]:
    """Hand jobs to the configured runner now. Returns the ids that could not be published (broker down)."""
    runner = settings.REPORT_RUNNER
    failed = []
    for job_id in job_ids:
        if runner == "sync":
            try:
                run_report_job(job_id)
            except TransientReportError:
                failed.append(job_id)
        elif runner == "thread":
            _thread_pool().submit(_run_in_thread, job_id)
        else:
            try:
                # Fail fast (no connection retries): the request must not hang while the broker is down.
                # By name: the Celery entry point (tasks.report_tasks) imports this module, not the reverse.
                current_app.signature(RENDER_REPORT).apply_async(
                    args=[job_id], retry=True, retry_policy={"max_retries": 0}
                )
            except Exception as exc:  # kombu raises several types for an unreachable broker
                log.warning("report job %s stays queued: broker unavailable (%s)", job_id, exc)
                failed.append(job_id)
    return failed


def publish_on_commit(job_ids: list[int]) -> None:
    """Publish after the transaction commits, so a worker never looks for a job that is not there yet."""
    transaction.on_commit(lambda: publish(job_ids))


# ---- running ----


def holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_is_dead(held_by: str) -> bool:
    """True when the holder ran on this host and its process is gone (SIGKILL, OOM, restart)."""
    host, _, pid = held_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _claim(job_id: int) -> bool:
    """Atomically take the job: QUEUED, or RUNNING whose lease ran out or whose holder process is dead."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=lease_seconds())
    claimable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, started_at__lt=stale)
    held_by = ReportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).values_list("held_by", flat=True).first()
    if held_by and _holder_is_dead(held_by):
        claimable |= Q(status=JobStatus.RUNNING, held_by=held_by)
    return bool(
        ReportJob.objects.filter(claimable, pk=job_id, attempts__lt=MAX_ATTEMPTS).update(
            status=JobStatus.RUNNING, attempts=F("attempts") + 1, started_at=now, held_by=holder(), error=""
        )
    )


def mark_failed(*, job_id: int, error: str) -> None:
    """Record a failure reported from outside the run (retries exhausted, time limit); finished jobs stay."""
    _fail(job_id, error, only_from=(JobStatus.QUEUED, JobStatus.RUNNING))


def _fail(job_id: int, error: str, *, only_from: Iterable[str] = (JobStatus.RUNNING,)) -> None:
    updated = ReportJob.objects.filter(pk=job_id, status__in=list(only_from)).update(
        status=JobStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )
    if updated:
        _after_finish(job_id)


def run_report_job(job_id: int) -> str:
    """Render one job if it is claimable; returns what happened ("done", "failed", "skipped", "busy", ...).

    "busy": another worker holds the job within its lease (a duplicate or early redelivery): try again later.
    """
    if not _claim(job_id):
        job = ReportJob.objects.filter(pk=job_id).first()
        if job is None:
            return "missing"
        if job.status == JobStatus.RUNNING and job.attempts >= MAX_ATTEMPTS and _abandoned(job):
            _fail(job_id, f"生成进程已中断 {job.attempts} 次（可能内存不足或程序错误），已停止重试。")
            return "poison"
        return "busy" if job.status == JobStatus.RUNNING else "skipped"
    job = ReportJob.objects.select_related("batch").get(pk=job_id)
    if job.kind == ReportKind.TOWNSHIP and job.batch is not None and _batch_pending(job):
        ReportJob.objects.filter(pk=job_id).update(status=JobStatus.QUEUED, attempts=F("attempts") - 1)
        return "waiting"
    try:
        rendered = render_job(job)
        name = default_storage.save(_file_name(job, rendered.sha256), ContentFile(rendered.pdf))
    except TRANSIENT_ERRORS as exc:
        ReportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
            status=JobStatus.QUEUED, error=str(exc)[:500], queued_at=timezone.now()
        )
        raise TransientReportError(str(exc)) from exc
    except Exception as exc:
        log.exception("report job %s failed", job_id)
        _fail(job_id, f"生成失败：{exc}")
        return "failed"
    return _finish(job_id, name=name, rendered=rendered)


def _abandoned(job: ReportJob) -> bool:
    expired = job.started_at is None or job.started_at < timezone.now() - dt.timedelta(seconds=lease_seconds())
    return expired or _holder_is_dead(job.held_by)


def _file_name(job: ReportJob, sha256: str) -> str:
    return f"reports/{timezone.localdate():%Y/%m}/{job.kind}-{job.scope}-{job.pk}-{sha256[:12]}.pdf"


def _finish(job_id: int, *, name: str, rendered: RenderedReport) -> str:
    identity = rendered.identity
    fields: dict[str, object] = {
        "status": JobStatus.DONE,
        "file": name,
        "sha256": rendered.sha256,
        "warnings": [str(m) for m in rendered.missing_glyphs],
        "error": "",
        "finished_at": timezone.now(),
        "facts": rendered.facts or {},
        "pages": rendered.pages,
    }
    if identity is not None:
        fields |= {"number": identity.number, "verification": identity.code,
                   "generated_at": identity.generated_at, "data_as_of": identity.data_as_of}  # fmt: skip
    if rendered.cache_key:
        fields["cache_key"] = rendered.cache_key
    updated = ReportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(**fields)
    if not updated:  # someone else finished or failed it meanwhile: keep theirs, drop our copy
        default_storage.delete(name)
        return "skipped"
    _after_finish(job_id)
    return "done"


# ---- batches ----


def _batch_pending(job: ReportJob) -> bool:
    return job.batch_id is not None and (
        ReportJob.objects.filter(batch_id=job.batch_id, kind=ReportKind.VILLAGE).exclude(status__in=FINISHED).exists()
    )


def _after_finish(job_id: int) -> None:
    batch_id, kind = ReportJob.objects.filter(pk=job_id).values_list("batch_id", "kind").get()
    if batch_id and kind == ReportKind.VILLAGE:
        refresh_batch(batch_id=batch_id)


def refresh_batch(*, batch_id: int, publish_edition: bool = True) -> ReportBatch:
    """Recount done/failed from the village jobs (correct by construction, whatever ran twice); when all have
    finished, publish the edition job that merges them."""
    counts = ReportJob.objects.filter(batch_id=batch_id, kind=ReportKind.VILLAGE).aggregate(
        done=Count("pk", filter=Q(status=JobStatus.DONE)), failed=Count("pk", filter=Q(status=JobStatus.FAILED))
    )
    ReportBatch.objects.filter(pk=batch_id).update(**counts)
    batch = ReportBatch.objects.get(pk=batch_id)
    if publish_edition and batch.done + batch.failed >= batch.total:
        edition = batch.jobs.filter(kind=ReportKind.TOWNSHIP, status=JobStatus.QUEUED).values_list("pk", flat=True)
        publish_on_commit(list(edition))
    return batch


# ---- sweeper ----


def _queue_timeout_message() -> str:
    minutes = max(1, settings.REPORT_QUEUE_TIMEOUT_SECONDS // 60)
    problems = fonts.problems()
    cause = "；".join(problems) if problems else "报告 worker 可能未运行或任务已丢失，请联系管理员检查 worker"
    return f"排队超过 {minutes} 分钟仍未开始生成：{cause}。请稍后重试。"


def stuck(jobs: QuerySet[ReportJob], *, waited: int) -> QuerySet[ReportJob]:
    """QUEUED jobs that have waited more than `waited` seconds and whose turn has not come, because nothing moves
    or because the queue moved past them.

    Waiting is normal while workers are busy: a county or province batch queues thousands of villages, and the
    last of them starts long after it was queued. So a long wait alone is not a fault. A job is stuck when either
    - no report job started in the last `waited` seconds (no worker is consuming: down, or the broker lost the
      messages), or
    - a job queued more than `waited` seconds after it has already started (the queue is first in, first out, so
      its own message was lost, e.g. Redis was down when it was published).
    """
    now = timezone.now()
    since = now - dt.timedelta(seconds=waited)
    waiting = jobs.filter(status=JobStatus.QUEUED, queued_at__lt=since)
    newest_started = (
        ReportJob.objects.filter(status__in=[JobStatus.RUNNING, *FINISHED], started_at__gte=since)
        .order_by("-queued_at")
        .values_list("queued_at", flat=True)
        .first()
    )
    if newest_started is None:
        return waiting
    return waiting.filter(queued_at__lt=newest_started - dt.timedelta(seconds=waited))


def fail_overdue(jobs: QuerySet[ReportJob]) -> int:
    """Fail jobs stuck (see `stuck`) for more than REPORT_QUEUE_TIMEOUT_SECONDS (an edition waiting for its
    villages is not overdue while they are). Returns how many failed."""
    failed = 0
    for job in stuck(jobs, waited=settings.REPORT_QUEUE_TIMEOUT_SECONDS).select_related("batch"):
        if job.kind == ReportKind.TOWNSHIP and _batch_pending(job):
            continue
        _fail(job.pk, _queue_timeout_message(), only_from=(JobStatus.QUEUED,))
        failed += 1
    return failed


def nudge(*, job: ReportJob) -> None:
    """Publish again what a watched job waits for when it has been queued too long (the sweeper does this for
    every job; this makes a page left open recover by itself, e.g. after a restart of the in-process runner).
    A job (or a village of its batch) queued past REPORT_QUEUE_TIMEOUT_SECONDS fails with the reason instead."""
    if not stuck(ReportJob.objects.filter(pk=job.pk), waited=settings.REPORT_REQUEUE_AFTER_SECONDS).exists():
        return
    scope = ReportJob.objects.filter(Q(pk=job.pk) | Q(batch_id=job.batch_id, kind=ReportKind.VILLAGE))
    if fail_overdue(scope if job.batch_id else ReportJob.objects.filter(pk=job.pk)):
        job.refresh_from_db()
        if job.status != JobStatus.QUEUED:
            return
    if job.kind == ReportKind.TOWNSHIP and job.batch is not None and _batch_pending(job):
        publish(job.batch.jobs.filter(kind=ReportKind.VILLAGE, status=JobStatus.QUEUED).values_list("pk", flat=True))
    else:
        publish([job.pk])


def sweep_report_jobs(*, queued_for: int | None = None) -> dict[str, int]:
    """Repair what crashes and outages leave behind; safe to run any time, from anywhere, concurrently.

    - RUNNING past its lease: re-queued (its worker died) or, after MAX_ATTEMPTS, failed as a poison job;
    - stuck (`stuck`: waiting more than `queued_for` seconds, REPORT_REQUEUE_AFTER_SECONDS, with nothing moving
      or with the queue moved past it): published again (the broker was down at creation, or the message was
      lost). Duplicates are harmless: a job is claimed once. A job merely waiting its turn behind a long batch is
      left alone.
    """
    now = timezone.now()
    queued_for = settings.REPORT_REQUEUE_AFTER_SECONDS if queued_for is None else queued_for
    overdue = fail_overdue(ReportJob.objects.all())
    stale = ReportJob.objects.filter(
        status=JobStatus.RUNNING, started_at__lt=now - dt.timedelta(seconds=lease_seconds())
    )
    poisoned = 0
    for job_id in stale.filter(attempts__gte=MAX_ATTEMPTS).values_list("pk", flat=True):
        _fail(job_id, f"生成超过时限或进程中断已达 {MAX_ATTEMPTS} 次，已停止重试。")
        poisoned += 1
    requeue = list(stale.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True))
    requeued = ReportJob.objects.filter(pk__in=requeue, status=JobStatus.RUNNING).update(
        status=JobStatus.QUEUED, queued_at=now
    )
    waiting_editions = ReportJob.objects.filter(
        kind=ReportKind.TOWNSHIP,
        batch__jobs__status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
        batch__jobs__kind=ReportKind.VILLAGE,
    )
    old = stuck(ReportJob.objects.all(), waited=queued_for).exclude(pk__in=waiting_editions.values("pk"))
    ids = requeue + list(old.values_list("pk", flat=True)[:500])
    failed = publish(ids)
    return {
        "poisoned": poisoned,
        "requeued": requeued,
        "published": len(ids) - len(failed),
        "unpublished": len(failed),
        "overdue": overdue,
    }
