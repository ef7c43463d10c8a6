"""`manage.py recompute_risks`: bring the whole risk work queue (and every reserve's eligibility) up to date.

Run it after deploying a change of the rules' code (or the migration that added `Reserve.eligible`), or from cron
where no Celery beat runs (the daily task `tasks.risk_tasks.recompute_all_risks` does the same)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from villages.risk import recompute_risks


class Command(BaseCommand):
    help = "Recompute every village's risks (re-checking reserves' eligibility first)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        summary = recompute_risks()
        self.stdout.write(
            f"risks: created {summary.created}, updated {summary.updated}, closed {summary.closed}, "
            f"reopened {summary.reopened} in {time.perf_counter() - started:.1f} s"
        )
