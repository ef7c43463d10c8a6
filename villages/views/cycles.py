"""Election-cycle comparison: villages that left or entered 两低一高 and the change of the structure figures."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from villages.http import AuthedHttpRequest
from villages.models import County, Township, User, Village
from villages.snapshots import compare_cycles, cycles_available


class CycleForm(forms.Form):
    before = forms.TypedChoiceField(label="对比届次", coerce=int)
    after = forms.TypedChoiceField(label="当前届次", coerce=int)
    county = forms.ModelChoiceField(
        label="区/县", queryset=County.objects.none(), to_field_name="code", required=False, empty_label="全部区县"
    )
    township = forms.ModelChoiceField(
        label="乡镇", queryset=Township.objects.none(), to_field_name="code", required=False, empty_label="全部乡镇"
    )

    def __init__(self, data: Any, *, user: User, cycles: list[int]) -> None:
        choices = [(c, f"{c}年") for c in cycles]
        initial = {"before": cycles[0], "after": cycles[-1]} if cycles else {}
        super().__init__({**initial, **data.dict()} if data else initial)
        self.fields["before"].choices = self.fields["after"].choices = choices
        self.fields["county"].queryset = County.objects.for_user(user)
        self.fields["township"].queryset = Township.objects.for_user(user)

    def villages(self, user: User) -> Any:
        villages = Village.objects.for_user(user)
        if self.cleaned_data.get("county"):
            villages = villages.filter(township__county=self.cleaned_data["county"])
        if self.cleaned_data.get("township"):
            villages = villages.filter(township=self.cleaned_data["township"])
        return villages


@require_GET
def cycles(request: AuthedHttpRequest) -> HttpResponse:
    scoped = Village.objects.for_user(request.user)
    form = CycleForm(request.GET, user=request.user, cycles=cycles_available(villages=scoped))
    comparison = None
    if form.is_valid():
        data = form.cleaned_data
        comparison = compare_cycles(villages=form.villages(request.user), before=data["before"], after=data["after"])
    return render(request, "villages/cycles.html", {"form": form, "comparison": comparison})
