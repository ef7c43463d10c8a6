"""届中调整 pages: a township's changes (open first) with counts per cycle, a county's counts per township and
cycle, opening a vacancy in a village, and one change with its dated steps (each step an htmx form that
re-renders the steps). Rules: reserves/midterm.py.

Anyone who sees the township, county or village reads; outsiders 404. Running the workflow is the township's own
secretary's (403 for others); county staff record the 备案 on the filings page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reserves import midterm
from reserves.after_forms import VacancyForm, step_forms
from reserves.models import MidTermChange
from reserves.reviews import collect_review_warnings
from villages import permissions
from villages.http import AuthedHttpRequest, page_or_partial
from villages.models import Person, User, Village
from villages.roster import StaleEditError

STEPS = ("nominate", "review", "file", "appoint", "cancel")
SAVED = {
    "nominate": "已提名拟任人选，任前备案已列入待办",
    "review": "已记录资格审查通过",
    "file": "已记录任前备案",
    "appoint": "已任职，花名册已更新",
    "cancel": "已撤销本次调整",
}


def change_for(user: User, pk: int) -> MidTermChange:
    changes = MidTermChange.objects.for_user(user).select_related(
        "village__township__county", "nominee", "nominee_reserve", "filing", "vacated_assignment__person", "group"
    )
    return get_object_or_404(changes, pk=pk)


@require_GET
def township_changes(request: AuthedHttpRequest, code: str) -> HttpResponse:
    township = permissions.township_for(request.user, code)
    villages = Village.objects.for_user(request.user).filter(township=township)
    changes = MidTermChange.objects.filter(village__in=villages).select_related("village", "nominee", "filing")
    today = timezone.localdate()
    rows = sorted(changes, key=lambda c: (c.appointed_on is not None, c.cancelled_on is not None, -c.pk))
    for change in rows:
        change.days = change.days_vacant(today)
    context = {
        "township": township,
        "level": "township",
        "changes": rows,
        "counts": midterm.mid_term_counts(changes, on=today),
        "villages": villages.order_by("code"),
        "can_edit": midterm.can_run_changes(request.user, township),
        "today": timezone.localdate(),
    }
    return render(request, "reserves/after/midterm_list.html", context)


@require_GET
def county_changes(request: AuthedHttpRequest, code: str) -> HttpResponse:
    county = permissions.county_for(request.user, code)
    villages = Village.objects.for_user(request.user).filter(township__county=county)
    changes = MidTermChange.objects.filter(village__in=villages)
    context = {"county": county, "level": "county", "counts": midterm.mid_term_counts(changes, on=timezone.localdate())}
    return render(request, "reserves/after/midterm_list.html", context)


@require_http_methods(["GET", "POST"])
def open_change(request: AuthedHttpRequest, code: str) -> HttpResponse:
    village = permissions.village_for(request.user, code)
    if not midterm.can_run_changes(request.user, village.township):
        raise PermissionDenied("届中调整由本乡镇党委书记办理")
    form = VacancyForm(request.POST or None, village=village)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = midterm.open_vacancy(
                assignment=data["assignment"],
                vacated_on=data["vacated_on"],
                reason=data["reason"],
                reason_note=data["reason_note"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"已登记{village.name}{change.get_post_display()}空缺，请提名拟任人选")
            return redirect("reserves:mid_term_change", pk=change.pk)
    status = 422 if form.errors else 200
    return render(request, "reserves/after/midterm_open.html", {"village": village, "form": form}, status=status)


def _people(change: MidTermChange) -> Any:
    return Person.objects.alive().in_villages(Village.objects.filter(township_id=change.village.township_id))


def _detail_context(request: AuthedHttpRequest, change: MidTermChange, forms: dict[str, Any]) -> dict[str, Any]:
    return {
        "change": change,
        "forms": forms,
        "suggested": midterm.suggested_nominees(change),
        "can_edit": midterm.can_run_changes(request.user, change.village.township),
        "nominee_reviews": midterm.nominee_reviews(change),
        "today": timezone.localdate(),
    }


@require_GET
def change_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    change = change_for(request.user, pk)
    context = _detail_context(request, change, step_forms(change, people=_people(change).order_by("name")))
    return page_or_partial(request, "reserves/after/midterm_change.html", "change-steps", context)


@require_POST
def change_step(request: AuthedHttpRequest, pk: int, step: str) -> HttpResponse:
    """POST one step's form; the steps again (htmx) or the page, with the errors on the form that was posted."""
    if step not in STEPS:
        raise Http404("没有这个步骤")
    change = change_for(request.user, pk)
    if not midterm.can_run_changes(request.user, change.village.township):
        raise PermissionDenied("届中调整由本乡镇党委书记办理")
    people = _people(change).order_by("name")
    forms = step_forms(change, people=people, data=request.POST, step=step)
    form = forms[step]
    if form.is_valid():
        try:
            with collect_review_warnings() as warnings:
                _apply(step, change, form.cleaned_data, by=request.user)
        except StaleEditError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{change.village.name}{change.get_post_display()}：{SAVED[step]}")
            for warning in warnings:  # appointed without a passed review where the county's rule only warns
                messages.warning(request, warning)
            if not request.htmx:
                return redirect("reserves:mid_term_change", pk=change.pk)
            change = change_for(request.user, pk)
            forms = step_forms(change, people=people)
            return page_or_partial(
                request, "reserves/after/midterm_change.html", "change-steps", _detail_context(request, change, forms)
            )
        change = change_for(request.user, pk)  # a refused step may have been applied to the object in part
    context = _detail_context(request, change, forms)
    return page_or_partial(request, "reserves/after/midterm_change.html", "change-steps", context, status=422)


def _apply(step: str, change: MidTermChange, data: dict[str, Any], *, by: User) -> None:
    version = data["version"]
    if step == "nominate":
        midterm.nominate(
            change=change, person=data["nominee"], nominated_on=data["nominated_on"], by=by, expected_version=version
        )
    elif step == "review":
        midterm.record_review(
            change=change, passed_on=data["passed_on"], reference=data["reference"], by=by, expected_version=version
        )
    elif step == "file":
        midterm.file_change(
            change=change,
            filed_on=data["filed_on"],
            document_number=data["document_number"],
            authority=data["authority"],
            by=by,
            expected_version=version,
        )
    elif step == "appoint":
        midterm.appoint(
            change=change,
            appointed_on=data["appointed_on"],
            how=data["how"],
            source=data["source"],
            by=by,
            expected_version=version,
        )
    else:
        midterm.cancel(change=change, reason=data["cancel_reason"], by=by, expected_version=version)
