"""Query-string filters for people lists (the people page; the Excel export reuses PersonFilter).

The FilterSet scopes its rows itself: build it on unscoped people (`Person.objects…`, with whatever select_related
and ordering the page needs) and pass `user=`; `.qs` is `for_user(user)` narrowed to the chosen county / township /
village at the village level (one placement subquery, not two), then the other filters. The township and village
choices are scoped to the user too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from villages.choices import COMMITTEE_POSTS, EDUCATION_RANK, Education, Gender, Post
from villages.forms.area import AREA_LEVELS, area_filter, area_villages, scope_area_fields
from villages.models import Person, PersonQuerySet, PostAssignment, User
from villages.reference import reference_date_expression
from villages.roster import years_before
from villages.structure import age_expression, education_rank_expression

# Post groups the dashboards drill into (people holding any of the posts in a village of the chosen area).
POST_GROUPS: dict[str, tuple[str, frozenset[str]]] = {
    "committee": ("两委成员", COMMITTEE_POSTS),
    "group_leader": ("社长", frozenset({Post.GROUP_LEADER})),
}


MISSING_CHOICES = [("assessment", "缺上年度考核"), ("education", "缺全日制学历")]


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="姓名/电话", method="filter_q")
    city = area_filter("city", method="filter_area")
    county = area_filter("county", method="filter_area")
    township = area_filter("township", method="filter_area")
    village = area_filter("village", method="filter_area")
    post = django_filters.ChoiceFilter(label="现任职务", choices=Post.choices, method="filter_post", empty_label="不限")
    education = django_filters.ChoiceFilter(label="全日制学历", choices=Education.choices, empty_label="不限")
    gender = django_filters.ChoiceFilter(label="性别", choices=Gender.choices, empty_label="不限")
    age_min = django_filters.NumberFilter(label="年龄≥", method="filter_age_min", min_value=0)
    age_max = django_filters.NumberFilter(label="年龄≤", method="filter_age_max", min_value=0)
    post_group = django_filters.ChoiceFilter(
        label="现任",
        choices=[(k, label) for k, (label, _) in POST_GROUPS.items()],
        method="filter_post_group",
        empty_label="不限",
    )
    education_min = django_filters.ChoiceFilter(
        label="最高学历不低于", choices=Education.choices, method="filter_education_min", empty_label="不限"
    )
    education_max = django_filters.ChoiceFilter(
        label="最高学历不高于", choices=Education.choices, method="filter_education_max", empty_label="不限"
    )
    missing = django_filters.ChoiceFilter(
        label="缺少信息", choices=MISSING_CHOICES, method="filter_missing", empty_label="不限"
    )

    class Meta:
        model = Person
        fields = [
            "q",
            "city",
            "county",
            "township",
            "village",
            "post",
            "post_group",
            "education",
            "education_min",
            "education_max",
            "gender",
            "age_min",
            "age_max",
            "missing",
        ]

    def __init__(self, *args: Any, user: User, today: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.today = today or timezone.localdate()
        if not user.is_province_admin:
            del self.filters["city"]  # one city at most: nothing to choose

    @property
    def form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            scope_area_fields(super().form, user=self.user)
        return self._form

    def filter_q(self, queryset: PersonQuerySet, name: str, value: str) -> PersonQuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(phone__contains=value))

    @property
    def qs(self) -> PersonQuerySet:
        """The user's people within the chosen area (bound or not, valid or not: never wider than the scope)."""
        if not hasattr(self, "_qs"):
            area = None
            # `self.errors` validates the form; cleaned_data then holds the valid fields.
            if self.is_bound and self.errors is not None and any(self.form.cleaned_data.get(n) for n in AREA_LEVELS):
                area = area_villages(self.user, self.form.cleaned_data)
            scoped = self.queryset.for_user(self.user, within=area)
            self._qs = self.filter_queryset(scoped) if self.is_bound else scoped
        return self._qs

    def filter_area(self, queryset: PersonQuerySet, name: str, value: object) -> PersonQuerySet:
        """City / county / township / village: already applied by `qs`, as the scope's `within`."""
        return queryset

    def filter_post(self, queryset: PersonQuerySet, name: str, value: str) -> PersonQuerySet:
        holds = PostAssignment.objects.current(self.today).filter(person=OuterRef("pk"), post=value)
        return queryset.filter(Exists(holds))

    def _with_post_group(self) -> bool:
        return bool(self.form.cleaned_data.get("post_group"))

    def filter_age_min(self, queryset: PersonQuerySet, name: str, value: Any) -> PersonQuerySet:
        if self._with_post_group():
            return queryset  # applied by filter_post_group, on each village's reference date
        return queryset.filter(birth_date__lte=years_before(self.today, int(value)))

    def filter_age_max(self, queryset: PersonQuerySet, name: str, value: Any) -> PersonQuerySet:
        if self._with_post_group():
            return queryset
        # Aged ≤ N 周岁 ⇔ not yet N+1: born after the day N+1 years back.
        return queryset.filter(birth_date__gt=years_before(self.today, int(value) + 1))

    def filter_post_group(self, queryset: PersonQuerySet, name: str, value: str) -> PersonQuerySet:
        """Holding one of the group's posts today in a village of the chosen area (what dashboards count); with
        age_min/age_max, aged so on that village's reference date (villages/reference.py), as the dashboards
        count them."""
        holds = PostAssignment.objects.current(self.today).filter(
            person=OuterRef("pk"),
            post__in=POST_GROUPS[value][1],
            village__in=area_villages(self.user, self.form.cleaned_data),
        )
        age_min, age_max = self.form.cleaned_data.get("age_min"), self.form.cleaned_data.get("age_max")
        if age_min is not None or age_max is not None:
            reference = reference_date_expression(as_of=None)
            holds = holds.annotate(ref_age=age_expression(birth="person__birth_date", reference=reference))
            if age_min is not None:
                holds = holds.filter(ref_age__gte=int(age_min))
            if age_max is not None:
                holds = holds.filter(ref_age__lte=int(age_max))
        return queryset.filter(Exists(holds))

    def filter_education_min(self, queryset: PersonQuerySet, name: str, value: str) -> PersonQuerySet:
        """Highest of full-time and in-service education at or above `value` (高中 and 中专 rank alike)."""
        ranked = queryset.alias(edu_rank_min=education_rank_expression(person_path=""))
        return ranked.filter(edu_rank_min__gte=EDUCATION_RANK[value])

    def filter_missing(self, queryset: PersonQuerySet, name: str, value: str) -> PersonQuerySet:
        """缺上年度考核: no assessment for last year (the latest completed one); 缺全日制学历: none recorded."""
        if value == "assessment":
            return queryset.missing_assessment(year=self.today.year - 1)
        return queryset.missing_education()

    def filter_education_max(self, queryset: PersonQuerySet, name: str, value: str) -> PersonQuerySet:
        ranked = queryset.alias(edu_rank_max=education_rank_expression(person_path=""))
        return ranked.filter(edu_rank_max__lte=EDUCATION_RANK[value])
