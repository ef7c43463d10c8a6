"""A village's reserves: list with eligibility, add / edit / withdraw inline (htmx), measures and assessments."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reserves.choices import ReserveStatus
from reserves.eligibility import check_eligibility, reserve_candidates
from reserves.forms import MeasureForm, ReserveAssessmentForm, ReserveEditForm, ReserveForm, WithdrawForm
from reserves.models import Reserve
from reserves.permissions import reserve_for, reserve_for_edit
from reserves.reviews import collect_review_warnings
from reserves.views.reserve_sections import bench_context
from villages import permissions
from villages.http import AuthedHttpRequest, page_or_partial, saved_section
from villages.models import Village
from villages.risk import reference_date
from villages.rules import rules_for


def reserves_context(request: AuthedHttpRequest, village: Village) -> dict[str, Any]:
    on = reference_date(village)
    rules = rules_for(county_id=village.township.county_id, on=on)
    reserves = Reserve.objects.for_user(request.user).filter(village=village).select_related("person", "mentor")
    ordered = sorted(reserves, key=lambda r: (r.status != ReserveStatus.ACTIVE, r.target_post, r.rank, r.pk))
    rows = [(r, check_eligibility(person=r.person, village=village, on=on, rules=rules)) for r in ordered]
    return {"village": village, "rows": rows, "on": on, "can_edit": permissions.can_edit_roster(request.user, village)}


@require_GET
def village_reserves(request: AuthedHttpRequest, code: str) -> HttpResponse:
    village = permissions.village_for(request.user, code)
    return page_or_partial(request, "reserves/village_reserves.html", "reserves", reserves_context(request, village))


def reserves_saved(request: AuthedHttpRequest, village: Village) -> HttpResponse:
    """After a change: htmx gets the refreshed #reserves section, a browser the page."""
    return saved_section(
        request,
        template="reserves/village_reserves.html",
        partial="reserves",
        context=lambda: reserves_context(request, village),
        browser_url=reverse("reserves:village_reserves", args=[village.code]),
    )


def form_response(request: AuthedHttpRequest, form: Any, village: Village, *, title: str) -> HttpResponse:
    context = {"form": form, "village": village, "title": title, "action": request.get_full_path()}
    return page_or_partial(request, "reserves/reserve_form.html", "reserve-form", context)


def village_people(village: Village):
    return reserve_candidates(village=village)


@require_http_methods(["GET", "POST"])
def reserve_add(request: AuthedHttpRequest, code: str) -> HttpResponse:
    village = permissions.village_for_roster_edit(request.user, code)
    form = ReserveForm(request.POST or None, village=village, people=village_people(village), user=request.user)
    with collect_review_warnings() as warnings:
        valid = form.is_valid()
    if valid:
        reserve = form.save()
        messages.success(request, f"已将{reserve.person.name}列为后备干部（目标：{reserve.get_target_post_display()}）")
        for warning in warnings:
            messages.warning(request, warning)
        return reserves_saved(request, village)
    return form_response(request, form, village, title="新增后备干部")


@require_http_methods(["GET", "POST"])
def reserve_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    reserve = reserve_for_edit(request.user, pk)
    form = ReserveEditForm(request.POST or None, instance=reserve, people=village_people(reserve.village))
    if form.is_valid() and form.save_if_unchanged():
        messages.success(request, f"已保存{reserve.person.name}的后备干部信息")
        return reserves_saved(request, reserve.village)
    return form_response(request, form, reserve.village, title=f"修改后备干部：{reserve.person.name}")


@require_http_methods(["GET", "POST"])
def reserve_withdraw(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    reserve = reserve_for_edit(request.user, pk)
    form = WithdrawForm(request.POST or None)
    if reserve.status != ReserveStatus.ACTIVE:
        form.add_error(None, "只有在库的后备干部可以退出")
    if form.is_valid():
        reserve.withdraw(reason=form.cleaned_data["reason"], on=form.cleaned_data["on"])
        messages.success(request, f"{reserve.person.name}已退出后备干部：{reserve.withdrawn_reason}")
        return reserves_saved(request, reserve.village)
    return form_response(request, form, reserve.village, title=f"退出后备：{reserve.person.name}")


def detail_context(request: AuthedHttpRequest, reserve: Reserve, **forms: Any) -> dict[str, Any]:
    village = reserve.village
    can_edit = permissions.can_edit_roster(request.user, village)
    return {
        "reserve": reserve,
        "village": village,
        "eligibility": check_eligibility(person=reserve.person, village=village, on=reference_date(village)),
        "measures": reserve.measures.all(),
        "assessments": reserve.assessments.all(),
        "can_edit": can_edit,
        "measure_form": forms.get("measure_form") or (MeasureForm() if can_edit else None),
        "assessment_form": forms.get("assessment_form")
        or (ReserveAssessmentForm(reserve=reserve) if can_edit else None),
        "today": timezone.localdate(),
        **bench_context(request, reserve, **forms),
    }


@require_GET
def reserve_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    reserve = reserve_for(request.user, pk)
    return render(request, "reserves/reserve.html", detail_context(request, reserve))


@require_POST
def measure_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    reserve = reserve_for_edit(request.user, pk)
    form = MeasureForm(request.POST)
    if form.is_valid():
        form.instance.reserve = reserve
        measure = form.save()
        messages.success(request, f"已记录{reserve.person.name}的培养措施：{measure.get_kind_display()}")
        if not request.htmx:
            return redirect(reverse("reserves:reserve", args=[reserve.pk]) + "#measures")
    context = detail_context(request, reserve, measure_form=None if form.is_valid() else form)
    return page_or_partial(request, "reserves/reserve.html", "measures", context)


@require_POST
def assessment_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    reserve = reserve_for_edit(request.user, pk)
    form = ReserveAssessmentForm(request.POST, reserve=reserve)
    if form.is_valid():
        assessment = form.save()
        messages.success(request, f"已记录{reserve.person.name}{assessment.year}年度后备干部考核")
        if not request.htmx:
            return redirect(reverse("reserves:reserve", args=[reserve.pk]) + "#assessments")
    context = detail_context(request, reserve, assessment_form=None if form.is_valid() else form)
    return page_or_partial(request, "reserves/reserve.html", "assessments", context)
