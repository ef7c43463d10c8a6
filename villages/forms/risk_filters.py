"""Query-string filters and sorting of the risk list (bookmarkable: every filter lives in the URL).

Build the FilterSet on an already scoped queryset (`Risk.objects.for_user(user)`) and pass `user=` so the
county/township/village choices are scoped too.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Case, IntegerField, QuerySet, Value, When

from villages.choices import PersonFlag, ReviewRiskKind, ReviewStatus, Severity, VillageFlag
from villages.models import County, Risk, Township, Village

KIND_CHOICES = [*PersonFlag.choices, *VillageFlag.choices, *ReviewRiskKind.choices]
STATE_CHOICES = [
    ("active", "数据仍支持"),
    ("open", "待处理（未解决、未认可）"),
    ("closed", "已自动关闭"),
    ("all", "全部"),
]
SORT_CHOICES = [
    ("severity", "程度（红色在前）"),
    ("village", "村（代码）"),
    ("kind", "类型"),
    ("review_status", "处理状态"),
    ("due_on", "期限"),
    ("-first_seen_at", "最新发现"),
]


def severity_rank() -> Case:
    return Case(When(severity=Severity.RED, then=Value(0)), default=Value(1), output_field=IntegerField())


class RiskFilter(django_filters.FilterSet):
    county = django_filters.ModelChoiceFilter(
        label="区/县",
        queryset=County.objects.none(),
        to_field_name="code",
        field_name="village__township__county",
        empty_label="全部区县",
    )
    township = django_filters.ModelChoiceFilter(
        label="乡镇",
        queryset=Township.objects.none(),
        to_field_name="code",
        field_name="village__township",
        empty_label="全部乡镇",
    )
    village = django_filters.ModelChoiceFilter(
        label="村（先选乡镇）", queryset=Village.objects.none(), to_field_name="code", empty_label="全部村"
    )
    kind = django_filters.ChoiceFilter(label="类型", choices=KIND_CHOICES, empty_label="全部类型")
    severity = django_filters.ChoiceFilter(label="程度", choices=Severity.choices, empty_label="全部")
    review_status = django_filters.ChoiceFilter(label="处理状态", choices=ReviewStatus.choices, empty_label="全部")
    state = django_filters.ChoiceFilter(
        label="数据状态", choices=STATE_CHOICES, method="filter_state", empty_label=None, initial="active"
    )
    sort = django_filters.ChoiceFilter(
        label="排序", choices=SORT_CHOICES, method="filter_sort", empty_label=None, initial="severity"
    )
    as_of = django_filters.DateFilter(
        label="按日期计算（预览）", method="filter_noop", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Risk
        fields = ["county", "township", "village", "kind", "severity", "review_status", "state", "sort", "as_of"]

    def __init__(self, data: Any = None, *args: Any, user: Any, **kwargs: Any) -> None:
        data = data.copy() if data is not None else {}
        for name in ("state", "sort"):  # defaults apply when the parameter is absent, so URLs stay short
            data.setdefault(name, self.base_filters[name].extra["initial"])
        super().__init__(data, *args, **kwargs)
        self.filters["county"].queryset = County.objects.for_user(user)
        self.filters["township"].queryset = Township.objects.for_user(user)
        self.filters["village"].queryset = self._village_choices(user, data)
        if not user.is_city_admin:
            del self.filters["county"]

    @staticmethod
    def _village_choices(user: Any, data: Any) -> QuerySet[Village]:
        """Villages of the chosen township (a county has hundreds: listing them all makes every page slow)."""
        villages = Village.objects.for_user(user)
        if data.get("township"):
            return villages.filter(township__code=data["township"])
        return villages if data.get("village") else villages.none()

    def filter_state(self, queryset: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        if value == "active":
            return queryset.filter(is_active=True)
        if value == "open":  # what dashboards count as 待处理风险 (RiskQuerySet.open)
            return queryset.open()
        if value == "closed":
            return queryset.filter(is_active=False)
        return queryset

    def filter_sort(self, queryset: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        if value == "severity":
            return queryset.alias(sev=severity_rank()).order_by("sev", "village__code", "kind", "pk")
        if value == "village":
            return queryset.order_by("village__code", "kind", "pk")
        return queryset.order_by(value, "village__code", "pk")

    def filter_noop(self, queryset: QuerySet[Risk], name: str, value: Any) -> QuerySet[Risk]:
        return queryset  # as_of switches the view to a computed preview; it does not filter stored rows
