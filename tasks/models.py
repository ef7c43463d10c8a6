"""Background jobs: report jobs (one PDF each), report batches (a township of villages), roster imports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

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
    """One requested report. Identity fields (tasks/reports/identity.py) are set when the PDF is rendered; a job
    answered from an earlier unchanged rendering (same `cache_key`) copies them with the file (`reused_from`)."""

    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    scope = models.CharField(max_length=12)
    as_of = models.DateField(null=True, blank=True)
    # True when the requester chose as_of; False when it is the scope's coming election date (tasks/reports/dates.py:
    # the villages of a township or county report are then each computed on their own date, as on their pages).
    as_of_requested = models.BooleanField(default=False)
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
    # When the job last entered the queue: at creation, and again when it is retried or re-queued. The sweeper
    # judges a waiting job by it (tasks/reports/jobs.py `stuck`), never by created_at.
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Identity printed on the PDF: report number, verification code (from the content's sha256), when it was
    # generated, the data date, the content record behind the code, and its page count.
    number = models.CharField("报告编号", max_length=24, blank=True, db_index=True)
    verification = models.CharField("验证码", max_length=14, blank=True, db_index=True)
    generated_at = models.DateTimeField("生成时间", null=True, blank=True)
    data_as_of = models.DateField("数据截至", null=True, blank=True)
    facts = models.JSONField(default=dict, blank=True)
    pages = models.PositiveIntegerField(default=0)
    # (scope, as-of, data versions, rule version, template version) hashed (tasks/reports/versions.py): an equal
    # key means an equal PDF, so a finished job with the key is handed out again instead of rendering.
    cache_key = models.CharField(max_length=64, blank=True, db_index=True)
    reused_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "started_at"]), models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope} {self.status}"


class VillageDataVersion(models.Model):
    """A counter per village, raised by every write that can change what its report prints (tasks/receivers.py,
    fed by villages.signals.villages_changed and the reserve models): the cheap 'has anything changed' of the
    report cache. Kept apart from Village (whose `version` guards master-data edits) so a form that saves a
    village it loaded earlier can never move the counter back."""

    village = models.OneToOneField(Village, on_delete=models.CASCADE, primary_key=True, related_name="+")
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.village_id} v{self.version}"


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
