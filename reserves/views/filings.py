"""备案 pages: the filings the user may see (filters in the query string), each recorded inline (htmx) by the
township's secretary or county staff (reserves.filings.can_record_filing). Rules: reserves/filings.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from reserves.after_forms import FilingFilterForm, FilingForm
from reserves.filings import can_record_filing, record_filing, subject_label
from reserves.models import Filing
from villages.http import AuthedHttpRequest, page_or_partial
from villages.models import Township, User
from villages.roster import StaleEditError

ROW_RELATIONS = ("village__township", "election", "post__person", "reserve__person", "mid_term_change__nominee")


def filing_for(user: User, pk: int) -> Filing:
    return get_object_or_404(Filing.objects.for_user(user).select_related(*ROW_RELATIONS), pk=pk)


def _decorate(filing: Filing, user: User, *, on) -> Filing:
    filing.subject = subject_label(filing)
    filing.status_now = filing.status(on)
    filing.can_record = can_record_filing(user, filing.village.township)
    return filing


@require_GET
def filing_list(request: AuthedHttpRequest) -> HttpResponse:
    """Filings in scope, due first; `?township=&status=&occasion=`. Constant queries (one page of rows)."""
    today = timezone.localdate()
    form = FilingFilterForm(request.GET, townships=Township.objects.for_user(request.user))
    filings = Filing.objects.for_user(request.user).select_related(*ROW_RELATIONS).order_by("filed_on", "due_on", "pk")
    if form.is_valid():
        data = form.cleaned_data
        if data["township"]:
            filings = filings.filter(village__township=data["township"])
        if data["status"]:
            filings = filings.of_status(data["status"], on=today)
        if data["occasion"]:
            filings = filings.filter(occasion=data["occasion"])
    page = Paginator(filings, 50).get_page(request.GET.get("page"))
    rows = [_decorate(f, request.user, on=today) for f in page]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter_form": form, "page": page, "rows": rows, "today": today, "query": query.urlencode()}
    return page_or_partial(request, "reserves/after/filings.html", "filing-table", context)


@require_http_methods(["GET", "POST"])
def filing_record(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """GET: the row with its form (htmx); POST: record the filing (date, 文号 or receipt, authority)."""
    filing = filing_for(request.user, pk)
    if not can_record_filing(request.user, filing.village.township):
        raise PermissionDenied("备案由本乡镇党委书记或县委组织部登记")
    if request.method == "GET":
        return _row(request, filing, FilingForm.for_filing(filing))
    form = FilingForm(request.POST, prefix=f"filing-{filing.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            record_filing(
                filing=filing,
                filed_on=data["filed_on"],
                document_number=data["document_number"],
                authority=data["authority"],
                note=data["note"],
                by=request.user,
                expected_version=data["version"],
            )
        except StaleEditError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"{filing.village.name}：{subject_label(filing)}已备案（{filing.document_number}）"
            )
            if not request.htmx:
                return redirect("reserves:filings")
            return _row(request, filing_for(request.user, pk), None)
    return _row(request, filing, form, status=422)


def _row(request: AuthedHttpRequest, filing: Filing, form: FilingForm | None, *, status: int = 200) -> HttpResponse:
    context = {"filing": _decorate(filing, request.user, on=timezone.localdate()), "form": form}
    template = "reserves/after/filings.html#filing-row" if request.htmx else "reserves/after/filing_form.html"
    return render(request, template, context, status=status)
