"""Celery entry point for roster imports: thin, takes the ImportJob id, idempotent (see tasks.imports)."""

from celery import shared_task

from tasks.imports import RUN_ROSTER_IMPORT, run_import_job


@shared_task(name=RUN_ROSTER_IMPORT, ignore_result=True)
def run_roster_import(job_id: int) -> None:
    """Preview or apply one roster import; a redelivered job that already finished does nothing."""
    run_import_job(job_id=job_id)
