"""Rule values (per county, dated, with 文号) and the risk work queue county staff work through."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from villages.choices import AWAITING_ACTION, ReviewStatus, Severity, flag_label
from villages.models.people import Person
from villages.models.units import County, Village

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from villages.models.users import User


class RuleValue(models.Model):
    """One configurable rule threshold. county empty = the city default.

    The value in force for a county on a date is the latest effective_on ≤ date, the county's own before
    the city default (see villages/rules.py).
    """

    county = models.ForeignKey(County, on_delete=models.CASCADE, null=True, blank=True, related_name="rule_values")
    key = models.CharField("规则参数", max_length=60)
    value = models.DecimalField("取值", max_digits=8, decimal_places=2)
    effective_on = models.DateField("生效日期")
    document_number = models.CharField("文号", max_length=100, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["key", "county", "-effective_on"]
        verbose_name = verbose_name_plural = "规则参数"
        constraints = [
            models.UniqueConstraint(fields=["county", "key", "effective_on"], name="rule_value_once_per_date"),
            models.UniqueConstraint(
                fields=["key", "effective_on"],
                condition=Q(county__isnull=True),
                name="city_rule_once_per_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value} ({self.effective_on})"


ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_EXTENSIONS = frozenset({"pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx"})


def validate_attachment(file: File) -> None:
    """A rectification attachment: a photo, PDF, Word or Excel file of at most 10 MB."""
    extension = PurePath(file.name or "").suffix.lower().lstrip(".")
    if extension not in ATTACHMENT_EXTENSIONS:
        raise ValidationError("附件只能是图片（jpg、png）、PDF、Word 或 Excel 文件，当前文件类型不支持")
    if file.size is not None and file.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(f"附件不能超过 10 MB（当前 {file.size / 1024 / 1024:.1f} MB），请压缩后再上传")


class RiskQuerySet(models.QuerySet["Risk"]):
    def for_user(self, user: User | AnonymousUser) -> RiskQuerySet:
        return self.filter(village__in=Village.objects.for_user(user))

    def reviewable_by(self, user: User) -> RiskQuerySet:
        """Risks whose review fields the user may change: county staff (their county) and city admins."""
        if not user.is_authenticated or user.is_township_secretary:
            return self.none()
        return self.for_user(user)

    def open(self) -> RiskQuerySet:
        return self.filter(is_active=True).exclude(review_status__in=[ReviewStatus.RESOLVED, ReviewStatus.ACCEPTED])

    def awaiting_action(self) -> RiskQuerySet:
        """Still waiting for the owner (待处理/处理中): the township has not answered or was sent back."""
        return self.filter(is_active=True, review_status__in=AWAITING_ACTION)

    def overdue(self, *, on: dt.date) -> RiskQuerySet:
        """Past their due date and still waiting for the owner's action (an answered risk is not overdue)."""
        return self.awaiting_action().filter(due_on__lt=on)


class Risk(models.Model):
    """A flag or succession gap that the data supports (is_active) and its review by county staff.

    One row per (village, person, kind); recomputation keeps the row and its review, closing it when the
    data no longer supports it and reopening it when it returns.
    """

    # Display state the risk list sets per request and user (villages.views.risks.decorate); never stored.
    form: Any
    form_kind: str
    saved: str
    overdue: bool
    user_reviews: bool
    user_answers: bool
    user_decides: bool
    row_html: str  # the row's cached HTML, or "" (villages.views.risks.cached_rows)

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="risks", verbose_name="村")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="risks", verbose_name="人员"
    )
    kind = models.CharField("类型", max_length=40)
    severity = models.CharField("程度", max_length=10, choices=Severity.choices)
    post = models.CharField("职务", max_length=30, blank=True)
    detail = models.TextField("说明")
    is_active = models.BooleanField("数据仍支持", default=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField("自动关闭时间", null=True, blank=True)
    close_note = models.CharField("关闭说明", max_length=200, blank=True)
    review_status = models.CharField("处理状态", max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="责任人",
    )
    due_on = models.DateField("期限", null=True, blank=True)
    note = models.TextField("备注", blank=True)
    action_taken = models.TextField("整改情况", blank=True)
    attachment = models.FileField(
        "整改附件", upload_to="risk-attachments/%Y/%m/", blank=True, max_length=200, validators=[validate_attachment]
    )
    rectified_at = models.DateTimeField("整改答复时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version", "first_seen_at"])
    objects = RiskQuerySet.as_manager()

    class Meta:
        ordering = ["village", "kind", "pk"]
        verbose_name = verbose_name_plural = "风险"
        indexes = [
            models.Index(fields=["kind", "severity"]),
            models.Index(fields=["is_active", "review_status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "person", "kind"], name="risk_once_per_subject", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.kind}"

    @property
    def kind_label(self) -> str:
        return flag_label(self.kind)

    def is_overdue(self, on: dt.date) -> bool:
        """Same rule as RiskQuerySet.overdue, for one loaded row."""
        return self.is_active and self.review_status in AWAITING_ACTION and self.due_on is not None and self.due_on < on

    @property
    def attachment_name(self) -> str:
        return PurePath(self.attachment.name).name if self.attachment and self.attachment.name else ""
