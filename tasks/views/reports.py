"""Report pages: request a report, watch its progress (htmx polling that stops when done), download it, and
verify a printed copy by its verification code.

Every lookup starts from `ReportJob.objects.for_user(user)`: a job or file outside the user's scope is a 404.
Files are streamed by `download`, never exposed under MEDIA_URL.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from tasks.forms import ReportListForm, ReportRequestForm, VerifyForm
from tasks.listing import ScopeNames, job_rows, report_title, zip_file_name
from tasks.models import JobStatus, ReportJob, ReportKind
from tasks.reports import jobs
from tasks.reports.editions import content_disposition, township_zip
from tasks.reports.verification import verify as verify_code
from villages.http import AuthedHttpRequest, page_or_partial, stored_file

PAGE_SIZE = 30


def _job_for(request: AuthedHttpRequest, pk: int) -> ReportJob:
    return get_object_or_404(ReportJob.objects.for_user(request.user).select_related("batch"), pk=pk)


@require_POST
def create(request: AuthedHttpRequest) -> HttpResponse:
    form = ReportRequestForm(request.POST)
    if not form.is_valid():
        return render(request, "reports/_request_errors.html", {"form": form}, status=400)
    job = jobs.create_report_job(user=request.user, **form.cleaned_data)
    if request.htmx:
        return render(request, "reports/job.html#job-progress", job_context(job))
    return redirect("reports:job", pk=job.pk)


def job_context(report: ReportJob) -> dict[str, object]:
    """The job with its readable title and file name and its derived progress (a batch: done / failed / total)."""
    (row,) = job_rows([report])
    failed: list[ReportJob] = []
    if report.batch_id and report.kind != ReportKind.VILLAGE and row.progress.failed:
        parts = ReportJob.objects.filter(batch_id=report.batch_id, kind=ReportKind.VILLAGE, status=JobStatus.FAILED)
        failed = list(parts.order_by("scope"))
    names = ScopeNames.of(failed)
    return {"job": report, "row": row, "failed_parts": [(part, report_title(part, names)) for part in failed]}


@require_GET
def job(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    report = _job_for(request, pk)
    jobs.nudge(job=report)
    response = page_or_partial(request, "reports/job.html", "job-progress", job_context(report))
    if request.htmx and report.status in jobs.FINISHED:
        response.status_code = HttpResponseStopPolling.status_code
    return response


@require_GET
def mine(request: AuthedHttpRequest) -> HttpResponse:
    """My reports: the reports I requested (or, with who=all, every report of my scope), newest first.

    Village reports that are parts of a township edition are counted in their edition's row, not listed.
    """
    form = ReportListForm(request.GET or None)
    reports = ReportJob.objects.for_user(request.user).exclude(kind=ReportKind.VILLAGE, batch__isnull=False)
    if form.wants_mine():
        reports = reports.filter(created_by=request.user)
    ordered = reports.select_related("created_by").order_by("-created_at", "-pk")
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": job_rows(list(page.object_list)), "query": query.urlencode()}
    return page_or_partial(request, "reports/mine.html", "report-list", context)


@require_POST
def retry(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    report = jobs.retry_report_job(job=_job_for(request, pk))
    if request.htmx:
        return render(request, "reports/job.html#job-progress", job_context(report))
    batch = report.batch
    return redirect("reports:job", pk=batch.jobs.get(kind=ReportKind.TOWNSHIP).pk if batch is not None else pk)


@require_GET
def download(request: AuthedHttpRequest, pk: int) -> FileResponse:
    report = _job_for(request, pk)
    if report.status != JobStatus.DONE or not report.file:
        raise Http404("报告尚未生成")
    response = FileResponse(stored_file(report.file), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(job=report)
    return response


@require_GET
def download_zip(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    report = _job_for(request, pk)
    if report.kind != ReportKind.TOWNSHIP or report.status != JobStatus.DONE:
        raise Http404("报告尚未生成")
    try:
        data, sha256 = township_zip(job=report)
    except FileNotFoundError as missing:  # a village's file expired or lost: say so, as a single download does
        raise Http404("有村报告文件已不在存储中，请重新生成本乡镇汇编") from missing
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, zip_file_name(report, ScopeNames.of([report])))
    response["X-Content-SHA256"] = sha256
    return response


@require_GET
def verify(request: AuthedHttpRequest) -> HttpResponse:
    """报告核验: does the printed copy with this code match today's data? Scoped: other units' codes are not found."""
    form = VerifyForm(request.GET or None)
    result = verify_code(user=request.user, typed=form.cleaned_data["code"]) if form.is_valid() else None
    return render(request, "reports/verify.html", {"form": form, "result": result})
