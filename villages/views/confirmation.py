"""Roster confirmation: township secretaries confirm each village's roster; county staff see who is overdue."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from villages import permissions
from villages.forms.area import AreaFilterForm
from villages.http import AuthedHttpRequest
from villages.models import RosterConfirmation, Village
from villages.roster.confirmation import confirm_roster, township_summaries, village_confirmations

HISTORY_SHOWN = 10


class ConfirmationFilterForm(AreaFilterForm):
    area_levels = ("county", "township")
    overdue = forms.BooleanField(label="只看逾期", required=False)


class ConfirmForm(forms.Form):
    unchanged = forms.TypedChoiceField(
        label="花名册情况",
        choices=[("1", "无变化确认"), ("0", "有变化，已更新")],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="说明", max_length=200, required=False, widget=forms.TextInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("unchanged") is False and not data.get("note", "").strip():
            self.add_error("note", "有变化时请简要说明变化内容")
        return data


@require_GET
def confirmations(request: AuthedHttpRequest) -> HttpResponse:
    """Per township and village: when each roster was last confirmed and which are overdue."""
    today = timezone.localdate()
    filter_form = ConfirmationFilterForm(request.GET, user=request.user)
    rows = village_confirmations(villages=filter_form.area_villages().order_by("township__code", "code"), on=today)
    summaries = township_summaries(confirmations=rows)
    if filter_form.is_valid() and filter_form.cleaned_data["overdue"]:
        rows = [row for row in rows if row.overdue]
    editable = set(Village.objects.editable_roster_by(request.user).values_list("pk", flat=True))
    context = {"filter": filter_form, "rows": rows, "summaries": summaries, "editable": editable, "today": today}
    return render(request, "villages/confirmations.html", context)


@require_http_methods(["GET", "POST"])
def confirm(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """The township secretary confirms one village's roster (GET shows the form and the recent confirmations)."""
    village = permissions.village_for_roster_edit(request.user, code)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirm_roster(village=village, by=request.user, **form.cleaned_data)
        if request.htmx:
            row = village_confirmations(villages=Village.objects.filter(pk=village.pk), on=timezone.localdate())[0]
            return render(
                request, "villages/confirmations.html#confirmation-row", {"row": row, "editable": {village.pk}}
            )
        messages.success(request, f"已确认{village.name}花名册")
        if request.POST.get("back") == "village":  # the village page's panel
            return redirect("villages:village", code=village.code)
        return redirect(f"{reverse('villages:confirmations')}?township={village.township.code}")
    history = RosterConfirmation.objects.filter(village=village).select_related("confirmed_by")[:HISTORY_SHOWN]
    return render(request, "villages/confirm_roster.html", {"village": village, "form": form, "history": history})
