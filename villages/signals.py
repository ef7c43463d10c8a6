"""Keep the Risk work queue current: roster and rule changes schedule a re-evaluation of the affected villages.

What a transaction touched is gathered here (`schedule_recompute` for villages, `schedule_rule_recompute` for a
county's or the city's rule values) and handed over once, after it commits, as one `RiskWork` to the risk
dispatcher: the one place that decides where the evaluation runs. The tasks app registers its dispatcher
(`tasks.risk_tasks.dispatch`, from `TasksConfig.ready()`): Celery tasks on the `risk` queue when a broker is
configured (settings.RISK_RUNNER "celery"), else in-process right after the commit ("sync": `make run`, tests).
Without a registered dispatcher the work is evaluated inline here. Bulk loaders (seed_demo, fixtures with raw=True)
are skipped: wrap them in `villages.risk.signals_paused()` and call `recompute_risks()` once at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from villages import risk
from villages.models import Assessment, Person, PostAssignment, Relative, RuleValue, Village

_pending = threading.local()
# Sent at once (inside the writer's transaction) with the ids of the villages whose data a write changed; the
# report cache (tasks/receivers.py) raises their data versions. Rule changes are not sent: reports key on the rule
# values themselves.
villages_changed = Signal()


@dataclass(frozen=True)
class RiskWork:
    """What one committed transaction asks the risk engine to re-evaluate: the whole city (a city default rule
    changed), whole counties (a county's rule changed) and single villages (their data changed)."""

    city: bool = False
    counties: frozenset[int] = field(default_factory=frozenset)
    villages: frozenset[int] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return self.city or bool(self.counties or self.villages)


def evaluate_inline(work: RiskWork) -> None:
    """The evaluation without a dispatcher: the work's villages in this process, now."""
    if work.city:
        risk.recompute_risks()
        return
    for county_id in sorted(work.counties):
        risk.recompute_risks(villages=Village.objects.filter(township__county_id=county_id))
    if work.villages:
        risk.recompute_risks(villages=Village.objects.filter(pk__in=work.villages))


RiskDispatcher = Callable[[RiskWork], object]
_dispatcher: list[RiskDispatcher] = [evaluate_inline]


def register_risk_dispatcher(dispatcher: RiskDispatcher) -> None:
    """The app above that runs background work (tasks) sets where the evaluation runs, from AppConfig.ready()."""
    _dispatcher[0] = dispatcher


def schedule_recompute(village_ids: set[int]) -> None:
    """Re-evaluate the villages after the current transaction commits; merges with earlier requests of the same
    transaction.

    Also announces the changed villages (`villages_changed`), even while the recompute is paused: a bulk loader
    that asks for a recompute of what it wrote has changed those villages."""
    ids = {i for i in village_ids if i}
    villages_changed.send(sender=schedule_recompute, village_ids=ids)
    _schedule(villages=ids)


def schedule_rule_recompute(county_id: int | None) -> None:
    """A rule value changed: a county's re-evaluates that county's villages, a city default (None) every county's
    (some may have their own value)."""
    if county_id is None:
        _schedule(city=True)
    else:
        _schedule(counties={county_id})


def _schedule(*, city: bool = False, counties: set[int] | None = None, villages: set[int] | None = None) -> None:
    if risk.signals_are_paused():
        return
    pending: dict[str, Any] = _pending.__dict__  # this thread's work not yet handed over
    pending["city"] = pending.get("city", False) or city
    pending.setdefault("counties", set()).update(counties or ())
    pending.setdefault("villages", set()).update(villages or ())
    # One callback per call; only the first to run finds work (the state is shared), so a rolled-back transaction
    # that dropped its callbacks leaves nothing stuck: the next commit flushes it too.
    transaction.on_commit(_flush)


def _flush() -> None:
    pending: dict[str, Any] = _pending.__dict__
    work = RiskWork(
        city=pending.pop("city", False),
        counties=frozenset(pending.pop("counties", ())),
        villages=frozenset(pending.pop("villages", ())),
    )
    if work:
        _dispatcher[0](work)


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
    if not raw:
        schedule_rule_recompute(instance.county_id)
