"""A village's reserves: list with eligibility, add / edit / withdraw inline (htmx), measures and assessments."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from reserves.choices import ReserveStatus
from reserves.eligibility import check_eligibility
from reserves.forms import MeasureForm, ReserveAssessmentForm, ReserveEditForm, ReserveForm, WithdrawForm
from reserves.models import Reserve
from reserves.permissions import reserve_for, reserve_for_edit
from reserves.reviews import collect_review_warnings
from reserves.views import page_or_partial
from villages import permissions
from villages.models import Person, Village
from villages.risk import reference_date
from villages.rules import rules_for


def reserves_context(request: HttpRequest, village: Village) -> dict[str, Any]:
    on = reference_date(village)
    rules = rules_for(county_id=village.township.county_id, on=on)
    reserves = Reserve.objects.for_user(request.user).filter(village=village).select_related("person", "mentor")
    ordered = sorted(reserves, key=lambda r: (r.status != ReserveStatus.ACTIVE, r.target_post, r.rank, r.pk))
    rows = [(r, check_eligibility(person=r.person, village=village, on=on, rules=rules)) for r in ordered]
    return {"village": village, "rows": rows, "on": on, "can_edit": permissions.can_edit_roster(request.user, village)}


@require_GET
def village_reserves(request: HttpRequest, code: str) -> HttpResponse:
    village = permissions.village_for(request.user, code)
    return page_or_partial(request, "reserves/village_reserves.html", "reserves", reserves_context(request, village))


def reserves_saved(request: HttpRequest, village: Village) -> HttpResponse:
    """After a change: htmx gets the refreshed #reserves section, a browser the page."""
    if not request.htmx:
        return redirect("reserves:village_reserves", code=village.code)
    response = render(request, "reserves/village_reserves.html#reserves", reserves_context(request, village))
    return reswap(retarget(response, "#reserves"), "outerHTML")


def form_response(request: HttpRequest, form: Any, village: Village, *, title: str) -> HttpResponse:
    context = {"form": form, "village": village, "title": title, "action": request.get_full_path()}
    return page_or_partial(request, "reserves/reserve_form.html", "reserve-form", context)


def village_people(village: Village):
    return Person.objects.alive().in_villages(Village.objects.filter(pk=village.pk)).order_by("name", "pk")


@require_http_methods(["GET", "POST"])
def reserve_add(request: HttpRequest, code: str) -> HttpResponse:
    village = permissions.village_for_roster_edit(request.user, code)
    form = ReserveForm(request.POST or None, village=village, people=village_people(village), user=request.user)
    with collect_review_warnings() as warnings:
        valid = form.is_valid()
    if valid:
        form.save()
        for warning in warnings:
            messages.warning(request, warning)
        return reserves_saved(request, village)
    return form_response(request, form, village, title="新增后备干部")


@require_http_methods(["GET", "POST"])
def reserve_edit(request: HttpRequest, pk: int) -> HttpResponse:
    reserve = reserve_for_edit(request.user, pk)
    form = ReserveEditForm(request.POST or None, instance=reserve, people=village_people(reserve.village))
    if form.is_valid() and form.save_if_unchanged():
        return reserves_saved(request, reserve.village)
    return form_response(request, form, reserve.village, title=f"修改后备干部：{reserve.person.name}")


@require_http_methods(["GET", "POST"])
def reserve_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    reserve = reserve_for_edit(request.user, pk)
    form = WithdrawForm(request.POST or None)
    if reserve.status != ReserveStatus.ACTIVE:
        form.add_error(None, "只有在库的后备干部可以退出")
    if form.is_valid():
        reserve.withdraw(reason=form.cleaned_data["reason"], on=form.cleaned_data["on"])
        return reserves_saved(request, reserve.village)
    return form_response(request, form, reserve.village, title=f"退出后备：{reserve.person.name}")


def detail_context(request: HttpRequest, reserve: Reserve, **forms: Any) -> dict[str, Any]:
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
    }


@require_GET
def reserve_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reserve = reserve_for(request.user, pk)
    return render(request, "reserves/reserve.html", detail_context(request, reserve))


@require_POST
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    reserve = reserve_for_edit(request.user, pk)
    form = MeasureForm(request.POST)
    if form.is_valid():
        form.instance.reserve = reserve
        form.save()
        if not request.htmx:
            return redirect(reverse("reserves:reserve", args=[reserve.pk]) + "#measures")
        form = None
    context = detail_context(request, reserve, measure_form=form)
    return page_or_partial(request, "reserves/reserve.html", "measures", context)


@require_POST
def assessment_add(request: HttpRequest, pk: int) -> HttpResponse:
    reserve = reserve_for_edit(request.user, pk)
    form = ReserveAssessmentForm(request.POST, reserve=reserve)
    if form.is_valid():
        form.save()
        if not request.htmx:
            return redirect(reverse("reserves:reserve", args=[reserve.pk]) + "#assessments")
        form = None
    context = detail_context(request, reserve, assessment_form=form)
    return page_or_partial(request, "reserves/reserve.html", "assessments", context)
