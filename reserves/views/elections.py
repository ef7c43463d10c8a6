"""Elections (换届): a village's elections, results entry for one election, and a township's one-screen entry.

Who may record: county staff of the county, the city admin, and the township's own secretary
(reserves/permissions.py); everyone who sees the village may read.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from reserves.elections import ResultRow, ResultsRefused, record_results, record_township_results
from reserves.forms import ElectionDateForm, ElectionForm, ResultFormSet, TownshipResultFormSet
from reserves.models import Election
from reserves.permissions import can_record_elections, election_for_record
from reserves.reviews import collect_review_warnings
from villages import permissions
from villages.models import Person, Township, Village


def township_people(township: Township):
    return Person.objects.alive().in_villages(Village.objects.filter(township=township))


def rows_of(formset) -> list[ResultRow]:
    return [
        ResultRow(
            person=form.cleaned_data["person"],
            post=form.cleaned_data["post"],
            group_number=form.cleaned_data.get("group_number"),
            votes=form.cleaned_data.get("votes"),
            number=index,
            village=form.cleaned_data.get("village"),
        )
        for index, form in enumerate(formset.forms, start=1)
        if form.has_changed()
    ]


@require_http_methods(["GET", "POST"])
def village_elections(request: HttpRequest, code: str) -> HttpResponse:
    village = permissions.village_for(request.user, code)
    can_record = can_record_elections(request.user, village.township)
    if request.method == "POST" and not can_record:
        raise PermissionDenied("只读用户不能登记换届")
    form = ElectionForm(request.POST or None, village=village) if can_record else None
    if form is not None and form.is_valid():
        election = form.save()
        return redirect("reserves:election_results", pk=election.pk)
    elections = (
        Election.objects.for_user(request.user)
        .filter(village=village)
        .prefetch_related("results__person", "results__group")
    )
    context = {"village": village, "elections": elections, "form": form, "can_record": can_record}
    return render(request, "reserves/elections.html", context)


@require_http_methods(["GET", "POST"])
def election_results(request: HttpRequest, pk: int) -> HttpResponse:
    election = election_for_record(request.user, pk)
    formset = ResultFormSet(request.POST or None, form_kwargs={"people": township_people(election.village.township)})
    errors = []
    if formset.is_valid():
        try:
            with collect_review_warnings() as warnings:
                summary = record_results(election=election, rows=rows_of(formset), by=request.user)
        except ResultsRefused as refused:
            errors = refused.errors
        else:
            _report(request, summary, warnings)
            return redirect("reserves:village_elections", code=election.village.code)
    context = {"election": election, "village": election.village, "formset": formset, "errors": errors}
    return render(request, "reserves/results_form.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def township_results(request: HttpRequest, code: str) -> HttpResponse:
    township = permissions.township_for(request.user, code)
    if not can_record_elections(request.user, township):
        raise PermissionDenied("只读用户不能录入换届结果")
    villages = Village.objects.filter(township=township).order_by("code")
    date_form = ElectionDateForm(request.POST or None)
    kwargs = {"people": township_people(township), "villages": villages}
    formset = TownshipResultFormSet(request.POST or None, form_kwargs=kwargs)
    errors = []
    if date_form.is_valid() and formset.is_valid():
        try:
            with collect_review_warnings() as warnings:
                summary = record_township_results(
                    township=township, rows=rows_of(formset), by=request.user, **date_form.cleaned_data
                )
        except ResultsRefused as refused:
            errors = refused.errors
        else:
            _report(request, summary, warnings)
            return redirect("villages:township", code=township.code)
    context = {"township": township, "date_form": date_form, "formset": formset, "errors": errors}
    return render(request, "reserves/township_results.html", context, status=400 if request.method == "POST" else 200)


def _report(request: HttpRequest, summary, warnings: list[str]) -> None:
    messages.success(request, _summary_message(summary))
    for warning in warnings:  # let through by a warn-only county rule (未经联审), audited
        messages.warning(request, warning)


def _summary_message(summary) -> str:
    return (
        f"已录入 {summary.results} 条当选结果（{len(summary.elections)} 个村）：结束原任职 {summary.ended} 条，"
        f"后备干部任用 {summary.reserves_appointed} 人，专修班学员当选 {summary.trainees_elected} 人"
    )
