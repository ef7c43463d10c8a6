"""Models for growing the bench (docs/domain.md §11): the talent pool, talks, placements (培育岗) and 学历提升.

Registered with the app by reserves/models.py (which imports them); they name the reserve models by string so this
module never imports reserves.models. The rules over them live in reserves/talents.py, reserves/mentoring.py,
reserves/education.py and reserves/pool.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from reserves.choices import (
    PROGRAMME_LEVELS,
    ProgrammeStatus,
    ReturnWillingness,
    RuralTalentCategory,
    TalentSource,
    TalentStatus,
    TalkBy,
)
from villages.models import Person, Village

if TYPE_CHECKING:
    from villages.models import User


class TalentQuerySet(models.QuerySet):
    def for_user(self, user: User) -> TalentQuerySet:
        return self.filter(village__in=Village.objects.for_user(user), person__deleted_at__isnull=True)

    def editable_by(self, user: User) -> TalentQuerySet:
        return self.filter(village__in=Village.objects.editable_roster_by(user))

    def in_pool(self) -> TalentQuerySet:
        return self.filter(status=TalentStatus.IN_POOL)


class Talent(models.Model):
    """A person of the village kept in the talent pool (人才库 / 回引库) before they become a reserve."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="talent_entries", verbose_name="人员")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="talents", verbose_name="所属村")
    source = models.CharField("来源", max_length=20, choices=TalentSource.choices)
    category = models.CharField("人才类别", max_length=30, choices=RuralTalentCategory.choices)
    current_location = models.CharField("现在何处", max_length=100, blank=True)
    current_work = models.CharField("从事行业或单位", max_length=100, blank=True)
    contact = models.CharField("其他联系方式", max_length=100, blank=True, help_text="微信等；电话记在人员信息中")
    willingness = models.CharField(
        "返乡意愿", max_length=20, choices=ReturnWillingness.choices, default=ReturnWillingness.UNKNOWN
    )
    strengths = models.CharField("特长与简介", max_length=300, blank=True)
    entered_on = models.DateField("入库日期")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField("状态", max_length=20, choices=TalentStatus.choices, default=TalentStatus.IN_POOL)
    status_changed_on = models.DateField("状态变更日期", null=True, blank=True)
    left_reason = models.CharField("退出原因", max_length=200, blank=True)
    reserve = models.ForeignKey(
        "reserves.Reserve",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="talent_entries",
        verbose_name="纳入的后备干部",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])
    objects = TalentQuerySet.as_manager()

    class Meta:
        ordering = ["village", "-entered_on", "pk"]
        verbose_name = verbose_name_plural = "人才库"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "village"], condition=Q(status="in_pool"), name="talent_in_pool_once_per_village"
            ),
            models.CheckConstraint(condition=~Q(status="left") | ~Q(left_reason=""), name="talent_left_has_reason"),
            models.CheckConstraint(
                condition=~Q(status="promoted") | Q(reserve__isnull=False), name="talent_promoted_has_reserve"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} （{self.get_category_display()}）"


class Talk(models.Model):
    """One talk (谈心谈话) with a reserve: when, who, about what, and what follows."""

    reserve = models.ForeignKey("reserves.Reserve", on_delete=models.CASCADE, related_name="talks")
    held_on = models.DateField("谈话日期")
    by = models.CharField("谈话人身份", max_length=20, choices=TalkBy.choices)
    by_name = models.CharField("谈话人", max_length=50)
    topic = models.CharField("谈话主题", max_length=200)
    follow_up = models.CharField("跟进事项", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["recorded_at"])

    class Meta:
        ordering = ["reserve", "-held_on", "-pk"]
        verbose_name = verbose_name_plural = "谈心谈话"
        indexes = [models.Index(fields=["reserve", "by", "held_on"])]

    def __str__(self) -> str:
        return f"{self.held_on} {self.by_name}：{self.topic}"


class Placement(models.Model):
    """A 培育岗 a reserve holds to practise (e.g. 书记助理), with or without a stipend."""

    reserve = models.ForeignKey("reserves.Reserve", on_delete=models.CASCADE, related_name="placements")
    post_name = models.CharField("培育岗位", max_length=50, help_text="如：书记助理、主任助理、村务专干")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    stipend = models.BooleanField("发放补贴", default=False)
    stipend_note = models.CharField("补贴标准", max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["reserve", "-starts_on", "pk"]
        verbose_name = verbose_name_plural = "培育岗位"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="placement_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post_name} {self.starts_on}"


class EducationProgrammeQuerySet(models.QuerySet):
    def for_user(self, user: User) -> EducationProgrammeQuerySet:
        return self.filter(person__in=Person.objects.for_user(user))

    def editable_by(self, user: User) -> EducationProgrammeQuerySet:
        return self.filter(person__in=Person.objects.editable_by(user))

    def studying(self) -> EducationProgrammeQuerySet:
        return self.filter(status=ProgrammeStatus.STUDYING)


class EducationProgramme(models.Model):
    """A 学历提升 programme of one person (open university 专科 in 农村行政管理 and similar).

    While under way it is the person's course in progress (在读): reserves/education.py keeps
    Person.education_in_progress in step; a degree class's trainee (学历班) is linked through `enrollment`, whose
    status it follows.
    """

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="education_programmes", verbose_name="人员"
    )
    institution = models.CharField("就读院校", max_length=100)
    major = models.CharField("专业", max_length=100)
    level = models.CharField("层次", max_length=24, choices=PROGRAMME_LEVELS)
    enrolled_on = models.DateField("入学日期")
    expected_graduation_on = models.DateField("预计毕业日期")
    status = models.CharField("状态", max_length=20, choices=ProgrammeStatus.choices, default=ProgrammeStatus.STUDYING)
    ended_on = models.DateField("毕业或退学日期", null=True, blank=True)
    funding_note = models.CharField("经费与服务期约定", max_length=200, blank=True)
    enrollment = models.OneToOneField(
        "reserves.Enrollment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="programme",
        verbose_name="学历班学员",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])
    objects = EducationProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["person", "-enrolled_on", "pk"]
        verbose_name = verbose_name_plural = "学历提升"
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_graduation_on__gte=models.F("enrolled_on")),
                name="programme_graduates_after_enrolment",
            ),
            models.CheckConstraint(
                condition=Q(status="studying") | Q(ended_on__isnull=False), name="programme_end_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.major}（{self.get_level_display()}）"
