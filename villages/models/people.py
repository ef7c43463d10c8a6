"""People (one record per human), their annual assessments, and their post assignments."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from simple_history.models import HistoricalRecords

from villages import idcard
from villages.choices import (
    EDUCATION_RANK,
    ORGAN_OF_POST,
    CadreSource,
    Education,
    Gender,
    Grade,
    Health,
    How,
    Organ,
    PoliticalStatus,
    Post,
    QualityRating,
    SourceCategory,
)
from villages.models.raw_sql import id_subquery, quote
from villages.models.units import Group, Village

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from villages.models.users import User


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """周岁 (completed years) on a date; a birthday on that date counts (民法典 Art. 1259)."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def held_education(*, education: str, in_service: str) -> str:
    """The higher of full-time and in-service education ('' when neither is recorded). A course under way (在读)
    counts only as the county's rule says: villages/education.py."""
    return max((e for e in (education, in_service) if e), key=lambda e: EDUCATION_RANK[e], default="")


def _placements() -> list[tuple[type[models.Model], str, str]]:
    """Where a person is placed in a village (`PersonQuerySet.in_villages`): (model, person column, village column)
    of the home village, the posts and the reserve places (reserves through the reverse relation: the reserves
    app sits above this one and is never imported here)."""
    reserve = Person.reserves.rel.related_model
    return [
        (Person, _column(Person, "id"), _column(Person, "home_village")),
        (PostAssignment, _column(PostAssignment, "person"), _column(PostAssignment, "village")),
        (reserve, _column(reserve, "person"), _column(reserve, "village")),
    ]


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column, (model, name)
    return field.column


class PersonQuerySet(models.QuerySet["Person"]):
    def alive(self) -> PersonQuerySet:
        return self.filter(deleted_at__isnull=True)

    def in_villages(self, villages: models.QuerySet) -> PersonQuerySet:
        """People placed in any of the villages: home village, a post there, or a reserve there."""
        # One uncorrelated `pk IN (… UNION …)`: PostgreSQL builds the (small) set of ids once and fetches those
        # people by primary key. An OR of three `IN` subqueries made it test every person of the city against
        # three hashed sets (40 ms for a village's 14 people; correlated EXISTS under an OR was 1.5 s).
        # Written as SQL (table and column names from the models): every scoped people query holds it, and the
        # ORM's UNION of three subqueries cost 1.5 ms of CPU to compile each time, more than the rest of a
        # person lookup (issue 19). The villages are compiled once and read three times.
        found = id_subquery(villages)
        if found is None:  # villages.none(), or a filter no village can match
            return self.none()
        villages_sql, villages_params = found
        placed = " UNION ".join(
            f"SELECT {quote(column)} FROM {quote(model._meta.db_table)} WHERE {quote(village)} IN ({villages_sql})"
            for model, column, village in _placements()
        )
        return self.filter(pk__in=RawSQL(placed, tuple(villages_params) * 3))

    def for_user(self, user: User | AnonymousUser, *, within: models.QuerySet | None = None) -> PersonQuerySet:
        """The one scoped entry point for people (soft-deleted people excluded).

        `within` (villages) narrows the scope to an area at the village level, where it is cheap: one placement
        subquery over the villages both in scope and in the area, instead of a second one over the whole scope
        (a county user's scope is some 13,000 placements; a township's area a few hundred)."""
        if not user.is_authenticated:
            return self.none()
        villages: models.QuerySet | None = None if user.is_province_admin else Village.objects.for_user(user)
        if within is not None:
            villages = within if villages is None else villages.filter(pk__in=within.values("pk"))
        return self.alive() if villages is None else self.alive().in_villages(villages)

    def editable_by(self, user: User) -> PersonQuerySet:
        return self.alive().in_villages(Village.objects.editable_roster_by(user))

    def missing_assessment(self, *, year: int) -> PersonQuerySet:
        """People with no annual assessment (年度考核) recorded for `year`."""
        return self.exclude(pk__in=Assessment.objects.filter(year=year).values("person_id"))

    def missing_education(self) -> PersonQuerySet:
        """People whose full-time education was never recorded (older imports and API rows may lack it)."""
        return self.filter(education="")


class Person(models.Model):
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("公民身份号码", max_length=18, unique=True)
    gender = models.CharField("性别", max_length=6, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    political_status = models.CharField(
        "政治面貌", max_length=20, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    party_joined_on = models.DateField("入党时间", null=True, blank=True)
    education = models.CharField("全日制最高学历", max_length=24, choices=Education.choices)
    education_in_service = models.CharField(
        "在职学历", max_length=24, choices=Education.choices, blank=True, default=""
    )
    education_in_progress = models.CharField(
        "在读学历", max_length=24, choices=Education.choices, blank=True, default=""
    )
    health = models.CharField("健康状况", max_length=10, choices=Health.choices, default=Health.HEALTHY)
    able_to_serve = models.BooleanField("能否正常履职", default=True)
    quality_rating = models.CharField(
        "乡镇综合素养评价", max_length=10, choices=QualityRating.choices, blank=True, default=""
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)
    source_categories = models.JSONField("来源类别", default=list, blank=True)
    home_village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="residents", verbose_name="户籍/所在村"
    )
    notes = models.TextField("备注", blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["version"])
    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["home_village", "name", "pk"]
        verbose_name = verbose_name_plural = "人员"
        indexes = [models.Index(fields=["home_village", "name"]), models.Index(fields=["birth_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(id_number__regex=r"^\d{17}[\dX]$"), name="person_id_number_normalised"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return idcard.mask(self.id_number)

    def age_on(self, on: dt.date) -> int:
        return age_on(self.birth_date, on)

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def highest_education(self) -> str:
        """Highest of full-time and in-service education (in-service degrees count: 函授大专 is 大专)."""
        return held_education(education=self.education, in_service=self.education_in_service)

    def clean(self) -> None:
        for code in self.source_categories or []:
            if code not in SourceCategory.values:
                raise ValidationError({"source_categories": f"未知的来源类别：{code}"})

    def soft_delete(self, *, by: User) -> None:
        self.deleted_at = timezone.now()
        self.deleted_by = by
        self.save(update_fields=["deleted_at", "deleted_by"])

    def restore(self) -> None:
        self.deleted_at = None
        self.deleted_by = None
        self.save(update_fields=["deleted_at", "deleted_by"])


class Assessment(models.Model):
    """年度考核 / 民主评议 result for one year."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assessments")
    year = models.PositiveSmallIntegerField("年度")
    grade = models.CharField("等次", max_length=24, choices=Grade.choices)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["person", "-year"]
        verbose_name = verbose_name_plural = "年度考核"
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="assessment_once_per_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.get_grade_display()}"


class PostAssignmentQuerySet(models.QuerySet["PostAssignment"]):
    def current(self, on: dt.date | None = None) -> PostAssignmentQuerySet:
        on = on or timezone.localdate()
        return self.filter(Q(start_on__isnull=True) | Q(start_on__lte=on), Q(end_on__isnull=True) | Q(end_on__gt=on))

    def for_user(self, user: User | AnonymousUser) -> PostAssignmentQuerySet:
        return self.filter(village__in=Village.objects.for_user(user), person__deleted_at__isnull=True)

    def editable_by(self, user: User) -> PostAssignmentQuerySet:
        return self.filter(village__in=Village.objects.editable_roster_by(user))


class PostAssignment(models.Model):
    """One person holding one post in one village for one period (end_on is exclusive; empty = current)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="posts", verbose_name="人员")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="posts", verbose_name="村")
    organ = models.CharField("组织", max_length=20, choices=Organ.choices)
    post = models.CharField("职务", max_length=30, choices=Post.choices)
    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, null=True, blank=True, related_name="leaders", verbose_name="所在社"
    )
    start_on = models.DateField("任职时间", null=True, blank=True)
    end_on = models.DateField("离任时间", null=True, blank=True)
    how = models.CharField("产生方式", max_length=30, choices=How.choices, default=How.ELECTED)
    term = models.CharField("届次", max_length=20, blank=True)
    end_reason = models.CharField("离任原因", max_length=200, blank=True)
    source = models.CharField("干部来源", max_length=30, choices=CadreSource.choices, blank=True, default="")
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])
    objects = PostAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["village", "post", "start_on", "pk"]
        verbose_name = verbose_name_plural = "任职"
        indexes = [models.Index(fields=["village", "end_on"]), models.Index(fields=["person", "end_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(start_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="post_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(post=Post.GROUP_LEADER, group__isnull=False)
                | (~Q(post=Post.GROUP_LEADER) & Q(group__isnull=True)),
                name="post_group_only_for_group_leader",
            ),
            models.UniqueConstraint(
                fields=["person", "village", "post"],
                condition=Q(end_on__isnull=True),
                name="post_held_once_at_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.get_post_display()} {self.person}"

    def save(self, *args, **kwargs) -> None:
        if not self.organ:
            self.organ = ORGAN_OF_POST[self.post]
        super().save(*args, **kwargs)

    @property
    def is_acting(self) -> bool:
        return self.how in {How.ACTING, How.TOWNSHIP_CONCURRENT}

    @property
    def group_number(self) -> int | None:
        return self.group.number if self.group is not None else None
