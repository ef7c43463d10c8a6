"""Background jobs: report jobs (one PDF each), report batches (a township of villages), roster imports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from villages.models import County, Township, Village

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from villages.models import User


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ReportKind(models.TextChoices):
    VILLAGE = "village", "村情报告"
    TOWNSHIP = "township", "乡镇汇编"
    COUNTY = "county", "区县汇编"


class ReportBatch(models.Model):
    """A township (or county) edition: one ReportJob per village, merged when all are done."""

    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    scope = models.CharField(max_length=12)
    as_of = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope}"


class ReportJobQuerySet(models.QuerySet["ReportJob"]):
    def for_user(self, user: User | AnonymousUser) -> ReportJobQuerySet:
        """Jobs whose scope the user may see (scope visibility is decided by reports/scopes)."""
        village_codes = Village.objects.for_user(user).values("code")
        township_codes = Township.objects.for_user(user).values("code")
        county_codes = County.objects.for_user(user).values("code")
        return self.filter(
            models.Q(kind=ReportKind.VILLAGE, scope__in=village_codes)
            | models.Q(kind=ReportKind.TOWNSHIP, scope__in=township_codes)
            | models.Q(kind=ReportKind.COUNTY, scope__in=county_codes)
        )


class ReportJob(models.Model):
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    scope = models.CharField(max_length=12)
    as_of = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    batch = models.ForeignKey(ReportBatch, on_delete=models.CASCADE, null=True, blank=True, related_name="jobs")
    file = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    # Readable notes on a finished report, e.g. a name character no font can draw (tasks/reports/fonts.py).
    warnings = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # "host:pid" of the process running the job: a redelivered job whose holder is dead is taken over at once.
    held_by = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope} {self.status}"


class ImportJob(models.Model):
    """A roster workbook import: previewed, then confirmed; large ones run on a worker."""

    township_code = models.CharField(max_length=9)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    dry_run = models.BooleanField(default=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name
