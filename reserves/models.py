"""Reserve cadres, training classes (专修班), elections (换届) and candidate slates."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Case, Q, When
from simple_history.models import HistoricalRecords

from reserves.choices import (
    AddedHow,
    ClassLevel,
    EnrollmentStatus,
    MeasureKind,
    Readiness,
    ReserveStatus,
    SlateStatus,
)
from reserves.models_after import (  # registered with the app here; importable from reserves.models
    Filing,
    MidTermChange,
    PostElectionTask,
)
from reserves.models_bench import (  # registered with the app here; importable from reserves.models
    EducationProgramme,
    Placement,
    Talent,
    Talk,
)
from reserves.models_reviews import (  # registered with the app here; importable from reserves.models
    NegativeListItem,
    NegativeRecord,
    Review,
    ReviewAuditEntry,
    ReviewDepartmentList,
    ReviewOpinion,
)
from villages.choices import Grade, Post, counting_reserve
from villages.models import County, Group, Person, PostAssignment, Village

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from villages.models import User

__all__ = [
    "DevelopmentMeasure",
    "EducationProgramme",
    "Election",
    "ElectionResult",
    "Enrollment",
    "Filing",
    "MidTermChange",
    "NegativeListItem",
    "NegativeRecord",
    "Placement",
    "PostElectionTask",
    "Reserve",
    "ReserveAssessment",
    "Review",
    "ReviewAuditEntry",
    "ReviewDepartmentList",
    "ReviewOpinion",
    "Slate",
    "SlateCandidate",
    "Talent",
    "Talk",
    "TrainingClass",
]


class ReserveQuerySet(models.QuerySet["Reserve"]):
    def for_user(self, user: User | AnonymousUser) -> ReserveQuerySet:
        return self.filter(village__in=Village.objects.for_user(user), person__deleted_at__isnull=True)

    def editable_by(self, user: User) -> ReserveQuerySet:
        return self.filter(village__in=Village.objects.editable_roster_by(user))

    def active(self) -> ReserveQuerySet:
        return self.filter(status=ReserveStatus.ACTIVE)

    def counting(self) -> ReserveQuerySet:
        """Active reserves that count for 一职一备, the reserve count and coverage (`counting_reserve`)."""
        return self.filter(counting_reserve())

    def annotate_counting(self) -> ReserveQuerySet:
        """Each reserve with `counts`: whether it is one of `counting()`."""
        return self.annotate(
            counts=Case(When(counting_reserve(), then=True), default=False, output_field=BooleanField())
        )


class Reserve(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="reserves", verbose_name="人员")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="reserves", verbose_name="村")
    target_post = models.CharField("目标岗位", max_length=30, choices=Post.choices)
    readiness = models.CharField(
        "成熟度", max_length=20, choices=Readiness.choices, default=Readiness.NEEDS_DEVELOPMENT
    )
    rank = models.PositiveSmallIntegerField("排序", default=1)
    emergency_successor = models.BooleanField("应急接替人选", default=False)
    added_on = models.DateField("入库日期")
    added_how = models.CharField("产生方式", max_length=20, choices=AddedHow.choices, default=AddedHow.RECOMMENDED)
    # The village mentor (联系帮带责任人, from the village's roster) and the township mentor (a township cadre, who has
    # no Person record: name and post), each with the date named (rule mentor_named_within_months, mentoring.py).
    mentor = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mentees",
        verbose_name="村级帮带人",
    )
    mentor_named_on = models.DateField("村级帮带人明确日期", null=True, blank=True)
    township_mentor_name = models.CharField("乡镇帮带人", max_length=50, blank=True)
    township_mentor_post = models.CharField("乡镇帮带人职务", max_length=50, blank=True)
    township_mentor_named_on = models.DateField("乡镇帮带人明确日期", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=ReserveStatus.choices, default=ReserveStatus.ACTIVE)
    withdrawn_reason = models.CharField("退出原因", max_length=200, blank=True)
    status_changed_on = models.DateField("状态变更日期", null=True, blank=True)
    appointed_post = models.ForeignKey(
        PostAssignment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="任用岗位",
    )
    eligibility_override_reason = models.CharField("不符合条件仍纳入的理由", max_length=300, blank=True)
    # Kept true by reserves/standing.py whenever the person, their training or the rules change: an active reserve
    # counts (一职一备, reserve count, coverage) only while eligible or kept with the reason above.
    eligible = models.BooleanField("符合条件", default=True, editable=False)
    eligibility_note = models.CharField("资格说明", max_length=300, blank=True, editable=False)
    eligibility_changed_on = models.DateField("资格变化日期", null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version", "eligibility_changed_on"])
    objects = ReserveQuerySet.as_manager()

    class Meta:
        ordering = ["village", "target_post", "rank", "pk"]
        verbose_name = verbose_name_plural = "后备干部"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "village", "target_post"],
                condition=Q(status="active"),
                name="reserve_active_once_per_target",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | ~Q(withdrawn_reason=""),
                name="reserve_withdrawal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.get_target_post_display()}"

    def mark_appointed(self, post: PostAssignment, *, on: dt.date) -> None:
        self.status = ReserveStatus.APPOINTED
        self.appointed_post = post
        self.status_changed_on = on
        self.version += 1
        self.save(update_fields=["status", "appointed_post", "status_changed_on", "version"])

    def withdraw(self, *, reason: str, on: dt.date) -> None:
        self.status = ReserveStatus.WITHDRAWN
        self.withdrawn_reason = reason
        self.status_changed_on = on
        self.version += 1
        self.save(update_fields=["status", "withdrawn_reason", "status_changed_on", "version"])


class DevelopmentMeasure(models.Model):
    reserve = models.ForeignKey(Reserve, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField("培养措施", max_length=20, choices=MeasureKind.choices)
    description = models.CharField("内容", max_length=200, blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        ordering = ["reserve", "starts_on"]
        verbose_name = verbose_name_plural = "培养措施"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on}"


class ReserveAssessment(models.Model):
    reserve = models.ForeignKey(Reserve, on_delete=models.CASCADE, related_name="assessments")
    year = models.PositiveSmallIntegerField("年度")
    grade = models.CharField("等次", max_length=24, choices=Grade.choices)
    note = models.CharField("评语", max_length=200, blank=True)

    class Meta:
        ordering = ["reserve", "-year"]
        verbose_name = verbose_name_plural = "后备干部年度考核"
        constraints = [models.UniqueConstraint(fields=["reserve", "year"], name="reserve_assessment_once_per_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.get_grade_display()}"


class TrainingClassQuerySet(models.QuerySet["TrainingClass"]):
    def for_user(self, user: User | AnonymousUser) -> TrainingClassQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_province_admin:
            return self
        return self.filter(county__in=County.objects.for_user(user))


class TrainingClass(models.Model):
    name = models.CharField("班次名称", max_length=100)
    institution = models.CharField("培训机构", max_length=100)
    level = models.CharField("层次", max_length=20, choices=ClassLevel.choices)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="classes", verbose_name="区/县")
    cohort = models.CharField("批次", max_length=50, blank=True)
    starts_on = models.DateField("开班日期")
    ends_on = models.DateField("结业日期", null=True, blank=True)
    funding_yuan = models.DecimalField("经费(元)", max_digits=12, decimal_places=2, null=True, blank=True)

    history = HistoricalRecords()
    objects = TrainingClassQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = verbose_name_plural = "专修班"

    def __str__(self) -> str:
        return self.name


class Enrollment(models.Model):
    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="enrollments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enrollments", verbose_name="学员")
    status = models.CharField(
        "状态", max_length=20, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ENROLLED
    )
    enrolled_on = models.DateField("入学日期", null=True, blank=True)
    completed_on = models.DateField("结业日期", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["training_class", "person__name"]
        verbose_name = verbose_name_plural = "学员"
        constraints = [models.UniqueConstraint(fields=["training_class", "person"], name="enrollment_once_per_class")]

    def __str__(self) -> str:
        return f"{self.training_class} {self.person}"


class ElectionQuerySet(models.QuerySet["Election"]):
    def for_user(self, user: User | AnonymousUser) -> ElectionQuerySet:
        return self.filter(village__in=Village.objects.for_user(user))


class Election(models.Model):
    # The results in roster order, set by the election pages (reserves.views.elections.ordered_elections).
    ordered_results: list[ElectionResult]

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="elections", verbose_name="村")
    held_on = models.DateField("换届日期")
    term = models.CharField("届次", max_length=20, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ElectionQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "village"]
        verbose_name = verbose_name_plural = "换届"
        constraints = [models.UniqueConstraint(fields=["village", "held_on"], name="election_once_per_day")]

    def __str__(self) -> str:
        return f"{self.village} {self.held_on}"


class ElectionResult(models.Model):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="results")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="election_results")
    post = models.CharField("职务", max_length=30, choices=Post.choices)
    group = models.ForeignKey(Group, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    votes = models.PositiveIntegerField("得票", null=True, blank=True)
    assignment = models.ForeignKey(
        PostAssignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="election_results"
    )

    class Meta:
        ordering = ["election", "post"]
        verbose_name = verbose_name_plural = "换届结果"
        constraints = [models.UniqueConstraint(fields=["election", "person", "post"], name="result_once_per_post")]

    def __str__(self) -> str:
        return f"{self.person} {self.get_post_display()}"

    @property
    def group_number(self) -> int | None:
        """The 社 of a 社长 result (so results sort with villages.roster.roster_order, like post assignments)."""
        return self.group.number if self.group is not None else None


class SlateQuerySet(models.QuerySet["Slate"]):
    def for_user(self, user: User | AnonymousUser) -> SlateQuerySet:
        return self.filter(village__in=Village.objects.for_user(user))


class Slate(models.Model):
    """A proposed candidate slate (预备人选) for a village's next election."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="slates")
    name = models.CharField("方案名称", max_length=100)
    election_on = models.DateField("换届日期")
    status = models.CharField("状态", max_length=10, choices=SlateStatus.choices, default=SlateStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SlateQuerySet.as_manager()

    class Meta:
        ordering = ["village", "-updated_at"]
        verbose_name = verbose_name_plural = "预备人选方案"

    def __str__(self) -> str:
        return self.name


class SlateCandidate(models.Model):
    slate = models.ForeignKey(Slate, on_delete=models.CASCADE, related_name="candidates")
    post = models.CharField("职务", max_length=30, choices=Post.choices)
    seat = models.PositiveSmallIntegerField("席位", default=1)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="slate_seats")

    class Meta:
        ordering = ["slate", "post", "seat"]
        constraints = [models.UniqueConstraint(fields=["slate", "post", "seat"], name="slate_seat_once")]

    def __str__(self) -> str:
        return f"{self.get_post_display()} {self.person}"
