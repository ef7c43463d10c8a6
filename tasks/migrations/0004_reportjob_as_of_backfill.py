"""Report jobs always record the date they are computed for (docs/api.md `reports/`: `as_of` never null).

Jobs created before that rule have none: they were computed on the roster of the day they were requested, so that
day (local time) is what they get. New jobs get theirs from tasks.reports.jobs.create_report_job.
"""

from django.db import migrations
from django.utils import timezone


def backfill_as_of(apps, schema_editor):
    ReportJob = apps.get_model("tasks", "ReportJob")
    ReportBatch = apps.get_model("tasks", "ReportBatch")
    for job in ReportJob.objects.filter(as_of__isnull=True).only("pk", "created_at", "batch_id").iterator():
        batch_as_of = ReportBatch.objects.filter(pk=job.batch_id).values_list("as_of", flat=True).first()
        as_of = batch_as_of or timezone.localdate(job.created_at)
        ReportJob.objects.filter(pk=job.pk).update(as_of=as_of)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0003_reportjob_run_state")]

    operations = [migrations.RunPython(backfill_as_of, migrations.RunPython.noop)]
