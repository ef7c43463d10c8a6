"""The risk loop's other steps: the township answers (整改情况 + attachment → 已整改待核), the county confirms or
sends back, the attachment download, and the list's xlsx export. Rules live in villages.risk (queue.py).

Outsiders 404 (scoped lookup); in scope but not allowed 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from villages import permissions, risk
from villages.choices import ReviewStatus
from villages.forms.risk import RiskAnswerForm, RiskDecisionForm
from villages.forms.risk_filters import RiskFilter
from villages.http import AuthedHttpRequest, stored_file
from villages.models import Risk
from villages.roster import StaleEditError
from villages.views.risks import risk_for, risk_row, saved_row
from villages.views.workbook import xlsx_response
from villages.workbook.risks import risk_workbook


@require_GET
def risk_row_view(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """One risk row as the list shows it (the 取消 of an inline form; a plain page without htmx)."""
    return risk_row(request, risk_for(request.user, pk), None)


@require_http_methods(["GET", "POST"])
def risk_answer(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The township's secretary: GET the answer form in the row; POST what was done (and a file) → 已整改待核."""
    found = risk_for(request.user, pk)
    if not permissions.can_answer_risk(request.user, found):
        raise PermissionDenied("只有本乡镇党委书记可以答复整改情况")
    if request.method == "GET":
        initial = {"action_taken": found.action_taken, "version": found.version}
        return risk_row(request, found, RiskAnswerForm(initial=initial))
    form = RiskAnswerForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            risk.answer_risk(
                risk=found,
                by=request.user,
                expected_version=data["version"],
                action_taken=data["action_taken"],
                attachment=data["attachment"] or None,
            )
        except StaleEditError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return saved_row(request, found, "已提交整改情况，等待县委组织部核实")
    return risk_row(request, found, form, status=422)


@require_POST
def risk_decide(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The county on an answered risk: confirm (→ 已解决) or send back (→ 处理中, with the reason in the note)."""
    found = risk_for(request.user, pk)
    if not permissions.can_review_risk(request.user, found):
        raise PermissionDenied("只读用户不能处理风险")
    form = RiskDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        confirm = data["decision"] == "confirm"
        try:
            risk.review_risk(
                risk=found,
                by=request.user,
                expected_version=data["version"],
                review_status=ReviewStatus.RESOLVED if confirm else ReviewStatus.IN_PROGRESS,
                owner_id=found.owner_id,
                due_on=found.due_on,
                note=data["note"].strip() or found.note,
            )
        except StaleEditError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return saved_row(request, found, "已确认整改，风险已解决" if confirm else "已退回乡镇重新整改")
    return risk_row(request, found, form, status=422)


@require_GET
def risk_attachment(request: AuthedHttpRequest, pk: int) -> FileResponse:
    """The rectification attachment, for anyone who can see the risk."""
    found = risk_for(request.user, pk)
    if not found.attachment:
        raise Http404("没有附件")
    return FileResponse(stored_file(found.attachment), as_attachment=True, filename=found.attachment_name)


@require_GET
def risks_export(request: AuthedHttpRequest) -> FileResponse:
    """The list's rows with the same filters as .xlsx (no ID numbers in it, so no ID-view audit rows)."""
    scoped = Risk.objects.for_user(request.user)
    filters = RiskFilter(request.GET, queryset=scoped, user=request.user)
    content = risk_workbook(risks=filters.qs)
    return xlsx_response(content, f"风险清单_{timezone.localdate():%Y%m%d}.xlsx")
