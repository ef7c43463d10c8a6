"""Keep the report cache honest: every write that can change what a village's report prints raises that
village's data version (tasks/reports/versions.py), in the writer's own transaction.

The roster writes (people, posts, assessments, reserves, villages; the workbook importer's bulk writes) are
announced by `villages.signals.villages_changed`, the same hook that schedules the risk recompute. The report
also prints things the risk rules never read: reserve measures and training, 社 (groups), merged predecessor
villages, a mentor's name, and (the county list's 后备队伍 section, tasks/reports/pool_section.py) the talent pool
and the elections behind the pool → 两委 conversion. Those models are watched here. Rule values are not a data
version: report keys hold the rule values in force themselves.
"""

from __future__ import annotations

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from reserves.models import DevelopmentMeasure, Election, ElectionResult, Enrollment, Reserve, Talent, TrainingClass
from tasks.reports.versions import bump
from villages.models import Group, Person, PredecessorVillage
from villages.risk import signals_are_paused
from villages.signals import villages_changed


@receiver(villages_changed, dispatch_uid="report_versions_villages")
def villages_changed_bump(sender: object, village_ids: set[int], **kwargs: object) -> None:
    bump(village_ids)


@receiver([post_save, post_delete], sender=Group, dispatch_uid="report_versions_group")
@receiver([post_save, post_delete], sender=PredecessorVillage, dispatch_uid="report_versions_predecessor")
@receiver([post_save, post_delete], sender=Talent, dispatch_uid="report_versions_talent")
@receiver([post_save, post_delete], sender=Election, dispatch_uid="report_versions_election")
def village_part_changed(
    sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: object
) -> None:
    if not raw and not signals_are_paused():
        bump({instance.village_id})  # type: ignore[attr-defined]


@receiver([post_save, post_delete], sender=DevelopmentMeasure, dispatch_uid="report_versions_measure")
def measure_changed(
    sender: type[models.Model], instance: DevelopmentMeasure, raw: bool = False, **kwargs: object
) -> None:
    if not raw and not signals_are_paused():
        bump(set(Reserve.objects.filter(pk=instance.reserve_id).values_list("village_id", flat=True)))


@receiver([post_save, post_delete], sender=Enrollment, dispatch_uid="report_versions_enrollment")
def enrollment_changed(sender: type[models.Model], instance: Enrollment, raw: bool = False, **kwargs: object) -> None:
    if not raw and not signals_are_paused():
        bump(set(Reserve.objects.filter(person_id=instance.person_id).values_list("village_id", flat=True)))


@receiver(post_save, sender=TrainingClass, dispatch_uid="report_versions_class")
def training_class_changed(
    sender: type[models.Model], instance: TrainingClass, raw: bool = False, **kwargs: object
) -> None:
    if not raw and not signals_are_paused():
        trainees = Enrollment.objects.filter(training_class=instance).values("person_id")
        bump(set(Reserve.objects.filter(person_id__in=trainees).values_list("village_id", flat=True)))


@receiver(post_save, sender=Person, dispatch_uid="report_versions_mentor")
def mentor_changed(sender: type[models.Model], instance: Person, raw: bool = False, **kwargs: object) -> None:
    """A mentor's name is printed in the reports of the villages whose reserves they mentor."""
    if not raw and not signals_are_paused():
        bump(set(Reserve.objects.filter(mentor=instance).values_list("village_id", flat=True)))


@receiver([post_save, post_delete], sender=ElectionResult, dispatch_uid="report_versions_result")
def result_changed(sender: type[models.Model], instance: ElectionResult, raw: bool = False, **kwargs: object) -> None:
    if not raw and not signals_are_paused():
        bump(set(Election.objects.filter(pk=instance.election_id).values_list("village_id", flat=True)))
