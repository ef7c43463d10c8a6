"""资格联审 (qualification review) data: the negative list and the department list (dated county rules with 文号),
negative records per person, reviews with their opinions, and the audit of sensitive views (docs/domain.md §9).

The rules over these rows live in `reserves/reviews/`; `reserves.models` re-exports the models (Django registers
them from there). Nothing here stores a review's status: it is derived (`reserves.reviews.status`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from reserves.choices import (
    Conclusion,
    ItemEnd,
    ReviewAuditKind,
    ReviewPurpose,
    ReviewRound,
)
from villages.choices import Post
from villages.models import County, Person, Village

if TYPE_CHECKING:
    from villages.models import User


class NegativeListItem(models.Model):
    """One coded item of the negative list (负面清单) in one dated version; county empty = the city default.

    The version in force for a county on a date is its own latest `effective_on` ≤ date for the code, else the
    city's (reserves/reviews/rules.py). A version with `in_force` off takes the item out of the county's list.
    """

    county = models.ForeignKey(
        County, on_delete=models.CASCADE, null=True, blank=True, related_name="negative_items", verbose_name="区/县"
    )
    code = models.CharField("编号", max_length=10)
    wording = models.CharField("内容", max_length=300)
    ends = models.CharField("失效方式", max_length=20, choices=ItemEnd.choices)
    years = models.PositiveSmallIntegerField("有效年限", null=True, blank=True)
    disqualifies = models.BooleanField("命中即不通过", default=True)
    in_force = models.BooleanField("适用", default=True)
    effective_on = models.DateField("生效日期")
    document_number = models.CharField("文号", max_length=100)
    note = models.CharField("说明", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code", "county", "-effective_on"]
        verbose_name = verbose_name_plural = "负面清单条目"
        constraints = [
            models.UniqueConstraint(fields=["county", "code", "effective_on"], name="negative_item_once_per_date"),
            models.UniqueConstraint(
                fields=["code", "effective_on"], condition=Q(county__isnull=True), name="city_negative_item_once"
            ),
            models.CheckConstraint(
                condition=~Q(ends=ItemEnd.PERIOD) | Q(years__isnull=True) | Q(years__gt=0),
                name="negative_item_period_years_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.wording}"


class ReviewDepartmentList(models.Model):
    """The departments whose written opinion the county round (县级联审) needs, in one dated version with its 文号.

    county empty = the city default. A review uses the list in force on the day it was opened.
    """

    county = models.ForeignKey(
        County, on_delete=models.CASCADE, null=True, blank=True, related_name="review_departments"
    )
    departments = models.JSONField("联审部门", default=list)
    effective_on = models.DateField("生效日期")
    document_number = models.CharField("文号", max_length=100)
    note = models.CharField("说明", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["county", "-effective_on"]
        verbose_name = verbose_name_plural = "联审部门名单"
        constraints = [
            models.UniqueConstraint(fields=["county", "effective_on"], name="department_list_once_per_date"),
            models.UniqueConstraint(
                fields=["effective_on"], condition=Q(county__isnull=True), name="city_department_list_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_on} {'、'.join(self.departments)}"


class NegativeRecordQuerySet(models.QuerySet):
    def for_user(self, user: User) -> NegativeRecordQuerySet:
        """Details are for county staff (people of their county) and the city and province admins; townships see
        none."""
        if not user.is_authenticated or not (user.is_admin or user.is_county_staff):
            return self.none()
        return self.filter(person__in=Person.objects.for_user(user))


class NegativeRecord(models.Model):
    """A negative-list entry against one person, entered by county staff from a department's finding."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="negative_records", verbose_name="人员")
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+", verbose_name="登记区县")
    item_code = models.CharField("负面清单条目", max_length=10)
    source_department = models.CharField("来源部门", max_length=50)
    occurred_on = models.DateField("认定日期")
    ends_on = models.DateField("截止日期", null=True, blank=True)
    rectified_on = models.DateField("整改完成日期", null=True, blank=True)
    document_number = models.CharField("文号", max_length=100)
    detail = models.TextField("情况说明", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = NegativeRecordQuerySet.as_manager()

    class Meta:
        ordering = ["person", "-occurred_on", "pk"]
        verbose_name = verbose_name_plural = "负面清单记录"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=models.F("occurred_on")),
                name="negative_record_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(rectified_on__isnull=True) | Q(rectified_on__gte=models.F("occurred_on")),
                name="negative_record_rectified_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.item_code}"


class ReviewQuerySet(models.QuerySet):
    def for_user(self, user: User) -> ReviewQuerySet:
        return self.filter(village__in=Village.objects.for_user(user), person__deleted_at__isnull=True)


class Review(models.Model):
    """资格联审 of one person for one purpose and cycle (unique). Its status is derived, never stored."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="qualification_reviews", verbose_name="人员"
    )
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="qualification_reviews", verbose_name="村"
    )
    purpose = models.CharField("联审类别", max_length=20, choices=ReviewPurpose.choices)
    cycle = models.CharField("届次年份", max_length=10)
    post = models.CharField("拟任职务", max_length=30, choices=Post.choices, blank=True)
    opened_on = models.DateField("发起日期")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opinions_due_on = models.DateField("部门意见反馈期限", null=True, blank=True)
    withdrawn_on = models.DateField("撤回日期", null=True, blank=True)
    withdrawn_reason = models.CharField("撤回原因", max_length=200, blank=True)

    history = HistoricalRecords()
    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["village", "purpose", "cycle", "pk"]
        verbose_name = verbose_name_plural = "资格联审"
        constraints = [
            models.UniqueConstraint(fields=["person", "purpose", "cycle"], name="review_once_per_purpose_and_cycle"),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | ~Q(withdrawn_reason=""), name="review_withdrawal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_purpose_display()} {self.cycle}"


class ReviewOpinion(models.Model):
    """One written conclusion, entered after the fact with its date and 文号. Opinions are never edited: a later
    opinion of the same round and department supersedes an earlier one (the trail keeps both)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="opinions")
    round = models.CharField("审查环节", max_length=20, choices=ReviewRound.choices)
    department = models.CharField("部门", max_length=50, blank=True)
    conclusion = models.CharField("结论", max_length=10, choices=Conclusion.choices)
    note = models.CharField("意见或理由", max_length=300, blank=True)
    concluded_on = models.DateField("审查日期")
    document_number = models.CharField("文号", max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review", "concluded_on", "pk"]
        verbose_name = verbose_name_plural = "联审意见"
        indexes = [models.Index(fields=["review", "round", "department"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(round=ReviewRound.COUNTY) | ~Q(department=""), name="county_opinion_names_department"
            ),
            models.CheckConstraint(
                condition=~Q(conclusion=Conclusion.FAIL) | ~Q(note=""), name="failing_opinion_gives_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_round_display()} {self.department} {self.get_conclusion_display()}"


class ReviewAuditEntry(models.Model):
    """Audit of the review's sensitive side: a negative-record detail shown, a department sheet handed out, a
    资格审查表 printed, or an act let through without a passed review while the county's rule was warn-only."""

    kind = models.CharField("类型", max_length=20, choices=ReviewAuditKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    record = models.ForeignKey(NegativeRecord, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    context = models.CharField("场合", max_length=50, blank=True)
    detail = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = verbose_name_plural = "联审留痕"
        indexes = [models.Index(fields=["county", "-at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"
