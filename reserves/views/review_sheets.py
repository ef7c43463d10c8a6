"""Workbooks of the 联审台账: the ledger export, the department sheets, and reading the departments' answers back
(upload → preview → apply; the preview carries the planned opinions signed, never the file or ID numbers)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from reserves.review_forms import AnswersUploadForm
from reserves.reviews import can_read_details
from reserves.reviews.access import is_county_side, log_shown_items
from reserves.reviews.answers import Answer, apply_answers, plan_answers
from reserves.reviews.ledger import ledger, ledger_workbook
from reserves.reviews.sheets import department_sheets, zipped
from reserves.views.reviews import Area, SignedInRequest, area_for, ledger_filters
from villages.workbook.problems import RowProblem

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SIGNING_SALT = "review-answers"
PREVIEW_MAX_AGE = 3600  # seconds a preview may be applied


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@require_GET
def ledger_export(request: SignedInRequest, level: str, code: str) -> HttpResponse:
    area = area_for(request.user, level, code)
    _, filters = ledger_filters(request)
    book = ledger(villages=area.villages, detail=can_read_details(request.user), **filters)
    title = f"{area.name}资格联审台账（{timezone.localdate():%Y-%m-%d}）"
    content = ledger_workbook(book, title=title)
    log_shown_items(user=request.user, outcomes=[row.outcome for row in book.rows], context="ledger_export")
    return _download(content, f"{title}.xlsx", XLSX)


@require_GET
def sheets_export(request: SignedInRequest, level: str, code: str) -> HttpResponse:
    """One .xlsx per department (zip), or one department's (?department=); audited once per download."""
    area = area_for(request.user, level, code)
    _, filters = ledger_filters(request)
    department = request.GET.get("department", "").strip()
    sheets = department_sheets(
        villages=area.villages,
        county=area.county,
        user=request.user,
        title=area.name,
        department=department,
        purpose=filters.get("purpose", ""),
        cycle=filters.get("cycle", ""),
    )
    if not sheets:
        messages.info(request, "没有需要部门核查的待审人员")
        return redirect("reserves:review_ledger", level=level, code=code)
    if department:
        return _download(sheets[0].content, sheets[0].filename, XLSX)
    return _download(zipped(sheets), f"{area.name}-资格联审核查表.zip", "application/zip")


@require_http_methods(["GET", "POST"])
def answers_import(request: SignedInRequest, level: str, code: str) -> HttpResponse:
    """A department's returned sheet: upload and preview, then apply everything or nothing."""
    area = area_for(request.user, level, code)
    if not is_county_side(request.user, area.county):
        raise PermissionDenied("县级联审意见由县委组织部录入")
    if request.method == "POST" and "payload" in request.POST:
        return _apply(request, area)
    form = AnswersUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"area": area, "form": form}
    if form.is_valid():
        plan = plan_answers(form.cleaned_data["workbook"], user=request.user, villages=area.villages)
        payload = signing.dumps([a.as_dict() for a in plan.answers], salt=SIGNING_SALT, compress=True)
        context |= {"plan": plan, "payload": payload if plan.ok and plan.answers else ""}
    status = 422 if form.errors or (context.get("plan") and not context["plan"].ok) else 200
    return render(request, "reserves/reviews/answers.html", context, status=status)


def _apply(request: SignedInRequest, area: Area) -> HttpResponse:
    try:
        rows = signing.loads(request.POST["payload"], salt=SIGNING_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        problems = [RowProblem(0, "文件", "预览已过期或被改动，请重新上传")]
        context = {"area": area, "form": AnswersUploadForm(), "problems": problems}
        return render(request, "reserves/reviews/answers.html", context, status=422)
    answers = [Answer(**row) for row in rows]
    problems = apply_answers(answers, user=request.user, villages=area.villages)
    if problems:
        context = {"area": area, "form": AnswersUploadForm(), "problems": problems}
        return render(request, "reserves/reviews/answers.html", context, status=422)
    messages.success(request, f"已录入 {len(answers)} 条部门审查意见")
    return redirect("reserves:review_ledger", level=area.level, code=area.code)
