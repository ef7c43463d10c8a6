"""Where each trainee of a class is now: their current posts and reserve entries (a class page's rows)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from reserves.choices import ReserveStatus
from reserves.models import Enrollment, Reserve, TrainingClass
from villages.models import Person, PostAssignment


@dataclass
class TraineeRow:
    enrollment: Enrollment
    posts: list[PostAssignment] = field(default_factory=list)
    reserves: list[Reserve] = field(default_factory=list)

    @property
    def person(self) -> Person:
        return self.enrollment.person


def trainee_rows(*, training_class: TrainingClass, people: QuerySet[Person]) -> list[TraineeRow]:
    """The class's trainees among `people` (the user's scope) with current posts and reserve entries.

    Four queries, whatever the class size.
    """
    # Scope only the class's own trainees (the scope's EXISTS checks then run for a class, not a county).
    enrolled = training_class.enrollments.order_by().values("person_id")
    visible = people.filter(pk__in=enrolled).order_by().values("pk")
    enrollments = list(
        training_class.enrollments.filter(person_id__in=list(visible.values_list("pk", flat=True))).select_related(
            "person__home_village__township"
        )
    )
    person_ids = [e.person_id for e in enrollments]
    posts: dict[int, list[PostAssignment]] = defaultdict(list)
    for post in PostAssignment.objects.filter(person_id__in=person_ids).current().select_related("village", "group"):
        posts[post.person_id].append(post)
    reserves: dict[int, list[Reserve]] = defaultdict(list)
    entries = Reserve.objects.filter(person_id__in=person_ids, status=ReserveStatus.ACTIVE).select_related("village")
    for reserve in entries:
        reserves[reserve.person_id].append(reserve)
    return [TraineeRow(e, posts[e.person_id], reserves[e.person_id]) for e in enrollments]
