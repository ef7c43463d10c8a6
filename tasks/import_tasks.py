"""Celery entry point for roster imports: thin, takes the ImportJob id, idempotent (see villages.workbook.jobs)."""

from celery import shared_task


@shared_task(name="tasks.run_roster_import", ignore_result=True)
def run_roster_import(job_id: int) -> None:
    """Preview or apply one roster import; a redelivered job that already finished does nothing."""
    from villages.workbook.jobs import run_import_job

    run_import_job(job_id=job_id)
