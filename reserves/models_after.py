"""The work after an election (docs/domain.md §8): 备案 filings, post-election tasks and mid-term changes.

Registered with the app through reserves/models.py (importable from there). Rules live in reserves/filings.py,
reserves/aftercare.py and reserves/midterm.py; every post these touch is written through villages.roster.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from simple_history.models import HistoricalRecords

from reserves.choices import (
    AftercareStep,
    FilingKind,
    FilingOccasion,
    FilingStatus,
    MidTermStage,
    VacancyReason,
)
from villages.choices import How, Post
from villages.models import Group, Person, PostAssignment, Village

if TYPE_CHECKING:
    from villages.models import User

DEFAULT_AUTHORITY = "县委组织部（会同县民政局）"


class FilingQuerySet(models.QuerySet["Filing"]):
    def for_user(self, user: User) -> FilingQuerySet:
        return self.filter(village__in=Village.objects.for_user(user))

    def with_status(self, *, on: dt.date) -> FilingQuerySet:
        """Each filing with `status_on` (FilingStatus value) as of `on`: the same rule as Filing.status."""
        return self.annotate(
            status_on=Case(
                When(filed_on__isnull=False, then=Value(FilingStatus.FILED)),
                When(due_on__lt=on, then=Value(FilingStatus.OVERDUE)),
                default=Value(FilingStatus.DUE),
                output_field=models.CharField(),
            )
        )

    def open(self) -> FilingQuerySet:
        return self.filter(filed_on__isnull=True)

    def of_status(self, status: str, *, on: dt.date) -> FilingQuerySet:
        if status == FilingStatus.FILED:
            return self.filter(filed_on__isnull=False)
        if status == FilingStatus.OVERDUE:
            return self.open().filter(due_on__lt=on)
        return self.open().filter(due_on__gte=on)


class Filing(models.Model):
    """One 备案: a post (the secretary or director after an election, or a mid-term appointment before it takes
    effect) or a reserve, registered with `authority` by `due_on`; filed once `filed_on` and the document number
    or receipt are recorded. A mid-term filing has no post until the appointment (its change names the post)."""

    kind = models.CharField("备案类型", max_length=10, choices=FilingKind.choices)
    occasion = models.CharField("事由", max_length=20, choices=FilingOccasion.choices)
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="filings", verbose_name="村")
    # A post entered by mistake and deleted leaves its filing (the history names it); a deleted reserve entry or
    # election takes its filings with it.
    post = models.ForeignKey(
        PostAssignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="filings", verbose_name="任职"
    )
    reserve = models.ForeignKey(
        "reserves.Reserve", on_delete=models.CASCADE, null=True, blank=True, related_name="filings"
    )
    election = models.ForeignKey(
        "reserves.Election", on_delete=models.CASCADE, null=True, blank=True, related_name="filings"
    )
    authority = models.CharField("备案机关", max_length=100, default=DEFAULT_AUTHORITY)
    due_on = models.DateField("备案期限")
    filed_on = models.DateField("备案日期", null=True, blank=True)
    document_number = models.CharField("文号或回执号", max_length=100, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])
    objects = FilingQuerySet.as_manager()
    # Set by the filings page for display (reserves/views/filings.py); not fields.
    subject: str
    status_now: str
    can_record: bool

    class Meta:
        ordering = ["due_on", "village", "pk"]
        verbose_name = verbose_name_plural = "备案"
        indexes = [models.Index(fields=["village", "filed_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=FilingKind.POST, reserve__isnull=True)
                | Q(kind=FilingKind.RESERVE, reserve__isnull=False, post__isnull=True),
                name="filing_names_its_subject",
            ),
            models.CheckConstraint(
                condition=Q(filed_on__isnull=True) | ~Q(document_number=""), name="filing_filed_with_a_number"
            ),
            models.UniqueConstraint(
                fields=["election", "post"], condition=Q(election__isnull=False), name="filing_once_per_elected_post"
            ),
            models.UniqueConstraint(
                fields=["reserve"], condition=Q(occasion=FilingOccasion.RESERVE_LIST), name="filing_once_per_reserve"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.get_occasion_display()}{self.get_kind_display()}"

    def status(self, on: dt.date) -> str:
        """Same rule as FilingQuerySet.with_status."""
        if self.filed_on is not None:
            return FilingStatus.FILED
        return FilingStatus.OVERDUE if self.due_on < on else FilingStatus.DUE


class PostElectionTaskQuerySet(models.QuerySet["PostElectionTask"]):
    def for_user(self, user: User) -> PostElectionTaskQuerySet:
        return self.filter(village__in=Village.objects.for_user(user))

    def overdue(self, *, on: dt.date) -> PostElectionTaskQuerySet:
        return self.filter(done_on__isnull=True, due_on__lt=on)


class PostElectionTask(models.Model):
    """One step of the work after a village's election (AftercareStep), due by a county rule counted from the
    election date; done when the township records the date (and a note)."""

    election = models.ForeignKey("reserves.Election", on_delete=models.CASCADE, related_name="aftercare_tasks")
    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="aftercare_tasks")
    step = models.CharField("事项", max_length=30, choices=AftercareStep.choices)
    due_on = models.DateField("期限", null=True, blank=True)
    done_on = models.DateField("完成日期", null=True, blank=True)
    note = models.CharField("完成情况", max_length=300, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])
    objects = PostElectionTaskQuerySet.as_manager()

    class Meta:
        ordering = ["village", "election", "pk"]
        verbose_name = verbose_name_plural = "换届后续工作"
        constraints = [models.UniqueConstraint(fields=["election", "step"], name="aftercare_step_once")]

    def __str__(self) -> str:
        return f"{self.village} {self.get_step_display()}"

    def is_overdue(self, on: dt.date) -> bool:
        return self.done_on is None and self.due_on is not None and self.due_on < on


class MidTermChangeQuerySet(models.QuerySet["MidTermChange"]):
    def for_user(self, user: User) -> MidTermChangeQuerySet:
        return self.filter(village__in=Village.objects.for_user(user))

    def open(self) -> MidTermChangeQuerySet:
        return self.filter(appointed_on__isnull=True, cancelled_on__isnull=True)


class MidTermChange(models.Model):
    """届中调整 of one seat: the vacancy (who left, why, when) → a nominee (a reserve of the post first) → review
    passed → 备案 (任前备案) → appointed or by-elected. Each step is dated; `stage` says where it stands."""

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="mid_term_changes")
    post = models.CharField("职务", max_length=30, choices=Post.choices)
    group = models.ForeignKey(Group, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cycle = models.CharField("届次", max_length=20)
    vacated_assignment = models.ForeignKey(
        PostAssignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="离任任职"
    )
    reason = models.CharField("空缺原因", max_length=30, choices=VacancyReason.choices)
    reason_note = models.CharField("原因说明", max_length=200, blank=True)
    vacated_on = models.DateField("空缺日期")
    nominee = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="拟任人选"
    )
    nominee_reserve = models.ForeignKey(
        "reserves.Reserve", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    nominated_on = models.DateField("提名日期", null=True, blank=True)
    review_passed_on = models.DateField("资格审查通过日期", null=True, blank=True)
    review_reference = models.CharField("审查依据（文号、说明）", max_length=200, blank=True)
    filing = models.OneToOneField(
        Filing, on_delete=models.SET_NULL, null=True, blank=True, related_name="mid_term_change"
    )
    appointed_on = models.DateField("任职日期", null=True, blank=True)
    how = models.CharField("产生方式", max_length=20, choices=How.choices, blank=True)
    new_assignment = models.ForeignKey(
        PostAssignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="新任职"
    )
    cancelled_on = models.DateField("撤销日期", null=True, blank=True)
    cancel_reason = models.CharField("撤销原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])
    objects = MidTermChangeQuerySet.as_manager()
    days: int  # set by the township list for display (reserves/views/midterm.py); not a field

    class Meta:
        ordering = ["-vacated_on", "village", "pk"]
        verbose_name = verbose_name_plural = "届中调整"
        indexes = [models.Index(fields=["village", "appointed_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(how="") | Q(how__in=[How.APPOINTED, How.BY_ELECTION]), name="mid_term_filled_how"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.get_post_display()} {self.vacated_on}"

    @property
    def stage(self) -> str:
        if self.cancelled_on is not None:
            return MidTermStage.CANCELLED
        if self.appointed_on is not None:
            return MidTermStage.FILLED
        if self.filing is not None and self.filing.filed_on is not None:
            return MidTermStage.FILED
        if self.review_passed_on is not None:
            return MidTermStage.REVIEWED
        if self.nominee_id is not None:
            return MidTermStage.NOMINATED
        return MidTermStage.VACANT

    @property
    def stage_label(self) -> str:
        return str(MidTermStage(self.stage).label)

    def days_vacant(self, on: dt.date) -> int:
        """Days the seat stood (or stands) vacant: to the appointment, else to `on`."""
        return ((self.appointed_on or on) - self.vacated_on).days


__all__ = [
    "DEFAULT_AUTHORITY",
    "Filing",
    "FilingQuerySet",
    "MidTermChange",
    "MidTermChangeQuerySet",
    "PostElectionTask",
    "PostElectionTaskQuerySet",
]
