"""Running a roster import as an `ImportJob`: preview first (dry run), then apply once the user confirms.

Small files (at most `settings.ROSTER_IMPORT_INLINE_MAX_ROWS` rows) run inside the request; larger ones on a
Celery worker (`tasks.import_tasks.run_roster_import`), reporting progress on the job every
`importer.PROGRESS_EVERY` rows so the page can poll it. Confirming re-reads the stored file and plans again
against the current data before applying, so what is written is never older than the confirmation.
"""

from __future__ import annotations

import logging
from zipfile import BadZipFile

from celery import current_app
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from openpyxl.utils.exceptions import InvalidFileException

from tasks.models import ImportJob, JobStatus
from villages.models import Township, User
from villages.workbook.importer import StaleImportError, apply_import, plan_import
from villages.workbook.reader import count_data_rows, read_roster

logger = logging.getLogger(__name__)
RUN_ROSTER_IMPORT = "tasks.import_tasks.run_roster_import"  # the Celery task name: routed to the imports queue
UNREADABLE = "文件无法读取：请上传 Excel 2007 及以上版本的 .xlsx 文件"


def start_import_job(*, township: Township, upload: UploadedFile, user: User) -> ImportJob:
    """Store the upload (Django storage) as a dry-run job and start its preview."""
    try:
        rows = count_data_rows(upload)
    except (BadZipFile, InvalidFileException, OSError):
        rows = 0
    upload.seek(0)
    job = ImportJob.objects.create(
        township_code=township.code,
        file=upload,
        original_name=(upload.name or "")[:255],
        dry_run=True,
        total_rows=rows or 0,
        created_by=user,
    )
    _dispatch(job, rows=rows)
    return job


def confirm_import_job(*, job: ImportJob) -> bool:
    """Turn a valid, finished preview into the real import; False if it was already confirmed or is not valid."""
    if not job.summary.get("valid"):
        return False
    confirmed = ImportJob.objects.filter(pk=job.pk, status=JobStatus.DONE, dry_run=True).update(
        dry_run=False, status=JobStatus.QUEUED, processed_rows=0, finished_at=None
    )
    if confirmed:
        job.refresh_from_db()
        _dispatch(job, rows=job.total_rows)
    return bool(confirmed)


def _dispatch(job: ImportJob, *, rows: int | None) -> None:
    if rows is not None and rows <= settings.ROSTER_IMPORT_INLINE_MAX_ROWS:
        run_import_job(job_id=job.pk)
        return
    # By name: the Celery entry point (tasks.import_tasks) imports this module, not the other way round.
    task = current_app.signature(RUN_ROSTER_IMPORT, args=(job.pk,))
    transaction.on_commit(task.delay)


def run_import_job(*, job_id: int) -> ImportJob:
    """Plan the job's file (and apply it when the job is confirmed); idempotent: a finished job is left alone.

    Failures are recorded on the job (status failed, error for the user) rather than raised: the page shows them.
    """
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, processed_rows=0)
    try:
        job.summary = _run(job)
        job.status, job.error = JobStatus.DONE, ""
    except (BadZipFile, InvalidFileException) as error:
        logger.info("roster import %s unreadable: %r", job.pk, error)
        job.status, job.error = JobStatus.FAILED, UNREADABLE
    except StaleImportError as error:
        job.status, job.error = JobStatus.FAILED, str(error)
    except Exception as error:
        logger.exception("roster import %s failed", job.pk)
        job.status, job.error = JobStatus.FAILED, f"导入失败：{error}"
    job.finished_at = timezone.now()
    job.save(update_fields=["summary", "status", "error", "finished_at", "processed_rows", "total_rows"])
    return job


def _run(job: ImportJob) -> dict:
    township = Township.objects.get(code=job.township_code)
    with job.file.open("rb") as handle:
        sheet = read_roster(handle)
    job.total_rows = len(sheet.rows)

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, total_rows=total)

    plan = plan_import(sheet=sheet, township=township, user=job.created_by, progress=progress)
    job.processed_rows = len(sheet.rows)
    summary = plan.summary() | {"applied": False}
    if not job.dry_run and plan.is_valid:
        apply_import(plan)
        summary["applied"] = True
    return summary


PREVIEW_ROWS = 1000


def preview(job: ImportJob) -> dict:
    """What the job page shows: counts, every problem, and the rows that change (at most PREVIEW_ROWS)."""
    summary = job.summary or {}
    changing = [row for row in summary.get("rows", []) if row["action"] != "unchanged"]
    return {
        "counts": summary.get("counts", {}),
        "problems": summary.get("problems", []),
        "rows": changing[:PREVIEW_ROWS],
        "rows_cut": max(len(changing) - PREVIEW_ROWS, 0),
        "valid": summary.get("valid", False),
        "applied": summary.get("applied", False),
        "assessment_year": summary.get("assessment_year"),
        "percent": int(100 * job.processed_rows / job.total_rows) if job.total_rows else 0,
    }
