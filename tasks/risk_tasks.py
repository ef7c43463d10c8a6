"""Celery entry point for the daily risk recompute: the calendar moves on its own (a talk falls due, a reserve
turns 36 or 46, a vacancy grows past 90 days), so the work queue is brought up to date once a day even when no data
changed. Thin and idempotent; the work is `villages.risk.recompute_risks` (which re-checks reserves' eligibility
first, reserves/standing.py)."""

from __future__ import annotations

from celery import shared_task

from villages.risk import recompute_risks

RECOMPUTE_RISKS = "tasks.risk_tasks.recompute_all_risks"


@shared_task(name=RECOMPUTE_RISKS, acks_late=True)
def recompute_all_risks() -> dict[str, int]:
    summary = recompute_risks()
    return {"created": summary.created, "updated": summary.updated, "closed": summary.closed}
