"""Candidate slates (预备人选): list and create per village, edit seats, and compare with today's committee."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from reserves import slates
from reserves.choices import SlateStatus
from reserves.models import Slate
from reserves.reviews import collect_review_warnings
from villages import permissions
from villages.choices import Post
from villages.forms.fields import model_choice
from villages.http import AuthedHttpRequest
from villages.models import Person, Village

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SlateForm(forms.Form):
    name = forms.CharField(label="方案名称", max_length=100)
    election_on = forms.DateField(label="换届日期", widget=DATE_WIDGET)
    from_current = forms.BooleanField(label="以现任班子为起点", required=False, initial=True)


class SeatForm(forms.Form):
    """Propose a person for one seat ("post:seat", e.g. "committee_member:2"); no person leaves it vacant."""

    seat_key = forms.RegexField(label="席位", regex=r"^[a-z_]+:\d{1,2}$")
    person = forms.ModelChoiceField(
        label="人选", queryset=Person.objects.none(), required=False, empty_label="（空缺）"
    )

    def __init__(self, *args: Any, village: Village, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "person").queryset = slates.candidate_pool(village=village)

    def clean_seat_key(self) -> tuple[str, int]:
        post, seat = self.cleaned_data["seat_key"].split(":")
        return post, int(seat)


def slate_context(request: AuthedHttpRequest, slate: Slate, **extra: Any) -> dict[str, Any]:
    can_manage = permissions.can_edit_roster(request.user, slate.village)
    can_edit = can_manage and slate.status == SlateStatus.DRAFT  # a final slate is read-only until reopened
    comparison = slates.simulate_slate(slate=slate)
    context = {"slate": slate, "comparison": comparison, "can_edit": can_edit, "can_manage": can_manage, "errors": []}
    context["slate_report_url"] = reverse("reports:slate_print", args=[slate.pk])
    if can_edit:
        context["pool"] = slates.pool_groups(village=slate.village, on=timezone.localdate())
        context["seat_options"] = slates.seat_options(slate=slate, comparison=comparison)
        context["chosen_seat"] = request.GET.get("seat", "")
    return context | extra


@require_http_methods(["GET", "POST"])
def village_slates(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """A village's slates; its township secretary creates new ones here."""
    village = permissions.village_for(request.user, code)
    can_edit = permissions.can_edit_roster(request.user, village)
    initial = {"election_on": slates.default_election_on(village), "name": f"{village.name}换届预备人选"}
    form = SlateForm(request.POST or None, initial=initial)
    if request.method == "POST":
        permissions.village_for_roster_edit(request.user, code)
        if form.is_valid():
            slate = slates.start_slate(village=village, by=request.user, **form.cleaned_data)
            messages.success(request, f"已新建预备人选方案：{slate.name}")
            return redirect("reserves:slate", pk=slate.pk)
    rows = Slate.objects.for_user(request.user).filter(village=village).select_related("created_by")
    context = {"village": village, "slates": rows, "form": form, "can_edit": can_edit}
    return render(request, "reserves/slates/village_slates.html", context)


@require_http_methods(["GET"])
def slate_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    slate = slates.slate_for(request.user, pk)
    return render(request, "reserves/slates/slate.html", slate_context(request, slate))


@require_POST
def slate_seat(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Set or clear one seat; htmx gets the refreshed editor and comparison (#slate-body)."""
    slate = slates.slate_for_edit(request.user, pk)
    form = SeatForm(request.POST, village=slate.village)
    errors: list[str] = []
    if form.is_valid():
        (post, seat), person = form.cleaned_data["seat_key"], form.cleaned_data["person"]
        try:
            if person is None:
                slates.clear_seat(slate=slate, post=post, seat=seat)
                messages.success(request, f"已清空{Post(post).label}第{seat}席")
            else:
                slates.set_candidate(slate=slate, post=post, seat=seat, person=person)
                messages.success(request, f"已将{person.name}列为{Post(post).label}预备人选")
        except ValidationError as error:
            errors = error.messages
    else:
        errors = [e["message"] for field_errors in form.errors.get_json_data().values() for e in field_errors]
    if request.htmx:
        return render(request, "reserves/slates/slate.html#slate-body", slate_context(request, slate, errors=errors))
    for message in errors:
        messages.error(request, message)
    return redirect("reserves:slate", pk=slate.pk)


@require_POST
def slate_status(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """定稿 / 改回草稿."""
    slate = slates.slate_for_edit(request.user, pk)
    status = SlateStatus.FINAL if slate.status == SlateStatus.DRAFT else SlateStatus.DRAFT
    try:
        with collect_review_warnings() as warnings:
            slates.set_status(slate=slate, status=status, by=request.user)
    except ValidationError as refused:
        messages.error(request, "".join(refused.messages[:1]) + "；".join(refused.messages[1:]))
        return redirect("reserves:slate", pk=slate.pk)
    messages.success(request, f"方案已改为{SlateStatus(status).label}")
    for warning in warnings:
        messages.warning(request, warning)
    return redirect("reserves:slate", pk=slate.pk)
