"""Query-string filters for people lists (the people page; the Excel export reuses PersonFilter).

Always build the FilterSet on a queryset that is already scoped (`Person.objects.for_user(user)`) and pass
`user=` so the township and village choices are scoped too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from villages.choices import COMMITTEE_POSTS, EDUCATION_RANK, Education, Gender, Post
from villages.models import County, Person, PostAssignment, Township, Village
from villages.reference import reference_date_expression
from villages.roster import years_before
from villages.structure import age_expression, education_rank_expression

MAX_VILLAGE_CHOICES = 60


# Post groups the dashboards drill into (people holding any of the posts in a village of the chosen area).
POST_GROUPS: dict[str, tuple[str, frozenset[str]]] = {
    "committee": ("两委成员", COMMITTEE_POSTS),
    "group_leader": ("社长", frozenset({Post.GROUP_LEADER})),
}


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="姓名/电话", method="filter_q")
    county = django_filters.ModelChoiceFilter(
        label="区/县",
        queryset=County.objects.none(),
        to_field_name="code",
        method="filter_county",
        empty_label="全部区县",
    )
    township = django_filters.ModelChoiceFilter(
        label="乡镇",
        queryset=Township.objects.none(),
        to_field_name="code",
        method="filter_township",
        empty_label="全部乡镇",
    )
    village = django_filters.ModelChoiceFilter(
        label="村", queryset=Village.objects.none(), to_field_name="code", method="filter_village", empty_label="全部村"
    )
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

    class Meta:
        model = Person
        fields = [
            "q",
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
        ]

    def __init__(self, *args: Any, user: Any, today: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.filters["county"].queryset = County.objects.for_user(user)
        self.filters["township"].queryset = Township.objects.for_user(user)
        self.filters["village"].queryset = Village.objects.for_user(user)

    @property
    def form(self) -> Any:
        """List only the chosen township's villages (a city has thousands); any village in scope still validates."""
        if not hasattr(self, "_form"):
            form = super().form
            township = str((self.data or {}).get("township", ""))
            chosen = str((self.data or {}).get("village", ""))
            villages = self.filters["village"].queryset
            if township:
                villages = villages.filter(Q(township__code=township) | Q(code=chosen))
            elif villages.count() > MAX_VILLAGE_CHOICES:
                villages = villages.filter(code=chosen)
            form.fields["village"].widget.choices = [("", "全部村")] + [(v.code, v.name) for v in villages]
        return self._form

    def filter_q(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return queryset.filter(Q(name__icontains=value) | Q(phone__contains=value))

    def filter_county(self, queryset: QuerySet[Person], name: str, value: County) -> QuerySet[Person]:
        return queryset.in_villages(Village.objects.filter(township__county=value))

    def filter_township(self, queryset: QuerySet[Person], name: str, value: Township) -> QuerySet[Person]:
        return queryset.in_villages(Village.objects.filter(township=value))

    def filter_village(self, queryset: QuerySet[Person], name: str, value: Village) -> QuerySet[Person]:
        return queryset.in_villages(Village.objects.filter(pk=value.pk))

    def filter_post(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        holds = PostAssignment.objects.current(self.today).filter(person=OuterRef("pk"), post=value)
        return queryset.filter(Exists(holds))

    def _with_post_group(self) -> bool:
        return bool(self.form.cleaned_data.get("post_group"))

    def filter_age_min(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        if self._with_post_group():
            return queryset  # applied by filter_post_group, on each village's reference date
        return queryset.filter(birth_date__lte=years_before(self.today, int(value)))

    def filter_age_max(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        if self._with_post_group():
            return queryset
        # Aged ≤ N 周岁 ⇔ not yet N+1: born after the day N+1 years back.
        return queryset.filter(birth_date__gt=years_before(self.today, int(value) + 1))

    def _area_villages(self) -> QuerySet[Village]:
        """Villages of the chosen county / township / village (all villages when none is chosen)."""
        data = self.form.cleaned_data
        villages = Village.objects.all()
        if data.get("county"):
            villages = villages.filter(township__county=data["county"])
        if data.get("township"):
            villages = villages.filter(township=data["township"])
        if data.get("village"):
            villages = villages.filter(pk=data["village"].pk)
        return villages

    def filter_post_group(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        """Holding one of the group's posts today in a village of the chosen area (what dashboards count); with
        age_min/age_max, aged so on that village's reference date (villages/reference.py), as the dashboards
        count them."""
        holds = PostAssignment.objects.current(self.today).filter(
            person=OuterRef("pk"), post__in=POST_GROUPS[value][1], village__in=self._area_villages()
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

    def filter_education_min(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        """Highest of full-time and in-service education at or above `value` (高中 and 中专 rank alike)."""
        ranked = queryset.alias(edu_rank_min=education_rank_expression(person_path=""))
        return ranked.filter(edu_rank_min__gte=EDUCATION_RANK[value])

    def filter_education_max(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        ranked = queryset.alias(edu_rank_max=education_rank_expression(person_path=""))
        return ranked.filter(edu_rank_max__lte=EDUCATION_RANK[value])
