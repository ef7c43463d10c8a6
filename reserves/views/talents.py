"""The talent pool (人才库): list, add (an existing or a new person), detail, promote to reserve, leave the pool.

Everyone sees the talents of their scope; the township's secretary enters and promotes them (others: 403 on
writes, outsiders 404).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from reserves.bench_forms import LeavePoolForm, PromoteForm, TalentFilterForm, TalentForm, TalentPersonForm, refused
from reserves.models import Talent
from reserves.talents import TALENT_FIELDS, TalentRefused, enter_talent, leave_pool, promote_talent
from villages.http import AuthedHttpRequest, page_or_partial
from villages.models import Person, Township, Village
from villages.permissions import can_edit_roster
from villages.roster import save_person

LIST_LIMIT = 500


def talent_for(request: AuthedHttpRequest, pk: int, *, edit: bool = False) -> Talent:
    talents = Talent.objects.for_user(request.user).select_related("person", "village__township__county", "reserve")
    talent = get_object_or_404(talents, pk=pk)
    if edit and not can_edit_roster(request.user, talent.village):
        raise PermissionDenied("人才库由本乡镇党委书记维护")
    return talent


@require_GET
def talent_list(request: AuthedHttpRequest) -> HttpResponse:
    form = TalentFilterForm(request.GET or None, townships=Township.objects.for_user(request.user).order_by("code"))
    talents = form.apply(Talent.objects.for_user(request.user))
    rows = talents.select_related("person", "village__township", "reserve").order_by("village__code", "-entered_on")
    context = {
        "form": form,
        "talents": rows[:LIST_LIMIT],
        "total": talents.count(),
        "limit": LIST_LIMIT,
        "can_add": Village.objects.editable_roster_by(request.user).exists(),
    }
    return page_or_partial(request, "reserves/talents.html", "talent-list", context)


@require_http_methods(["GET", "POST"])
def talent_add(request: AuthedHttpRequest) -> HttpResponse:
    villages = Village.objects.editable_roster_by(request.user).order_by("code")
    if not villages.exists():
        raise PermissionDenied("人才库由本乡镇党委书记维护")
    data = request.POST or None
    form = TalentForm(data, villages=villages, people=Person.objects.editable_by(request.user).order_by("name"))
    person_form = TalentPersonForm(data, prefix="person")
    if request.method == "POST" and form.is_valid():
        talent = _save_talent(request, form, person_form)
        if talent is not None:
            return redirect("reserves:talent", pk=talent.pk)
    # Reaching here after a POST means something was refused: the input stays in the forms, with the reasons.
    status = 422 if request.method == "POST" else 200
    return render(request, "reserves/talent_form.html", {"form": form, "person_form": person_form}, status=status)


def _save_talent(request: AuthedHttpRequest, form: TalentForm, person_form: TalentPersonForm) -> Talent | None:
    """The existing person chosen, or the new person of the second form, enters the pool (one transaction)."""
    data = form.cleaned_data
    person = data["person"]
    if person is None and not person_form.is_valid():
        return None
    try:
        with transaction.atomic():
            if person is None:  # a new person goes through the one roster write path (villages.roster.save_person)
                values = {k: v for k, v in person_form.cleaned_data.items() if k != "version"}
                values["home_village"] = data["village"]
                person = person_form.submit_with(save_person, person=None, values=values, by=request.user)
                if person is None:  # refused: the reasons are on the person form
                    return None
            fields = {name: data[name] for name in TALENT_FIELDS}
            return enter_talent(
                person=person, village=data["village"], by=request.user, entered_on=data["entered_on"], **fields
            )
    except TalentRefused as error:
        refused(form, error)
        return None


def _go(request: AuthedHttpRequest, url: str) -> HttpResponse:
    """After a write from an htmx form the whole page changes: a client-side redirect; else a plain one."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_GET
def talent_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    talent = talent_for(request, pk)
    can_edit = can_edit_roster(request.user, talent.village)
    context = {
        "talent": talent,
        "can_edit": can_edit,
        "promote_form": PromoteForm() if can_edit else None,
        "leave_form": LeavePoolForm() if can_edit else None,
    }
    return render(request, "reserves/talent.html", context)


@require_POST
def talent_promote(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    talent = talent_for(request, pk, edit=True)
    form = PromoteForm(request.POST)
    if form.is_valid():
        try:
            reserve = promote_talent(talent=talent, **form.cleaned_data)
        except TalentRefused as error:
            refused(form, error)
        else:
            return _go(request, reverse("reserves:reserve", args=[reserve.pk]))
    context = {"talent": talent, "can_edit": True, "promote_form": form, "leave_form": LeavePoolForm()}
    return page_or_partial(request, "reserves/talent.html", "promote", context)


@require_POST
def talent_leave(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    talent = talent_for(request, pk, edit=True)
    form = LeavePoolForm(request.POST)
    if form.is_valid():
        try:
            leave_pool(talent=talent, reason=form.cleaned_data["reason"])
        except TalentRefused as error:
            refused(form, error)
        else:
            return _go(request, reverse("reserves:talent", args=[pk]))
    context = {"talent": talent, "can_edit": True, "promote_form": PromoteForm(), "leave_form": form}
    return page_or_partial(request, "reserves/talent.html", "leave", context)
