"""Celery entry points of the risk work queue: a write's re-evaluation after commit, and the daily full pass.

Where a write's evaluation runs is decided once, here (`dispatch`, registered as villages' risk dispatcher by
`TasksConfig.ready()`; villages/signals.py hands it what each committed transaction touched):
- a roster change → `evaluate_villages(ids)`: only the villages it touched;
- a county's rule value → `evaluate_county(county_id)`: that county's villages, one task per county;
- a city default rule value → `recompute_all_risks()`: the whole city.
With settings.RISK_RUNNER "celery" (a broker is configured) the tasks go to the workers and the request returns
without evaluating; if publishing fails (Redis down) the work is evaluated in the request instead, with a warning,
and a failure of that evaluation is logged, never raised: a write never fails because of the risk queue. With
"sync" (no broker: `make run`, the tests) the tasks run in-process right after the commit.

The calendar moves on its own (a talk falls due, a reserve turns 36 or 46, a vacancy grows past 90 days), so the
daily `recompute_all_risks` (Celery beat) brings the whole work queue up to date even when no data changed; it is
also the safety net for any evaluation lost (a worker that never came back). Every task is thin and idempotent,
takes ids, and re-reads the data: the work is `villages.risk.recompute_risks` (which re-checks reserves'
eligibility first, reserves/standing.py, and locks the villages it evaluates, so two tasks for one village never
write its risks twice).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task
from django.conf import settings

from villages.models import Village
from villages.risk import RecomputeSummary, recompute_risks
from villages.signals import RiskWork

log = logging.getLogger(__name__)

RECOMPUTE_RISKS = "tasks.risk_tasks.recompute_all_risks"
EVALUATE_VILLAGES = "tasks.risk_tasks.evaluate_villages"
EVALUATE_COUNTY = "tasks.risk_tasks.evaluate_county"


def _counts(summary: RecomputeSummary) -> dict[str, int]:
    return {"created": summary.created, "updated": summary.updated, "closed": summary.closed}


@shared_task(name=RECOMPUTE_RISKS, acks_late=True)
def recompute_all_risks() -> dict[str, int]:
    return _counts(recompute_risks())


@shared_task(name=EVALUATE_VILLAGES, acks_late=True)
def evaluate_villages(village_ids: list[int]) -> dict[str, int]:
    return _counts(recompute_risks(villages=Village.objects.filter(pk__in=village_ids)))


@shared_task(name=EVALUATE_COUNTY, acks_late=True)
def evaluate_county(county_id: int) -> dict[str, int]:
    return _counts(recompute_risks(villages=Village.objects.filter(township__county_id=county_id)))


def tasks_for(work: RiskWork) -> list[tuple[Task, tuple[Any, ...]]]:
    """The tasks (and their arguments) that re-evaluate what a transaction touched."""
    if work.city:
        return [(recompute_all_risks, ())]
    calls: list[tuple[Task, tuple[Any, ...]]] = [(evaluate_county, (pk,)) for pk in sorted(work.counties)]
    if work.villages:
        calls.append((evaluate_villages, (sorted(work.villages),)))
    return calls


def dispatch(work: RiskWork) -> None:
    """Run after commit (villages/signals.py): publish the work's tasks, or run them here (see the module doc)."""
    for task, args in tasks_for(work):
        if settings.RISK_RUNNER != "celery":
            task(*args)  # in-process: an error surfaces as it did when the request evaluated
            continue
        try:
            # Fail fast (no connection retries): the request must not hang while the broker is down.
            task.apply_async(args=args, retry=True, retry_policy={"max_retries": 0})
        except Exception as exc:  # kombu raises several types for an unreachable broker
            log.warning("risk evaluation %s%s runs in the request: broker unavailable (%s)", task.name, args, exc)
            try:
                task(*args)
            except Exception:
                log.exception("risk evaluation %s%s failed; the daily recompute will catch up", task.name, args)
