"""Keep the risk work queue in step with reviews: a change schedules a recompute of the village concerned
(the review's findings come from reserves/reviews/queue.py through the risk engine's finder registry)."""

from __future__ import annotations

from django.db import models
from django.db.models.signals import post_delete, post_save

from reserves.models import NegativeListItem, NegativeRecord, Review, ReviewDepartmentList, ReviewOpinion
from villages.signals import schedule_recompute, schedule_rule_recompute


def review_changed(sender: type[models.Model], instance: Review, raw: bool = False, **kwargs: object) -> None:
    if not raw:
        schedule_recompute({instance.village_id})


def opinion_changed(sender: type[models.Model], instance: ReviewOpinion, raw: bool = False, **kwargs: object) -> None:
    if not raw:
        schedule_recompute(set(Review.objects.filter(pk=instance.review_id).values_list("village_id", flat=True)))


def record_changed(sender: type[models.Model], instance: NegativeRecord, raw: bool = False, **kwargs: object) -> None:
    if not raw:
        reviews = Review.objects.filter(person_id=instance.person_id).values_list("village_id", flat=True)
        schedule_recompute(set(reviews))


def county_rule_changed(
    sender: type[models.Model], instance: NegativeListItem | ReviewDepartmentList, raw: bool = False, **kwargs: object
) -> None:
    if not raw:
        schedule_rule_recompute(instance.county_id)


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(review_changed, sender=Review, dispatch_uid=f"review_{signal}")
        signal.connect(opinion_changed, sender=ReviewOpinion, dispatch_uid=f"review_opinion_{signal}")
        signal.connect(record_changed, sender=NegativeRecord, dispatch_uid=f"negative_record_{signal}")
        for model in (NegativeListItem, ReviewDepartmentList):
            signal.connect(county_rule_changed, sender=model, dispatch_uid=f"review_rules_{model.__name__}_{signal}")
