"""Keep the bench current: training, 学历提升 and talks schedule the risk recompute of the reserves' villages.

The recompute (villages/signals.py, on commit) first re-evaluates the reserves' eligibility (reserves/standing.py)
and then finds missing mentors and overdue talks (reserves/mentoring.py). Person, reserve and rule-value changes are
already watched by villages/signals.py; this module adds what only the reserves app knows about.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from reserves.education import follow_enrollment
from reserves.models import EducationProgramme, Enrollment, Placement, Reserve, Talk
from villages.signals import schedule_recompute


def _reserve_villages(person_id: int) -> set[int]:
    return set(Reserve.objects.filter(person_id=person_id).values_list("village_id", flat=True))


def enrollment_changed(sender: type, instance: Enrollment, raw: bool = False, **kwargs: Any) -> None:
    """A trainee's status changed (dropped out, completed): a linked programme follows; eligibility is re-checked."""
    if raw:
        return
    if kwargs.get("signal") is post_save:
        follow_enrollment(enrollment=instance)
    schedule_recompute(_reserve_villages(instance.person_id))


def programme_changed(sender: type, instance: EducationProgramme, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        schedule_recompute(_reserve_villages(instance.person_id))


def reserve_child_changed(sender: type, instance: Talk | Placement, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        schedule_recompute({instance.reserve.village_id})


def connect() -> None:
    """Called once by ReservesConfig.ready()."""
    for signal in (post_save, post_delete):
        signal.connect(enrollment_changed, sender=Enrollment, dispatch_uid=f"bench_enrollment_{signal}")
        signal.connect(programme_changed, sender=EducationProgramme, dispatch_uid=f"bench_programme_{signal}")
        signal.connect(reserve_child_changed, sender=Talk, dispatch_uid=f"bench_talk_{signal}")
        signal.connect(reserve_child_changed, sender=Placement, dispatch_uid=f"bench_placement_{signal}")
