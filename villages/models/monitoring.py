"""Roster confirmations, election-cycle snapshots, and the log of who viewed a whole ID number."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models

from villages.models.people import Person
from villages.models.units import Village
from villages.models.users import User


class RosterConfirmation(models.Model):
    """A township secretary confirming a village roster is current (无变化确认 or after changes)."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="confirmations")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(auto_now_add=True)
    unchanged = models.BooleanField("无变化", default=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["village", "-confirmed_at"]
        get_latest_by = "confirmed_at"
        verbose_name = verbose_name_plural = "花名册确认"

    def __str__(self) -> str:
        return f"{self.village} {self.confirmed_at:%Y-%m-%d}"


class ElectionCycleSnapshot(models.Model):
    """A village's indicators frozen for one election cycle (2021, 2026 …)."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="snapshots")
    cycle = models.PositiveSmallIntegerField("换届年份")
    taken_on = models.DateField("快照日期")
    members = models.PositiveIntegerField(default=0)
    average_age = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    aged_60_plus = models.PositiveIntegerField(default=0)
    aged_35_or_under = models.PositiveIntegerField(default=0)
    junior_high_or_below = models.PositiveIntegerField(default=0)
    associate_or_above = models.PositiveIntegerField(default=0)
    women = models.PositiveIntegerField(default=0)
    two_lows_one_high = models.BooleanField(default=False)
    flags = models.JSONField(default=list)

    class Meta:
        ordering = ["village", "cycle"]
        verbose_name = verbose_name_plural = "换届指标快照"
        constraints = [models.UniqueConstraint(fields=["village", "cycle"], name="snapshot_once_per_cycle")]

    def __str__(self) -> str:
        return f"{self.village} {self.cycle}"


class IdNumberView(models.Model):
    """Audit record: a user was shown a whole ID number."""

    CONTEXT_LABELS: dict[str, str] = {
        "person_page": "人员页面",
        "person_edit_form": "人员编辑表单",
        "roster_export": "花名册导出",
        "people_export": "人员列表导出",
        "reserve_export": "后备干部名单导出",
        "review_sheet": "联审部门核查表",
        "review_form": "资格审查表",
    }

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="id_number_views")
    viewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField(auto_now_add=True)
    context = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-viewed_at"]
        verbose_name = verbose_name_plural = "身份证号查看记录"

    def __str__(self) -> str:
        return f"{self.viewed_by} {self.person}"

    @property
    def context_label(self) -> str:
        return self.CONTEXT_LABELS.get(self.context, self.context)


class IdNumberExportQuerySet(models.QuerySet):
    def record(self, *, user: User | AnonymousUser, people: Iterable[Person], context: str) -> IdNumberExport | None:
        """One audit row for one export that handed out whole ID numbers, listing whose (None when nobody's).

        An export of 132 people is one line in the audit trail, not 132; `people` keeps who was shown.
        """
        shown = list(people)
        if not shown or not isinstance(user, User):
            return None
        export = IdNumberExport(viewed_by=user, context=context, count=len(shown))
        export.save()
        export.people.add(*shown)
        return export


class IdNumberExport(models.Model):
    """Audit record: one export (a workbook) handed a user the whole ID numbers of `people`."""

    viewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField(auto_now_add=True)
    context = models.CharField(max_length=100, blank=True)
    count = models.PositiveIntegerField("人数", default=0)
    people = models.ManyToManyField(Person, related_name="id_number_exports")

    objects = IdNumberExportQuerySet.as_manager()

    class Meta:
        ordering = ["-viewed_at"]
        verbose_name = verbose_name_plural = "身份证号导出记录"

    def __str__(self) -> str:
        return f"{self.viewed_by} {self.context} {self.count}"

    @property
    def context_label(self) -> str:
        return IdNumberView.CONTEXT_LABELS.get(self.context, self.context)
