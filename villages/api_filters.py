"""Query-string filters of the units, people and posts API (codes, as API.md: `?county=&township=&village=`).

Filters narrow an already scoped queryset (`.for_user(user)`); a code outside the user's scope gives an empty list.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from villages.choices import Post
from villages.models import Person, PostAssignment, Township, Village

COUNTY_HELP = "区/县代码（6位）"
TOWNSHIP_HELP = "乡镇代码（9位）"
VILLAGE_HELP = "村代码（12位）"


class TownshipFilterSet(django_filters.FilterSet):
    county = django_filters.CharFilter(field_name="county__code", help_text=COUNTY_HELP)

    class Meta:
        model = Township
        fields = ["county"]


class VillageFilterSet(django_filters.FilterSet):
    county = django_filters.CharFilter(field_name="township__county__code", help_text=COUNTY_HELP)
    township = django_filters.CharFilter(field_name="township__code", help_text=TOWNSHIP_HELP)

    class Meta:
        model = Village
        fields = ["county", "township"]


class PersonFilterSet(django_filters.FilterSet):
    """People placed in the area: home village, a post or a reserve there (the same rule as scoping)."""

    county = django_filters.CharFilter(method="in_area", help_text=COUNTY_HELP)
    township = django_filters.CharFilter(method="in_area", help_text=TOWNSHIP_HELP)
    village = django_filters.CharFilter(method="in_area", help_text=VILLAGE_HELP)

    class Meta:
        model = Person
        fields = ["county", "township", "village"]

    def in_area(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        lookup = {"county": "township__county__code", "township": "township__code", "village": "code"}[name]
        return queryset.in_villages(Village.objects.filter(**{lookup: value}))


class PostFilterSet(django_filters.FilterSet):
    county = django_filters.CharFilter(field_name="village__township__county__code", help_text=COUNTY_HELP)
    township = django_filters.CharFilter(field_name="village__township__code", help_text=TOWNSHIP_HELP)
    village = django_filters.CharFilter(field_name="village__code", help_text=VILLAGE_HELP)
    person = django_filters.NumberFilter(field_name="person_id")
    post = django_filters.ChoiceFilter(choices=Post.choices)
    current = django_filters.BooleanFilter(method="only_current", help_text="true: 只列现任（未离任）")

    class Meta:
        model = PostAssignment
        fields = ["county", "township", "village", "person", "post", "current"]

    def only_current(self, queryset: QuerySet[PostAssignment], name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        current = queryset.current()
        return current if value else queryset.exclude(pk__in=current.values("pk"))
