"""A person's annual assessments (年度考核) on the person page: record, correct and delete, each versioned and in
the change history. htmx swaps the #assessments section; without htmx the person page is rendered again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from villages import permissions
from villages.forms.roster import AssessmentDeleteForm, AssessmentForm
from villages.http import AuthedHttpRequest
from villages.models import Assessment, Person
from villages.views.people import person_page_context, person_saved


def assessments_response(request: AuthedHttpRequest, person: Person, **forms: Any) -> HttpResponse:
    """The #assessments section with the given forms (add, correct or confirm deletion), or the whole page."""
    if not request.htmx:
        return render(request, "villages/person.html", person_page_context(request, person, **forms))
    context = {"person": person, "assessments": person.assessments.all(), "can_edit": True}
    context |= {"assessment_form": AssessmentForm(person=person)} | forms
    return render(request, "villages/person.html#assessments", context)


def saved(request: AuthedHttpRequest, person: Person, message: str) -> HttpResponse:
    messages.success(request, message)
    return person_saved(request, person) if request.htmx else redirect("villages:person", pk=person.pk)


@require_http_methods(["GET", "POST"])
def assessment_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    person = permissions.person_for_edit(request.user, pk)
    form = AssessmentForm(request.POST if request.method == "POST" else None, person=person)
    if form.is_valid() and (recorded := form.submit(by=request.user)):
        return saved(request, person, f"已记录{person.name}{recorded.year}年度考核：{label(recorded)}")
    return assessments_response(request, person, assessment_form=form)


@require_http_methods(["GET", "POST"])
def assessment_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    assessment = permissions.assessment_for_edit(request.user, pk)
    person = assessment.person
    data = request.POST if request.method == "POST" else None
    form = AssessmentForm(data, person=person, instance=assessment)
    if form.is_valid() and (corrected := form.submit(by=request.user)):
        return saved(request, person, f"已更正{person.name}{corrected.year}年度考核：{label(corrected)}")
    return assessments_response(request, person, edit_form=form, editing=assessment)


@require_http_methods(["GET", "POST"])
def assessment_delete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    assessment = permissions.assessment_for_edit(request.user, pk)
    person = assessment.person
    form = AssessmentDeleteForm(request.POST if request.method == "POST" else None, instance=assessment)
    if form.is_valid() and form.delete_if_unchanged(by=request.user):
        message = f"已删除{person.name}{assessment.year}年度考核（{label(assessment)}），原结果可在变更记录中查看"
        return saved(request, person, message)
    return assessments_response(request, person, delete_form=form, deleting=assessment)


def label(assessment: Assessment) -> str:
    return str(assessment.get_grade_display())
