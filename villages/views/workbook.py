"""Roster workbooks: template download, import (upload → preview → confirm, with progress polling), exports.

Who may import: the township's own secretary (others in scope 403, outsiders 404). Exports: anyone who can see
the township or people; ID numbers whole only for people the user may edit (villages.workbook.exporter).
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from tasks.models import ImportJob, JobStatus
from villages import permissions
from villages.filters import PersonFilter
from villages.models import Person, Township, User, Village
from villages.workbook import exporter, jobs
from villages.workbook.forms import RosterUploadForm
from villages.workbook.reader import default_assessment_year
from villages.workbook.template import XLSX_CONTENT_TYPE, roster_workbook


def xlsx_response(content: bytes, filename: str) -> FileResponse:
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def township_for_import(user: User, code: str) -> Township:
    township = permissions.township_for(user, code)
    if not (user.is_township_secretary and user.township_id == township.pk):
        raise PermissionDenied("只有本乡镇党委书记可以导入花名册")
    return township


def import_job_for(user: User, pk: int) -> tuple[ImportJob, Township]:
    """A user sees only their own import jobs, and only while they may still import into that township."""
    job = get_object_or_404(ImportJob.objects.filter(created_by=user), pk=pk)
    return job, township_for_import(user, job.township_code)


@require_GET
def roster_template(request: HttpRequest) -> FileResponse:
    villages = Village.objects.editable_roster_by(request.user).order_by("code")  # the secretary's own villages
    content = roster_workbook(
        title="村干部花名册",
        rows=[],
        assessment_year=default_assessment_year(timezone.localdate()),
        villages=[village.name for village in villages],
    )
    return xlsx_response(content, "花名册模板.xlsx")


@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest, code: str) -> HttpResponse:
    township = township_for_import(request.user, code)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        job = jobs.start_import_job(township=township, upload=form.cleaned_data["file"], user=request.user)
        return redirect("villages:roster_import_job", pk=job.pk)
    recent = ImportJob.objects.filter(created_by=request.user, township_code=township.code)[:10]
    return render(request, "villages/workbook/import.html", {"township": township, "form": form, "recent": recent})


@require_GET
def roster_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job, township = import_job_for(request.user, pk)
    finished = job.status in (JobStatus.DONE, JobStatus.FAILED)
    context = {"job": job, "township": township, "finished": finished, "preview": jobs.preview(job)}
    if request.htmx:
        response = render(request, "villages/workbook/job.html#job-status", context)
        return HttpResponseStopPolling(response.content) if finished else response
    return render(request, "villages/workbook/job.html", context)


@require_POST
def roster_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job, _ = import_job_for(request.user, pk)
    if not jobs.confirm_import_job(job=job):
        messages.error(request, "该导入已确认过，或预览中有问题，不能导入")
    return redirect("villages:roster_import_job", pk=job.pk)


@require_GET
def roster_export(request: HttpRequest, code: str) -> FileResponse:
    township = permissions.township_for(request.user, code)
    content = exporter.township_roster(township=township, user=request.user)
    return xlsx_response(content, f"{township.name}花名册_{timezone.localdate():%Y%m%d}.xlsx")


@require_GET
def people_export(request: HttpRequest) -> FileResponse:
    """The people list's rows with the same filters (PersonFilter on the user's scoped people)."""
    scoped = Person.objects.for_user(request.user)
    person_filter = PersonFilter(request.GET, queryset=scoped, user=request.user)
    content = exporter.people_list(people=person_filter.qs, user=request.user)
    return xlsx_response(content, f"人员名单_{timezone.localdate():%Y%m%d}.xlsx")
