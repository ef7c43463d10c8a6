"""Keep the risk list current with the work after an election: a filing, a follow-up step or a mid-term change
saved or deleted schedules its village's recompute (villages/signals.py, on commit), which re-reads
reserves/after_risks.py."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from reserves.models import Filing, MidTermChange, PostElectionTask
from villages.signals import schedule_recompute


def village_work_changed(
    sender: type, instance: Filing | PostElectionTask | MidTermChange, raw: bool = False, **kwargs: Any
) -> None:
    if not raw:
        schedule_recompute({instance.village_id})


def connect() -> None:
    """Called once by ReservesConfig.ready()."""
    for signal in (post_save, post_delete):
        for model in (Filing, PostElectionTask, MidTermChange):
            signal.connect(village_work_changed, sender=model, dispatch_uid=f"after_{model.__name__}_{signal}")
