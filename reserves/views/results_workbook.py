"""Election results from an Excel sheet: template download, upload → preview (a dry run), confirm → all or nothing.

Who: whoever may record the township's elections (reserves/permissions.py: county staff of the county, the city
admin, the township's own secretary); outside the user's scope 404, read-only 403. Rows only reach the villages of
the township in the URL (reserves.results_workbook resolves 村名称 within it).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reserves.elections import ResultsRefused
from reserves.permissions import can_record_elections
from reserves.result_forms import ConfirmResultsForm, ResultsUploadForm
from reserves.results_workbook import PayloadExpired, apply_results, plan_results, results_template, rows_from_payload
from reserves.views.elections import entered, township_people
from reserves.winners import seats_by_village
from villages import permissions
from villages.models import Township, User, Village
from villages.views.workbook import xlsx_response


def township_for_results(user: User, code: str) -> Township:
    township = permissions.township_for(user, code)
    if not can_record_elections(user, township):
        raise PermissionDenied("只读用户不能录入换届结果")
    return township


@require_GET
def results_template_download(request: HttpRequest, code: str) -> FileResponse:
    township = township_for_results(request.user, code)
    villages = list(Village.objects.filter(township=township).order_by("code"))
    seats = seats_by_village(villages=villages, on=timezone.localdate())
    content = results_template(township=township, seats=[(village, seats[village.pk]) for village in villages])
    return xlsx_response(content, f"{township.name}换届结果模板.xlsx")


@require_http_methods(["GET", "POST"])
def results_upload(request: HttpRequest, code: str) -> HttpResponse:
    township = township_for_results(request.user, code)
    form = ResultsUploadForm(request.POST or None, request.FILES or None)
    plan = None
    if form.is_valid():
        data = form.cleaned_data
        plan = plan_results(
            source=data["file"],
            township=township,
            people=township_people(township),
            held_on=data["held_on"],
            term=data["term"],
        )
    context = {"township": township, "form": form, "plan": plan}
    if plan is not None and plan.is_valid:
        context["confirm_form"] = ConfirmResultsForm(initial={"payload": plan.payload(user=request.user)})
    status = 400 if request.method == "POST" and (plan is None or not plan.is_valid) else 200
    return render(request, "reserves/results_upload.html", context, status=status)


@require_POST
def results_upload_confirm(request: HttpRequest, code: str) -> HttpResponse:
    township = township_for_results(request.user, code)
    try:
        payload = ConfirmResultsForm(request.POST).payload_text()
        confirmed = rows_from_payload(payload, user=request.user, township=township)
        summary = apply_results(confirmed=confirmed, township=township, by=request.user)
    except PayloadExpired as expired:
        messages.error(request, str(expired))
        return redirect("reserves:results_upload", code=township.code)
    except ResultsRefused as refused:
        messages.error(request, "未录入任何结果：预览之后数据有变化。" + "；".join(map(str, refused.errors[:10])))
        return redirect("reserves:results_upload", code=township.code)
    entered(request, summary)
    return redirect("reserves:township_progress", code=township.code)
