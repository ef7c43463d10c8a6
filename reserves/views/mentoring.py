"""A reserve's mentors, talks, placements and 学历提升 (sections of the reserve page, htmx), and the mentoring list.

Writes are the township secretary's (reserve_for_edit: others 403, outsiders 404); each section re-renders itself
(`reserves/_bench_sections.html#<id>`) for htmx, and a plain POST returns to the reserve page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from reserves.bench_forms import (
    MentorForm,
    MentoringFilterForm,
    PlacementForm,
    ProgrammeEndForm,
    ProgrammeForm,
    TalkForm,
    refused,
)
from reserves.choices import ReserveStatus
from reserves.education import ProgrammeRefused, end_programme, record_programme
from reserves.mentoring import (
    MentoringRefused,
    MentoringStatus,
    add_placement,
    mentoring_statuses,
    name_mentor,
    record_talk,
)
from reserves.models import EducationProgramme, Reserve
from reserves.permissions import reserve_for_edit
from reserves.views.reserve_sections import SECTIONS, bench_context, village_people
from reserves.views.roster import detail_context
from villages.http import AuthedHttpRequest, page_or_partial
from villages.models import Township, Village


def _section(request: AuthedHttpRequest, reserve: Reserve, section: str, **forms: Any) -> HttpResponse:
    """After a write: htmx gets the section again (with the form's errors, or a fresh form); a browser the page."""
    if not request.htmx and not any(f is not None and f.errors for f in forms.values()):
        return redirect(reverse("reserves:reserve", args=[reserve.pk]) + f"#{section}")
    if request.htmx:
        context = {"reserve": reserve, "village": reserve.village, **bench_context(request, reserve, **forms)}
        return render(request, f"{SECTIONS}#{section}", context)
    return render(request, "reserves/reserve.html", detail_context(request, reserve, **forms), status=422)


def _write_section(
    request: AuthedHttpRequest,
    reserve: Reserve,
    section: str,
    form: forms.Form,
    write: Callable[[dict[str, Any]], object],
    *,
    form_key: str,
) -> HttpResponse:
    """A valid form's write; its refusal (or the form's own errors) comes back on the form in the section."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except (MentoringRefused, ProgrammeRefused) as error:
            refused(form, error)
        else:
            return _section(request, reserve, section)
    return _section(request, reserve, section, **{form_key: form})


@require_POST
def mentor_name(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    reserve = reserve_for_edit(request.user, pk)
    form = MentorForm(request.POST, people=village_people(reserve.village))
    write = lambda data: name_mentor(reserve=reserve, **data)  # noqa: E731
    return _write_section(request, reserve, "mentors", form, write, form_key="mentor_form")


@require_POST
def talk_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    reserve = reserve_for_edit(request.user, pk)
    write = lambda data: record_talk(reserve=reserve, recorded_by=request.user, **data)  # noqa: E731
    return _write_section(request, reserve, "talks", TalkForm(request.POST), write, form_key="talk_form")


@require_POST
def placement_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    reserve = reserve_for_edit(request.user, pk)
    write = lambda data: add_placement(reserve=reserve, **data)  # noqa: E731
    form = PlacementForm(request.POST)
    return _write_section(request, reserve, "placements", form, write, form_key="placement_form")


@require_POST
def programme_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    reserve = reserve_for_edit(request.user, pk)
    form = ProgrammeForm(request.POST, person=reserve.person)
    write = lambda data: record_programme(person=reserve.person, **data)  # noqa: E731
    return _write_section(request, reserve, "programmes", form, write, form_key="programme_form")


@require_POST
def programme_end(request: AuthedHttpRequest, pk: int, programme_pk: int) -> HttpResponse:
    reserve = reserve_for_edit(request.user, pk)
    programme = get_object_or_404(EducationProgramme.objects.filter(person=reserve.person), pk=programme_pk)
    form = ProgrammeEndForm(request.POST)
    if form.is_valid():
        try:
            end_programme(programme=programme, status=form.cleaned_data["status"], on=form.cleaned_data["on"])
        except ProgrammeRefused as error:
            refused(form, error)
    reserve.person.refresh_from_db()
    return _section(request, reserve, "programmes", programme_end_form=form if form.errors else None)


@require_GET
def mentoring_list(request: AuthedHttpRequest) -> HttpResponse:
    """Active reserves of the user's scope with their mentors and next talks; `?state=` narrows to a to-do count."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    form = MentoringFilterForm(request.GET or None, townships=Township.objects.for_user(request.user).order_by("code"))
    reserves = Reserve.objects.for_user(request.user).filter(status=ReserveStatus.ACTIVE)
    state = ""
    if form.is_valid():
        if form.cleaned_data["township"]:
            reserves = reserves.filter(village__township=form.cleaned_data["township"])
        state = form.cleaned_data["state"]
    statuses = mentoring_statuses(reserves=reserves)
    ineligible = set(reserves.filter(eligible=False, eligibility_override_reason="").values_list("pk", flat=True))
    rows = [s for s in statuses.values() if _in_state(s, state, ineligible)]
    rows.sort(key=lambda s: (s.village_id, s.name))
    villages = {v.pk: v for v in Village.objects.filter(pk__in={s.village_id for s in rows}).select_related("township")}
    context = {"form": form, "rows": [(s, villages[s.village_id]) for s in rows], "state": state}
    return page_or_partial(request, "reserves/mentoring.html", "mentoring-list", context)


def _in_state(status: MentoringStatus, state: str, ineligible: set[int]) -> bool:
    if state == "mentor_missing":
        return status.mentors_missing
    if state == "talks_overdue":
        return bool(status.overdue_talks)
    if state == "talks_due_soon":
        return bool(status.talks_due_soon) and not status.overdue_talks
    if state == "ineligible":
        return status.reserve_id in ineligible
    return True
