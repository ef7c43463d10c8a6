"""Seat succession of a village, and bench strength (seats with no ready successor) of a township or county."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reserves.succession import bench_strength, village_succession
from villages import permissions
from villages.http import AuthedHttpRequest, page_or_partial
from villages.models import County, Township, Village, VillageQuerySet


class BenchFilterForm(forms.Form):
    gaps = forms.BooleanField(label="只看书记无成熟人选的村", required=False)


@require_GET
def village_succession_view(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """The page; to htmx (the village page's lazy panel) only the compact #succession-panel."""
    village = permissions.village_for(request.user, code)
    context = {"village": village, "succession": village_succession(village=village)}
    return page_or_partial(request, "reserves/succession.html", "succession-panel", context)


def bench_scope(request: AuthedHttpRequest, level: str, code: str) -> tuple[County | Township, VillageQuerySet]:
    """(area, villages) for a county or township the user may see; 404 otherwise."""
    villages = Village.objects.for_user(request.user)
    if level == "county":
        county = permissions.county_for(request.user, code)
        return county, villages.filter(township__county=county)
    if level == "township":
        township = permissions.township_for(request.user, code)
        return township, villages.filter(township=township)
    raise Http404


@require_GET
def bench(request: AuthedHttpRequest, level: str, code: str) -> HttpResponse:
    area, villages = bench_scope(request, level, code)
    form = BenchFilterForm(request.GET)
    only_gaps = form.is_valid() and form.cleaned_data["gaps"]
    context = {
        "area": area,
        "level": level,
        "form": form,
        "bench": bench_strength(villages=villages, only_gaps=only_gaps),
    }
    return render(request, "reserves/bench.html", context)
