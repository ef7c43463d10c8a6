"""Elections (换届): a village's elections with its results entry, the entry for an election registered earlier
(e.g. through the API), and a township's one-screen entry. All three show the same grid (reserves.result_forms):
the seats pre-filled, blank rows ignored, 添加一行 (htmx: the new row only; without htmx `?rows=N` reloads the page
with N rows), every error on its row and field and listed on top. A refused entry writes nothing.

Who may record: county staff of the county, the city admin, and the township's own secretary
(reserves/permissions.py); everyone who sees the village may read.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from reserves.elections import (
    RecordSummary,
    ResultsRefused,
    record_results,
    record_township_results,
    record_village_results,
)
from reserves.midterm import can_run_changes
from reserves.models import Election, MidTermChange
from reserves.permissions import can_record_elections, election_for_record
from reserves.result_forms import ElectionDateForm, ResultRowsFormSet, RowCountForm, results_formset
from reserves.reviews import collect_review_warnings
from reserves.winners import seats_by_village
from villages import permissions
from villages.headlines import roster_order
from villages.http import AuthedHttpRequest
from villages.models import Person, Township, User, Village

PEOPLE_LIST = "village-people"  # the <datalist> of a village's people offered in the 当选人 cells


def township_people(township: Township) -> QuerySet[Person]:
    return Person.objects.alive().in_villages(Village.objects.filter(township=township))


def village_people(village: Village) -> QuerySet[Person]:
    return Person.objects.alive().in_villages(Village.objects.filter(pk=village.pk)).order_by("name")


def results_grid(request: AuthedHttpRequest, *, township: Township, villages: list[Village], one_village: bool):
    """The grid of a POST, or a fresh one with the seats of `villages` (one village: no 村 column)."""
    data = request.POST if request.method == "POST" else None
    seats = None
    if data is None:
        by_village = seats_by_village(villages=villages, on=timezone.localdate())
        seats = [
            {"post": post} if one_village else {"post": post, "village": str(village.pk)}
            for village in villages
            for post in by_village[village.pk]
        ]
    return results_formset(
        data,
        people=township_people(township),
        seats=seats,
        village=villages[0] if one_village else None,
        villages=None if one_village else {str(village.pk): village for village in villages},
        rows=RowCountForm(request.GET).count(),
        people_list=PEOPLE_LIST if one_village else "",
    )


def added_row(request: AuthedHttpRequest, formset: ResultRowsFormSet) -> HttpResponse | None:
    """htmx 添加一行: the grid's last row and the new row count (out of band); None for any other request."""
    if not (request.htmx and request.method == "GET" and RowCountForm(request.GET).count()):
        return None
    context = {"form": formset.forms[-1], "number": len(formset.forms), "formset": formset}
    context["with_village"] = formset.village is None
    return render(request, "reserves/_result_row_added.html", context)


def entered(request: AuthedHttpRequest, summary: RecordSummary) -> None:
    messages.success(
        request,
        f"已录入 {summary.results} 条当选结果（{len(summary.elections)} 个村）：结束原任职 {summary.ended} 条，"
        f"后备干部任用 {summary.reserves_appointed} 人，专修班学员当选 {summary.trainees_elected} 人",
    )


def ordered_elections(user: User, village: Village) -> list[Election]:
    """The village's elections, newest first, each with `ordered_results` in the roster's post order."""
    elections = list(
        Election.objects.for_user(user).filter(village=village).prefetch_related("results__person", "results__group")
    )
    for election in elections:
        election.ordered_results = sorted(election.results.all(), key=roster_order)
    return elections


def _status(request: AuthedHttpRequest) -> int:
    return 400 if request.method == "POST" else 200


@require_http_methods(["GET", "POST"])
def village_elections(request: AuthedHttpRequest, code: str) -> HttpResponse:
    village = permissions.village_for(request.user, code)
    can_record = can_record_elections(request.user, village.township)
    if request.method == "POST" and not can_record:
        raise PermissionDenied("只读用户不能录入换届结果")
    date_form = formset = None
    if can_record:
        planned = village.planned_election_on or village.township.county.planned_election_on
        initial = {"held_on": planned} if planned and planned <= timezone.localdate() else {}
        date_form = ElectionDateForm(request.POST or None, initial=initial)
        formset = results_grid(request, township=village.township, villages=[village], one_village=True)
        if added := added_row(request, formset):
            return added
    if request.method == "POST" and date_form and formset and all([date_form.is_valid(), formset.is_valid()]):
        try:
            rows, by = formset.rows(), request.user
            summary = record_village_results(village=village, rows=rows, by=by, **date_form.cleaned_data)
        except ResultsRefused as refused:
            formset.refuse(refused.errors)
        else:
            entered(request, summary)
            return redirect("reserves:village_elections", code=village.code)
    context = {"village": village, "elections": ordered_elections(request.user, village), "can_record": can_record}
    context |= {"date_form": date_form, "formset": formset, "people": village_people(village)}
    context["people_list"] = PEOPLE_LIST
    context["mid_term_changes"] = MidTermChange.objects.filter(village=village).select_related("nominee", "filing")
    context["can_run_changes"] = can_run_changes(request.user, village.township)
    return render(request, "reserves/elections.html", context, status=_status(request))


@require_http_methods(["GET", "POST"])
def election_results(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Results of an election registered earlier (without results): the same grid, that election's date."""
    election = election_for_record(request.user, pk)
    village = election.village
    formset = results_grid(request, township=village.township, villages=[village], one_village=True)
    if added := added_row(request, formset):
        return added
    if formset.is_valid():
        try:
            with collect_review_warnings() as warnings:
                summary = record_results(election=election, rows=formset.rows(), by=request.user)
        except ResultsRefused as refused:
            formset.refuse(refused.errors)
        else:
            entered(request, summary)
            for warning in warnings:  # let through by a warn-only county rule (未经联审), audited
                messages.warning(request, warning)
            return redirect("reserves:village_elections", code=village.code)
    context = {"election": election, "village": village, "formset": formset, "people": village_people(village)}
    context["people_list"] = PEOPLE_LIST
    return render(request, "reserves/results_form.html", context, status=_status(request))


@require_http_methods(["GET", "POST"])
def township_results(request: AuthedHttpRequest, code: str) -> HttpResponse:
    township = permissions.township_for(request.user, code)
    if not can_record_elections(request.user, township):
        raise PermissionDenied("只读用户不能录入换届结果")
    villages = list(Village.objects.filter(township=township).order_by("code"))
    date_form = ElectionDateForm(request.POST or None)
    formset = results_grid(request, township=township, villages=villages, one_village=False)
    if added := added_row(request, formset):
        return added
    if request.method == "POST" and all([date_form.is_valid(), formset.is_valid()]):
        try:
            with collect_review_warnings() as warnings:
                summary = record_township_results(
                    township=township, rows=formset.rows(), by=request.user, **date_form.cleaned_data
                )
        except ResultsRefused as refused:
            formset.refuse(refused.errors)
        else:
            entered(request, summary)
            for warning in warnings:  # let through by a warn-only county rule (未经联审), audited
                messages.warning(request, warning)
            return redirect("reserves:township_progress", code=township.code)
    context = {"township": township, "date_form": date_form, "formset": formset}
    return render(request, "reserves/township_results.html", context, status=_status(request))
