"""Pool figures (后备队伍): structure, coverage, pool → 两委 per cycle, the talent funnel, the projected 大专及以上
share, per breakdown unit; every number links to the list behind it (the reserves or the programmes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from reserves.choices import ReserveStatus
from reserves.education import (
    EducationProjection,
    combined_projection,
    education_projection,
    projection_students,
)
from reserves.models import Reserve, Talent
from reserves.pool import ASSOCIATE_RANK, PARTY, YOUNG_MAX, PoolFigures, PoolStructure, pool_figures
from villages import permissions
from villages.choices import EDUCATION_RANK, Gender, SourceCategory
from villages.http import AuthedHttpRequest
from villages.models import User, Village, age_on, held_education

LIST_LIMIT = 500
CHILD = {"city": "county", "county": "township", "township": "village"}


@dataclass(frozen=True)
class Area:
    level: str
    code: str
    label: str
    villages: QuerySet[Village]

    @property
    def child(self) -> str:
        return CHILD[self.level]

    def url(self, name: str) -> str:
        """This area's page `name` (pool, pool_reserves, pool_students)."""
        if self.level == "city" and not self.code:  # the admin's whole scope
            return reverse(f"reserves:{name}_city")
        return reverse(f"reserves:{name}", args=[self.level, self.code])

    @property
    def pool_url(self) -> str:
        return self.url("pool")

    @property
    def reserves_url(self) -> str:
        return self.url("pool_reserves")

    @property
    def students_url(self) -> str:
        return self.url("pool_students")

    def child_url(self, code: str) -> str:
        """The pool page of a breakdown unit (a village has none: its reserves page)."""
        if self.child == "village":
            return reverse("reserves:village_reserves", args=[code])
        return reverse("reserves:pool", args=[self.child, code])


def area_for(user: User, level: str | None, code: str | None) -> Area:
    """The user's own area when no level is given; a county or township in their scope; outsiders 404."""
    if level is None:
        if user.is_township_secretary and user.township is not None:
            level, code = "township", user.township.code
        elif user.is_county_staff and user.county is not None:
            level, code = "county", user.county.code
        else:
            level, code = "city", ""
    villages = Village.objects.for_user(user)
    if level == "township":
        township = permissions.township_for(user, code or "")
        return Area(level, township.code, f"{township.county.name}{township.name}", villages.filter(township=township))
    if level == "county":
        county = permissions.county_for(user, code or "")
        return Area(level, county.code, county.name, villages.filter(township__county=county))
    if level == "city" and user.is_admin and code:  # one city of the admin's
        city = permissions.city_for(user, code)
        return Area("city", city.code, city.name, villages.filter(township__county__city=city))
    if level == "city" and user.is_admin:  # the top level: the admin's whole scope (their city, the province)
        return Area("city", "", user.scope_label, villages)
    raise Http404("超出权限范围")


@require_GET
def pool_page(request: AuthedHttpRequest, level: str | None = None, code: str | None = None) -> HttpResponse:
    area = area_for(request.user, level, code)
    projection = education_projection(villages=area.villages, level=area.child)
    figures = pool_figures(villages=area.villages, child=area.child)
    context = {
        "area": area,
        "figures": figures,
        "projection": combined_projection(projection, code=area.code, name=area.label),
        "units": _units(area, figures, projection),
    }
    return render(request, "reserves/pool.html", context)


@dataclass(frozen=True)
class Unit:
    """One breakdown row: a unit's pool structure and its committee's projected 大专及以上 share."""

    code: str
    name: str
    url: str
    structure: PoolStructure
    projection: EducationProjection


def _units(area: Area, figures: PoolFigures, projection: list[EducationProjection]) -> list[Unit]:
    structures = {code: structure for code, _, structure in figures.by_child}
    return [
        Unit(row.code, row.name, area.child_url(row.code), structures.get(row.code, PoolStructure()), row)
        for row in projection  # every unit of the area has a projection row, with or without reserves
    ]


class PoolListForm(forms.Form):
    """Which reserves of the pool a number counts (the query string of its link)."""

    unit = forms.CharField(required=False, max_length=12)
    young = forms.BooleanField(required=False)
    associate = forms.BooleanField(required=False)
    studying = forms.BooleanField(required=False)
    women = forms.BooleanField(required=False)
    party = forms.BooleanField(required=False)
    from_pool = forms.BooleanField(required=False)
    not_counting = forms.BooleanField(required=False)
    source = forms.ChoiceField(required=False, choices=[("", ""), ("none", ""), *SourceCategory.choices])


@require_GET
def pool_reserves(request: AuthedHttpRequest, level: str, code: str = "") -> HttpResponse:
    """The active reserves behind a pool figure (filters as PoolListForm), with the same definitions."""
    area = area_for(request.user, level, code or None)
    form = PoolListForm(request.GET)
    reserves = Reserve.objects.for_user(request.user).filter(
        village__in=area.villages.values("pk"), status=ReserveStatus.ACTIVE
    )
    filters = form.cleaned_data if form.is_valid() else {}
    if filters.get("unit"):
        unit = filters["unit"]
        reserves = reserves.filter(**{_unit_lookup(len(unit)): unit})
    if filters.get("not_counting"):
        reserves = reserves.filter(eligible=False, eligibility_override_reason="")
    if filters.get("from_pool"):
        reserves = reserves.filter(pk__in=Talent.objects.filter(reserve__isnull=False).values("reserve_id"))
    rows = [r for r in reserves.select_related("person", "village__township").order_by("village__code", "pk")]
    rows = [r for r in rows if _matches(r, filters)]
    return render(request, "reserves/pool_reserves.html", {"area": area, "rows": rows[:LIST_LIMIT], "total": len(rows)})


def _unit_lookup(length: int) -> str:
    return {6: "village__township__county__code", 9: "village__township__code"}.get(length, "village__code")


def _matches(reserve: Reserve, filters: dict[str, Any]) -> bool:
    """The person-level filters, with the very definitions of reserves/pool.py (age today, degrees held)."""
    person = reserve.person
    held = held_education(education=person.education, in_service=person.education_in_service)
    rank = EDUCATION_RANK[held] if held else -1
    checks = {
        "young": lambda: age_on(person.birth_date, timezone.localdate()) <= YOUNG_MAX,
        "associate": lambda: rank >= ASSOCIATE_RANK,
        "studying": lambda: (
            rank < ASSOCIATE_RANK and EDUCATION_RANK.get(person.education_in_progress or "", -1) >= ASSOCIATE_RANK
        ),
        "women": lambda: person.gender == Gender.FEMALE,
        "party": lambda: person.political_status in PARTY,
    }
    if not all(check() for name, check in checks.items() if filters.get(name)):
        return False
    source = filters.get("source")
    if source == "none":
        return not person.source_categories
    return not source or source in (person.source_categories or [])


@require_GET
def pool_students(request: AuthedHttpRequest, level: str, code: str = "") -> HttpResponse:
    """The 两委 members' programmes under way behind the projected 大专及以上 share."""
    area = area_for(request.user, level, code or None)
    programmes = projection_students(villages=area.villages)
    return render(request, "reserves/pool_students.html", {"area": area, "programmes": programmes[:LIST_LIMIT]})
