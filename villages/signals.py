"""Keep the Risk work queue current: roster and rule changes schedule a recompute of the affected villages.

The recompute runs once per transaction (transaction.on_commit) over every village touched in it, so a request
that saves many rows recomputes once. Bulk loaders (seed_demo, fixtures with raw=True) are skipped: wrap them in
`villages.risk.signals_paused()` and call `recompute_risks()` once at the end.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from villages import risk
from villages.models import Assessment, Person, PostAssignment, Relative, RuleValue, Village

ALL = "all"
_pending = threading.local()
# Sent at once (inside the writer's transaction) with the ids of the villages whose data a write changed; the
# report cache (tasks/receivers.py) raises their data versions. Rule changes (ALL) are not sent: reports key
# on the rule values themselves.
villages_changed = Signal()


def schedule_recompute(village_ids: set[int] | str) -> None:
    """Recompute the villages (or ALL) after the current transaction commits; merges with earlier requests.

    Also announces the changed villages (`villages_changed`), even while the recompute is paused: a bulk loader
    that asks for a recompute of what it wrote has changed those villages."""
    if village_ids != ALL:
        villages_changed.send(sender=schedule_recompute, village_ids={i for i in village_ids if i})
    if risk.signals_are_paused():
        return
    ids = getattr(_pending, "ids", None)
    if ids is None:
        ids = _pending.ids = set()
    if village_ids == ALL:
        ids.add(ALL)
    else:
        ids.update(i for i in village_ids if i)
    # One callback per call; only the first to run finds work (the set is shared), so a rolled-back transaction
    # that dropped its callbacks leaves nothing stuck: the next commit flushes it too.
    transaction.on_commit(_flush)


def _flush() -> None:
    ids = getattr(_pending, "ids", None)
    if not ids:
        return
    _pending.ids = set()
    villages = None if ALL in ids else Village.objects.filter(pk__in=ids)
    risk.recompute_risks(villages=villages)


class InVillage(Protocol):
    village_id: int


def _villages_of_person(person_id: int, home_village_id: int | None) -> set[int]:
    posts = PostAssignment.objects.filter(person_id=person_id).values_list("village_id", flat=True)
    reserves = Village.objects.filter(reserves__person_id=person_id).values_list("pk", flat=True)
    return {pk for pk in (home_village_id, *posts, *reserves) if pk is not None}


@receiver([post_save, post_delete], sender=Person, dispatch_uid="risk_person")
def person_changed(sender, instance: Person, raw: bool = False, **kwargs) -> None:
    if not raw and not risk.signals_are_paused():
        schedule_recompute(_villages_of_person(instance.pk, instance.home_village_id))


@receiver([post_save, post_delete], sender=Assessment, dispatch_uid="risk_assessment")
def assessment_changed(sender, instance: Assessment, raw: bool = False, **kwargs) -> None:
    if not raw and not risk.signals_are_paused():
        schedule_recompute(
            set(PostAssignment.objects.filter(person_id=instance.person_id).values_list("village_id", flat=True))
        )


@receiver([post_save, post_delete], sender=Relative, dispatch_uid="risk_relative")
def relative_changed(sender, instance: Relative, raw: bool = False, **kwargs) -> None:
    """The 监委会 near-relative rule reads relatives: recompute where either of the two holds a post."""
    if not raw and not risk.signals_are_paused():
        people = {pk for pk in (instance.person_id, instance.relative_id) if pk is not None}
        held = PostAssignment.objects.filter(person_id__in=people).values_list("village_id", flat=True)
        schedule_recompute(set(held))


@receiver([post_save, post_delete], sender=PostAssignment, dispatch_uid="risk_post")
# The reserves app sits above this one: its model is named lazily, never imported.
@receiver([post_save, post_delete], sender="reserves.Reserve", dispatch_uid="risk_reserve")
def village_row_changed(sender: type[models.Model], instance: InVillage, raw: bool = False, **kwargs: Any) -> None:
    """A post or a reserve changed (the reserves app's model is known here only by its `village_id`)."""
    if not raw:
        schedule_recompute({instance.village_id})


@receiver(post_save, sender=Village, dispatch_uid="risk_village")
def village_changed(sender, instance: Village, raw: bool = False, **kwargs) -> None:
    if not raw:
        schedule_recompute({instance.pk})


@receiver([post_save, post_delete], sender=RuleValue, dispatch_uid="risk_rule_value")
def rule_value_changed(sender, instance: RuleValue, raw: bool = False, **kwargs) -> None:
    """A county's value changes that county; a city default changes every county (some may have their own)."""
    if raw:
        return
    if instance.county_id is None:
        schedule_recompute(ALL)
    else:
        schedule_recompute(
            set(Village.objects.filter(township__county_id=instance.county_id).values_list("pk", flat=True))
        )
