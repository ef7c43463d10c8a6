"""What the report pages say about jobs: readable names and file names, and a batch's real progress.

Contract:
- `report_file_name(job, names)` → "凌云乡-青龙村-换届前村情报告-2026-11-29.pdf" (units by name, never by code; the
  date is the report's data date, else the day it was generated). `zip_file_name` names a township's zip.
- `Progress` derives a job's status from the job and, for a township edition, from its village reports:
  the edition job waits (排队中) until every village report has finished, but the batch is already 生成中 as
  soon as one village report runs or is done, and shows done / failed / total.
- `job_rows(jobs)` decorates a page of jobs for the list: three queries for the unit names and one for the
  batches' progress, whatever the number of jobs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from tasks.models import JobStatus, ReportJob, ReportKind
from villages.models import County, Township, Village

TITLES = {
    ReportKind.VILLAGE: "换届前村情报告",
    ReportKind.TOWNSHIP: "换届前村情报告汇编",
    ReportKind.COUNTY: "村级风险清单",
}


@dataclass
class ScopeNames:
    """Names of the units the jobs are about, by code: village → (township, village), township → (county,
    township), county → (county,)."""

    parts: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, jobs: Iterable[ReportJob]) -> ScopeNames:
        codes: dict[str, set[str]] = defaultdict(set)
        for job in jobs:
            codes[job.kind].add(job.scope)
        names = cls()
        if codes[ReportKind.VILLAGE]:
            for village in Village.objects.filter(code__in=codes[ReportKind.VILLAGE]).select_related("township"):
                names.parts[(ReportKind.VILLAGE, village.code)] = (village.township.name, village.name)
        if codes[ReportKind.TOWNSHIP]:
            for township in Township.objects.filter(code__in=codes[ReportKind.TOWNSHIP]).select_related("county"):
                names.parts[(ReportKind.TOWNSHIP, township.code)] = (township.county.name, township.name)
        if codes[ReportKind.COUNTY]:
            for county in County.objects.filter(code__in=codes[ReportKind.COUNTY]):
                names.parts[(ReportKind.COUNTY, county.code)] = (county.name,)
        return names

    def of_job(self, job: ReportJob) -> tuple[str, ...]:
        return self.parts.get((job.kind, job.scope), (job.scope,))


def report_date(job: ReportJob) -> dt.date:
    """The date a report speaks for: its data date, else the day it was generated (or requested)."""
    if job.as_of:
        return job.as_of
    return timezone.localdate(job.finished_at or job.created_at)


def report_title(job: ReportJob, names: ScopeNames) -> str:
    """ "青龙村（凌云乡）换届前村情报告", "凌云乡（巴州区）换届前村情报告汇编", "巴州区村级风险清单"."""
    units = names.of_job(job)
    where = f"{units[-1]}（{units[0]}）" if len(units) > 1 else units[0]
    return f"{where}{TITLES[ReportKind(job.kind)]}"


def report_file_name(job: ReportJob, names: ScopeNames) -> str:
    return "-".join([*names.of_job(job), TITLES[ReportKind(job.kind)], f"{report_date(job):%Y-%m-%d}"]) + ".pdf"


def zip_file_name(job: ReportJob, names: ScopeNames) -> str:
    return "-".join([*names.of_job(job), "各村换届前村情报告", f"{report_date(job):%Y-%m-%d}"]) + ".zip"


@dataclass(frozen=True)
class Progress:
    """A job's status as the user should read it. For a batch: its village reports' counts."""

    job_status: str
    total: int = 0
    done: int = 0
    failed: int = 0
    running: int = 0

    @property
    def is_batch(self) -> bool:
        return self.total > 0

    @property
    def finished(self) -> int:
        return self.done + self.failed

    @property
    def status(self) -> str:
        """排队中 / 生成中 / 已完成 / 失败, and for a batch also 合并中 and 部分失败."""
        if self.job_status in (JobStatus.DONE, JobStatus.FAILED) or not self.is_batch:
            if self.job_status == JobStatus.DONE and self.failed:
                return "部分失败"
            return JobStatus(self.job_status).label
        if self.finished >= self.total:
            return "合并中"
        if self.finished or self.running or self.job_status == JobStatus.RUNNING:
            return "生成中"
        return JobStatus.QUEUED.label

    @property
    def badge(self) -> str:
        """The CSS class of the status badge."""
        if self.status == JobStatus.DONE.label:
            return "ok"
        return "red" if self.status in (JobStatus.FAILED.label, "部分失败") else "amber"

    @property
    def active(self) -> bool:
        """Still changing: the page keeps polling."""
        return self.job_status in (JobStatus.QUEUED, JobStatus.RUNNING)


def batch_counts(batch_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """{batch id: {status: number of village reports}} in one query (counted from the jobs themselves)."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if not batch_ids:
        return counts
    rows = (
        ReportJob.objects.filter(batch_id__in=batch_ids, kind=ReportKind.VILLAGE)
        .values("batch_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts[row["batch_id"]][row["status"]] = row["n"]
    return counts


def progress_of(job: ReportJob, counts: dict[int, dict[str, int]] | None = None) -> Progress:
    """The job's Progress; an edition job of a batch reads its village reports (one query unless `counts`)."""
    if not job.batch_id or job.kind == ReportKind.VILLAGE:
        return Progress(job.status)
    if counts is None:
        counts = batch_counts([job.batch_id])
    by_status = counts.get(job.batch_id, {})
    return Progress(
        job.status,
        total=sum(by_status.values()),
        done=by_status.get(JobStatus.DONE, 0),
        failed=by_status.get(JobStatus.FAILED, 0),
        running=by_status.get(JobStatus.RUNNING, 0),
    )


@dataclass(frozen=True)
class JobRow:
    job: ReportJob
    title: str
    file_name: str
    date: dt.date
    progress: Progress


def job_rows(jobs: Sequence[ReportJob]) -> list[JobRow]:
    names = ScopeNames.of(jobs)
    counts = batch_counts([job.batch_id for job in jobs if job.batch_id and job.kind != ReportKind.VILLAGE])
    return [
        JobRow(job, report_title(job, names), report_file_name(job, names), report_date(job), progress_of(job, counts))
        for job in jobs
    ]
