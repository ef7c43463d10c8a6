"""Query-string filters of the units, people and posts API (codes, as docs/api.md:
`?city=&county=&township=&village=`).

Filters narrow an already scoped queryset (`.for_user(user)`); a code outside the user's scope gives an empty list.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request

from villages.choices import Post
from villages.models import County, Person, PersonQuerySet, PostAssignment, PostAssignmentQuerySet, Township, Village

CITY_HELP = "市/州代码（4位）"
COUNTY_HELP = "区/县代码（6位）"
TOWNSHIP_HELP = "乡镇代码（9位）"
VILLAGE_HELP = "村代码（12位）"


class CountyFilterSet(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="city__code", help_text=CITY_HELP)

    class Meta:
        model = County
        fields = ["city"]


class TownshipFilterSet(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="county__city__code", help_text=CITY_HELP)
    county = django_filters.CharFilter(field_name="county__code", help_text=COUNTY_HELP)

    class Meta:
        model = Township
        fields = ["city", "county"]


class VillageFilterSet(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="township__county__city__code", help_text=CITY_HELP)
    county = django_filters.CharFilter(field_name="township__county__code", help_text=COUNTY_HELP)
    township = django_filters.CharFilter(field_name="township__code", help_text=TOWNSHIP_HELP)

    class Meta:
        model = Village
        fields = ["city", "county", "township"]


AREA_LOOKUPS = {
    "city": "township__county__city__code",
    "county": "township__county__code",
    "township": "township__code",
    "village": "code",
}


def requested_area(params: dict) -> QuerySet[Village] | None:
    """The villages named by `?city=&county=&township=&village=` (all given must match), or None when none is
    given."""
    chosen = {AREA_LOOKUPS[name]: params[name] for name in AREA_LOOKUPS if params.get(name)}
    return Village.objects.filter(**chosen) if chosen else None


class PersonFilterSet(django_filters.FilterSet):
    """People placed in the area: home village, a post or a reserve there (the same rule as scoping).

    The area is applied by the viewset's scope, `Person.objects.for_user(user, within=requested_area(params))`:
    at the village level, one placement subquery instead of a second one over the user's whole scope."""

    city = django_filters.CharFilter(method="in_area", help_text=CITY_HELP)
    county = django_filters.CharFilter(method="in_area", help_text=COUNTY_HELP)
    township = django_filters.CharFilter(method="in_area", help_text=TOWNSHIP_HELP)
    village = django_filters.CharFilter(method="in_area", help_text=VILLAGE_HELP)

    class Meta:
        model = Person
        fields = ["city", "county", "township", "village"]

    def in_area(self, queryset: PersonQuerySet, name: str, value: str) -> PersonQuerySet:
        return queryset  # already within the area (see the class docstring)


class PostFilterSet(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="village__township__county__city__code", help_text=CITY_HELP)
    county = django_filters.CharFilter(field_name="village__township__county__code", help_text=COUNTY_HELP)
    township = django_filters.CharFilter(field_name="village__township__code", help_text=TOWNSHIP_HELP)
    village = django_filters.CharFilter(field_name="village__code", help_text=VILLAGE_HELP)
    person = django_filters.NumberFilter(field_name="person_id", min_value=1, max_value=2**63 - 1)
    post = django_filters.ChoiceFilter(choices=Post.choices)
    current = django_filters.BooleanFilter(method="only_current", help_text="true: 只列现任（未离任）")

    class Meta:
        model = PostAssignment
        fields = ["city", "county", "township", "village", "person", "post", "current"]

    def only_current(self, queryset: PostAssignmentQuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        current = queryset.current()
        return current if value else queryset.exclude(pk__in=current.values("pk"))


AS_OF_PARAMETER = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description="风险与结构的参照日期 YYYY-MM-DD（默认：各村计划换届日期，否则所属区县的，否则今天）",
)


class AsOfQuery(serializers.Serializer):
    as_of = serializers.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "日期格式应为 YYYY-MM-DD，例如 2026-12-31"},
    )


def as_of_from(request: Request) -> dt.date | None:
    """The optional `?as_of=YYYY-MM-DD` reference date; a malformed one raises ValidationError (400)."""
    query = AsOfQuery(data={"as_of": request.query_params["as_of"]} if "as_of" in request.query_params else {})
    query.is_valid(raise_exception=True)
    return query.validated_data.get("as_of")
