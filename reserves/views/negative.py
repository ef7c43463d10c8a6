"""Negative records (负面清单记录) of a person, the county's negative list and department list, and the audit of
the review's sensitive side. Records: county staff and the city admin only (township secretaries: 403); every
page that shows a record's detail is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from reserves.models import NegativeListItem, NegativeRecord, Review, ReviewAuditEntry, ReviewDepartmentList
from reserves.review_forms import DepartmentListForm, NegativeItemForm, NegativeRecordForm
from reserves.reviews import ReviewRuleBook, can_read_details, is_live
from reserves.reviews.access import log_detail_views, person_for_records, record_county, record_for
from reserves.reviews.opening import add_negative_record
from reserves.views.reviews import SignedInRequest
from villages import permissions
from villages.models import County


def _records_context(request: SignedInRequest, person: Any, form: NegativeRecordForm) -> dict[str, Any]:
    today = timezone.localdate()
    county = record_county(request.user, person)
    book = ReviewRuleBook.load(county_ids=[county.pk])
    records = list(NegativeRecord.objects.for_user(request.user).filter(person=person).select_related("recorded_by"))
    log_detail_views(user=request.user, records=records, context="person_records")
    items = [(r, book.item(county_id=r.county_id, code=r.item_code, on=today)) for r in records]
    rows = [(r, item, is_live(r, item, on=today)) for r, item in items]
    reviews = Review.objects.for_user(request.user).filter(person=person).select_related("village")
    return {"person": person, "rows": rows, "form": form, "reviews": reviews, "county": county}


@require_http_methods(["GET", "POST"])
def person_records(request: SignedInRequest, pk: int) -> HttpResponse:
    person = person_for_records(request.user, pk)
    county = record_county(request.user, person)
    items = ReviewRuleBook.load(county_ids=[county.pk]).items(county_id=county.pk, on=timezone.localdate())
    form = NegativeRecordForm(request.POST or None, county_id=county.pk, items=items)
    if form.is_valid():
        add_negative_record(person=person, county=county, by=request.user, **form.cleaned_data)
        messages.success(request, "已登记负面清单记录")
        return redirect("reserves:person_records", pk=person.pk)
    context = _records_context(request, person, form)
    return render(request, "reserves/reviews/records.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def record_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    """Record a rectification or an end date (the item and person stay)."""
    record = record_for(request.user, pk)
    items = ReviewRuleBook.load(county_ids=[record.county_id]).items(
        county_id=record.county_id, on=timezone.localdate()
    )
    form = NegativeRecordForm(request.POST or None, instance=record, county_id=record.county_id, items=items)
    if form.is_valid():
        form.save()
        messages.success(request, "已保存")
        return redirect("reserves:person_records", pk=record.person_id)
    if request.method == "GET":
        log_detail_views(user=request.user, records=[record], context="record_edit")
    context = {"record": record, "form": form}
    return render(request, "reserves/reviews/record_form.html", context, status=422 if form.errors else 200)


def _rules_county(request: SignedInRequest) -> County | None:
    """Whose lists the page shows: the user's county; a city or province admin picks one of theirs (?county=) or
    the defaults."""
    user = request.user
    if user.is_admin:
        code = request.GET.get("county")
        return permissions.county_for(user, code) if code else None
    if user.is_county_staff:
        return user.county
    if user.township is None:
        raise PermissionDenied("无权查看联审规则")
    return user.township.county


@require_http_methods(["GET", "POST"])
def review_rules(request: SignedInRequest) -> HttpResponse:
    """The county's negative list and department list: in force today, with every dated version and its 文号."""
    user = request.user
    county = _rules_county(request)
    # The defaults hold for every county of the province: only a province admin changes them.
    can_edit = user.oversees_county(county) if county is not None else user.is_province_admin
    which = request.POST.get("form")
    item_form = NegativeItemForm(request.POST if which == "item" else None)
    list_form = DepartmentListForm(request.POST if which == "departments" else None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("只读用户不能修改联审规则")
        saved = _save_rules(which, item_form, list_form, county=county)
        if saved:
            messages.success(request, saved)
            return redirect(f"{request.path}?county={county.code}" if county else request.path)
    county_id = county.pk if county else None
    book = ReviewRuleBook.load(county_ids=[county_id] if county_id else [])
    scope = {"county": county} if county else {"county__isnull": True}
    context = {
        "county": county,
        "can_edit": can_edit,
        "items": book.items(county_id=county_id, on=timezone.localdate()),
        "departments": book.department_list(county_id=county_id, on=timezone.localdate()),
        "item_history": NegativeListItem.objects.filter(**scope).order_by("code", "-effective_on"),
        "list_history": ReviewDepartmentList.objects.filter(**scope).order_by("-effective_on"),
        "item_form": item_form,
        "list_form": list_form,
        "counties": County.objects.for_user(user) if user.is_admin else [],
    }
    failed = item_form.errors or list_form.errors
    return render(request, "reserves/reviews/rules.html", context, status=422 if failed else 200)


def _save_rules(which: str | None, item_form: Any, list_form: Any, *, county: County | None) -> str:
    if which == "item" and item_form.is_valid():
        data = item_form.cleaned_data
        NegativeListItem.objects.update_or_create(
            county=county, code=data.pop("code"), effective_on=data.pop("effective_on"), defaults=data
        )
        return "已保存负面清单条目的新版本"
    if which == "departments" and list_form.is_valid():
        data = list_form.cleaned_data
        ReviewDepartmentList.objects.update_or_create(
            county=county,
            effective_on=data["effective_on"],
            defaults={"departments": data["departments"], "document_number": data["document_number"]},
        )
        return "已保存联审部门名单的新版本"
    return ""


@require_GET
def review_audit(request: SignedInRequest) -> HttpResponse:
    """留痕: who saw negative-list details, who took department sheets, who let whom through (county side)."""
    user = request.user
    if not can_read_details(user):
        raise PermissionDenied("联审留痕仅县委组织部可查看")
    entries = ReviewAuditEntry.objects.select_related("user", "person", "county")
    entries = entries.filter(county__in=County.objects.for_user(user)) if not user.is_province_admin else entries
    page = Paginator(entries.order_by("-at", "-pk"), 50).get_page(request.GET.get("page"))
    template = "reserves/reviews/audit.html" + ("#audit-list" if request.htmx else "")
    return render(request, template, {"page": page})
