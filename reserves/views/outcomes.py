"""Outcome pages: a county's or a township's trainees (per class, per township), coverage and the funnel."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from reserves.charts import funnel_chart
from reserves.models import TrainingClass
from reserves.outcomes import coverage_by_township, outcome_table, reserve_coverage
from reserves.views.succession import bench_scope
from villages.http import AuthedHttpRequest
from villages.models import County, Township


@require_GET
def outcomes_home(request: AuthedHttpRequest) -> HttpResponse:
    """Township and county users go to their own area; the city admin picks a county."""
    user = request.user
    if user.is_township_secretary and user.township is not None:
        return redirect("reserves:outcomes", level="township", code=user.township.code)
    if user.is_county_staff and user.county is not None:
        return redirect("reserves:outcomes", level="county", code=user.county.code)
    return render(request, "reserves/outcomes_home.html", {"counties": County.objects.for_user(user)})


@require_GET
def outcomes(request: AuthedHttpRequest, level: str, code: str) -> HttpResponse:
    """Trainees of the county's classes (a township: those whose home village is in it). A township secretary
    asking for the county sees only their own township's trainees (their scope)."""
    area, villages = bench_scope(request, level, code)
    county = area if isinstance(area, County) else area.county
    township = area if isinstance(area, Township) else None
    if request.user.is_township_secretary:
        township = request.user.township
    classes = TrainingClass.objects.for_user(request.user).filter(county=county)
    table = outcome_table(classes=classes, township=township)
    context = {
        "area": area,
        "level": level,
        "table": table,
        "coverage": reserve_coverage(villages=villages),
        "coverage_rows": coverage_by_township(villages=villages) if level == "county" else [],
        "funnel": funnel_chart(title=f"{area.name}学员去向", outcomes=table.total),
    }
    return render(request, "reserves/outcomes.html", context)
