"""Roster workbook imports as background jobs: upload → preview (dry run) → confirm, with progress polling.

Who may import: the township's own secretary (others in scope 403, outsiders 404). The job model and its
orchestration live in this app (tasks.models.ImportJob, tasks.imports); the importer itself is villages.workbook.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from tasks import imports as jobs
from tasks.models import ImportJob, JobStatus
from villages import permissions
from villages.http import AuthedHttpRequest, page_or_partial
from villages.models import Township, User
from villages.workbook.forms import RosterUploadForm


def township_for_import(user: User, code: str) -> Township:
    township = permissions.township_for(user, code)
    if not (user.is_township_secretary and user.township_id == township.pk):
        raise PermissionDenied("只有本乡镇党委书记可以导入花名册")
    return township


def import_job_for(user: User, pk: int) -> tuple[ImportJob, Township]:
    """A user sees only their own import jobs, and only while they may still import into that township."""
    job = get_object_or_404(ImportJob.objects.filter(created_by=user), pk=pk)
    return job, township_for_import(user, job.township_code)


@require_http_methods(["GET", "POST"])
def roster_import(request: AuthedHttpRequest, code: str) -> HttpResponse:
    township = township_for_import(request.user, code)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        job = jobs.start_import_job(township=township, upload=form.cleaned_data["file"], user=request.user)
        return redirect("imports:roster_import_job", pk=job.pk)
    recent = ImportJob.objects.filter(created_by=request.user, township_code=township.code)[:10]
    return render(request, "villages/workbook/import.html", {"township": township, "form": form, "recent": recent})


@require_GET
def roster_import_job(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    job, township = import_job_for(request.user, pk)
    finished = job.status in (JobStatus.DONE, JobStatus.FAILED)
    context = {"job": job, "township": township, "finished": finished, "preview": jobs.preview(job)}
    response = page_or_partial(request, "villages/workbook/job.html", "job-status", context)
    if request.htmx and finished:
        response.status_code = HttpResponseStopPolling.status_code
    return response


@require_POST
def roster_import_confirm(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    job, _ = import_job_for(request.user, pk)
    if not jobs.confirm_import_job(job=job):
        messages.error(request, "该导入已确认过，或预览中有问题，不能导入")
    return redirect("imports:roster_import_job", pk=job.pk)
