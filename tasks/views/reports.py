"""Report pages: request a report, watch its progress (htmx polling that stops when done), download it, and
verify a printed copy by its verification code.

Every lookup starts from `ReportJob.objects.for_user(user)`: a job or file outside the user's scope is a 404.
Files are streamed by `download`, never exposed under MEDIA_URL.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from tasks.forms import ReportRequestForm, VerifyForm
from tasks.models import JobStatus, ReportJob, ReportKind
from tasks.reports import jobs
from tasks.reports.editions import township_zip
from tasks.reports.verification import verify as verify_code


def _job_for(request: HttpRequest, pk: int) -> ReportJob:
    return get_object_or_404(ReportJob.objects.for_user(request.user).select_related("batch"), pk=pk)


@require_POST
def create(request: HttpRequest) -> HttpResponse:
    form = ReportRequestForm(request.POST)
    if not form.is_valid():
        return render(request, "reports/_request_errors.html", {"form": form}, status=400)
    job = jobs.create_report_job(user=request.user, **form.cleaned_data)
    if request.htmx:
        return render(request, "reports/job.html#job-progress", {"job": job})
    return redirect("reports:job", pk=job.pk)


@require_GET
def job(request: HttpRequest, pk: int) -> HttpResponse:
    report = _job_for(request, pk)
    jobs.nudge(job=report)
    context = {"job": report}
    if not request.htmx:
        return render(request, "reports/job.html", context)
    response = render(request, "reports/job.html#job-progress", context)
    if report.status in jobs.FINISHED:
        response.status_code = HttpResponseStopPolling.status_code
    return response


@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    report = jobs.retry_report_job(job=_job_for(request, pk))
    if request.htmx:
        return render(request, "reports/job.html#job-progress", {"job": report})
    return redirect("reports:job", pk=report.batch.jobs.get(kind=ReportKind.TOWNSHIP).pk if report.batch_id else pk)


@require_GET
def download(request: HttpRequest, pk: int) -> FileResponse:
    report = _job_for(request, pk)
    if report.status != JobStatus.DONE or not report.file:
        raise Http404("报告尚未生成")
    name = f"{report.number or report.scope}-{report.get_kind_display()}-{report.scope}.pdf"
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=name, content_type="application/pdf")


@require_GET
def download_zip(request: HttpRequest, pk: int) -> HttpResponse:
    report = _job_for(request, pk)
    if report.kind != ReportKind.TOWNSHIP or report.status != JobStatus.DONE:
        raise Http404("报告尚未生成")
    data, sha256 = township_zip(job=report)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="township-{report.scope}-{sha256[:8]}.zip"'
    response["X-Content-SHA256"] = sha256
    return response


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """报告核验: does the printed copy with this code match today's data? Scoped: other units' codes are not found."""
    form = VerifyForm(request.GET or None)
    result = verify_code(user=request.user, typed=form.cleaned_data["code"]) if form.is_valid() else None
    return render(request, "reports/verify.html", {"form": form, "result": result})
