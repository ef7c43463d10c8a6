"""ReportJob.queued_at: when a job last entered the queue (the sweeper judges waiting jobs by it). Existing jobs
entered it when they were created. The UPDATE comes last: no DDL after it in this transaction (PostgreSQL)."""

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0005_report_identity_and_versions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='reportjob',
            name='queued_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddIndex(
            model_name='reportjob',
            index=models.Index(fields=['status', 'queued_at'], name='tasks_repor_status_ca1b47_idx'),
        ),
        migrations.RunSQL("UPDATE tasks_reportjob SET queued_at = created_at", migrations.RunSQL.noop),
    ]
