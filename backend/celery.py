"""The Celery application. Workers: `celery -A backend worker`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["tasks"], related_name="import_tasks")
app.autodiscover_tasks(["tasks"], related_name="report_tasks")
app.autodiscover_tasks(["tasks"], related_name="risk_tasks")
