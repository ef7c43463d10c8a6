"""The reserve list of a township, a county or the city: reserves with their eligibility and training.

Contract:
- `with_training(reserves)` annotates each reserve with `trained` (the person completed a training class) and
  `in_class` (the person is enrolled in one now); `training_status` reads them (TrainingStatus values).
- `reserve_rows(reserves)` loads the reserves (already scoped and filtered by the caller) with their people,
  villages and mentors, and checks each one's eligibility with `reserves.eligibility.check_eligibility` on the
  village's reference date and the county's rules (one RuleBook: no query per county or date). Two queries
  (the reserves, the rule values) whatever the number of rows.
- `filter_eligibility(rows, status)` keeps the rows whose eligibility is `status` (EligibilityStatus values).
  Eligibility depends on dated per-county rules and each village's reference date, so it is judged in Python
  by the one rule function, never re-stated in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet

from reserves.choices import EnrollmentStatus
from reserves.eligibility import Eligibility, check_eligibility
from reserves.models import Enrollment, Reserve
from villages.risk import reference_date
from villages.rules import RuleBook


class EligibilityStatus(models.TextChoices):
    ELIGIBLE = "eligible", "符合"
    RELAXED = "relaxed", "放宽"
    INELIGIBLE = "ineligible", "不符合"


class TrainingStatus(models.TextChoices):
    COMPLETED = "completed", "已结业"
    ENROLLED = "enrolled", "在读"
    NONE = "none", "未参训"


def eligibility_status(eligibility: Eligibility) -> str:
    if not eligibility.eligible:
        return EligibilityStatus.INELIGIBLE
    return EligibilityStatus.RELAXED if eligibility.relaxed else EligibilityStatus.ELIGIBLE


def with_training(reserves: QuerySet[Reserve]) -> QuerySet[Reserve]:
    """Annotate `trained` (completed any class) and `in_class` (enrolled in one now) per reserve's person."""
    enrolments = Enrollment.objects.filter(person=OuterRef("person_id"))
    return reserves.annotate(
        trained=Exists(enrolments.filter(status=EnrollmentStatus.COMPLETED)),
        in_class=Exists(enrolments.filter(status=EnrollmentStatus.ENROLLED)),
    )


def filter_training(reserves: QuerySet[Reserve], status: str) -> QuerySet[Reserve]:
    """Reserves (annotated by `with_training`) whose training status is `status`."""
    # Q(): the annotations are not model fields, which the type checker's lookup check cannot know.
    if status == TrainingStatus.COMPLETED:
        return reserves.filter(Q(trained=True))
    if status == TrainingStatus.ENROLLED:
        return reserves.filter(Q(trained=False, in_class=True))
    return reserves.filter(Q(trained=False, in_class=False))


def training_status(reserve: Reserve) -> str:
    if getattr(reserve, "trained", False):
        return TrainingStatus.COMPLETED
    return TrainingStatus.ENROLLED if getattr(reserve, "in_class", False) else TrainingStatus.NONE


@dataclass(frozen=True)
class ReserveRow:
    reserve: Reserve
    eligibility: Eligibility
    on: dt.date  # the village's reference date: age and eligibility are judged on it

    @property
    def age(self) -> int:
        return self.reserve.person.age_on(self.on)

    @property
    def eligibility_status(self) -> str:
        return eligibility_status(self.eligibility)

    @property
    def eligibility_label(self) -> str:
        return EligibilityStatus(self.eligibility_status).label

    @property
    def training_status(self) -> str:
        return training_status(self.reserve)

    @property
    def training_label(self) -> str:
        return TrainingStatus(self.training_status).label


def reserve_rows(reserves: Iterable[Reserve], *, book: RuleBook | None = None) -> list[ReserveRow]:
    """Rows with eligibility for reserves loaded with `person`, `mentor` and `village__township__county`."""
    book = book or RuleBook.load()
    rows = []
    for reserve in reserves:
        village = reserve.village
        on = reference_date(village)
        rules = book.rules(county_id=village.township.county_id, on=on)
        eligibility = check_eligibility(person=reserve.person, village=village, on=on, rules=rules)
        rows.append(ReserveRow(reserve, eligibility, on))
    return rows


def loaded(reserves: QuerySet[Reserve]) -> QuerySet[Reserve]:
    """What a row shows, in the same query: person, mentor, village with township and county."""
    return reserves.select_related("person", "mentor", "village__township__county")


def filter_eligibility(rows: Iterable[ReserveRow], status: str) -> list[ReserveRow]:
    return [row for row in rows if row.eligibility_status == status]
