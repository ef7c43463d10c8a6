"""Election-cycle comparison: villages that left or entered 两低一高 and the change of the structure figures."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from villages.forms.area import AreaFilterForm
from villages.forms.fields import form_field
from villages.http import AuthedHttpRequest
from villages.models import User, Village
from villages.snapshots import compare_cycles, cycles_available


class CycleForm(AreaFilterForm):
    area_levels = ("county", "township")
    before = forms.TypedChoiceField(label="对比届次", coerce=int)
    after = forms.TypedChoiceField(label="当前届次", coerce=int)
    field_order = ["before", "after", "county", "township"]

    def __init__(self, data: Any, *, user: User, cycles: list[int]) -> None:
        choices = [(c, f"{c}年") for c in cycles]
        initial = {"before": cycles[0], "after": cycles[-1]} if cycles else {}
        super().__init__({**initial, **data.dict()} if data else initial, user=user)
        for name in ("before", "after"):
            form_field(self, name, forms.TypedChoiceField).choices = choices


@require_GET
def cycles(request: AuthedHttpRequest) -> HttpResponse:
    scoped = Village.objects.for_user(request.user)
    form = CycleForm(request.GET, user=request.user, cycles=cycles_available(villages=scoped))
    comparison = None
    if form.is_valid():
        data = form.cleaned_data
        comparison = compare_cycles(villages=form.area_villages(), before=data["before"], after=data["after"])
    return render(request, "villages/cycles.html", {"form": form, "comparison": comparison})
