"""Query-string filters and sorting of the risk list (bookmarkable: every filter lives in the URL).

Build the FilterSet on an already scoped queryset (`Risk.objects.for_user(user)`) and pass `user=` so the
county/township/village choices are scoped too.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from villages.choices import (
    AfterElectionRiskKind,
    BenchRiskKind,
    PersonFlag,
    ReviewRiskKind,
    ReviewStatus,
    Severity,
    VillageFlag,
)
from villages.forms.area import area_filter, scope_area_fields
from villages.models import Risk, RiskQuerySet, User

KIND_CHOICES = [
    *PersonFlag.choices,
    *VillageFlag.choices,
    *BenchRiskKind.choices,
    *ReviewRiskKind.choices,
    *AfterElectionRiskKind.choices,
]
STATE_CHOICES = [
    ("active", "数据仍支持"),
    ("open", "待处理（未解决、未认可）"),
    ("awaiting", "待答复（待处理、处理中）"),
    ("closed", "已自动关闭"),
    ("all", "全部"),
]
LAYOUT_CHOICES = [("village", "按村归并（村级问题在前）"), ("flat", "逐条列出")]
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
    city = area_filter("city", field_name="village__township__county__city")
    county = area_filter("county", field_name="village__township__county")
    township = area_filter("township", field_name="village__township")
    village = area_filter("village")
    kind = django_filters.ChoiceFilter(label="类型", choices=KIND_CHOICES, empty_label="全部类型")
    severity = django_filters.ChoiceFilter(label="程度", choices=Severity.choices, empty_label="全部")
    review_status = django_filters.ChoiceFilter(label="处理状态", choices=ReviewStatus.choices, empty_label="全部")
    state = django_filters.ChoiceFilter(
        label="数据状态", choices=STATE_CHOICES, method="filter_state", empty_label=None, initial="active"
    )
    sort = django_filters.ChoiceFilter(
        label="排序", choices=SORT_CHOICES, method="filter_sort", empty_label=None, initial="severity"
    )
    overdue = django_filters.BooleanFilter(
        label="只看逾期", method="filter_overdue", widget=forms.CheckboxInput, field_name="overdue"
    )
    mine = django_filters.BooleanFilter(
        label="只看指派给我的", method="filter_mine", widget=forms.CheckboxInput, field_name="mine"
    )
    layout = django_filters.ChoiceFilter(
        label="列表方式", choices=LAYOUT_CHOICES, method="filter_noop", empty_label=None, initial="village"
    )
    as_of = django_filters.DateFilter(
        label="按日期计算（预览）", method="filter_noop", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Risk
        fields = [
            "city", "county", "township", "village", "kind", "severity", "review_status", "overdue", "mine", "state",
            "layout", "sort", "as_of",
        ]  # fmt: skip

    def __init__(self, data: Any = None, *args: Any, user: User, **kwargs: Any) -> None:
        data = data.copy() if data is not None else {}
        self.user = user
        for name in ("state", "sort", "layout"):  # defaults apply when the parameter is absent, so URLs stay short
            data.setdefault(name, self.base_filters[name].extra["initial"])
        super().__init__(data, *args, **kwargs)
        self.user = user
        if not user.is_admin:
            del self.filters["county"]
        if not user.is_province_admin:
            del self.filters["city"]

    @property
    def form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            form = super().form
            scope_area_fields(form, user=self.user)
            form.label_suffix = "："  # full-width, as Chinese labels take
        return self._form

    def filter_state(self, queryset: RiskQuerySet, name: str, value: str) -> RiskQuerySet:
        if value == "active":
            return queryset.filter(is_active=True)
        if value == "open":  # what dashboards count as 待处理风险 (RiskQuerySet.open)
            return queryset.open()
        if value == "awaiting":  # what the township's to-do list counts (RiskQuerySet.awaiting_action)
            return queryset.awaiting_action()
        if value == "closed":
            return queryset.filter(is_active=False)
        return queryset

    def filter_overdue(self, queryset: RiskQuerySet, name: str, value: bool) -> QuerySet[Risk]:
        return queryset.overdue(on=timezone.localdate()) if value else queryset

    def filter_mine(self, queryset: QuerySet[Risk], name: str, value: bool) -> QuerySet[Risk]:
        return queryset.filter(owner=self.user) if value else queryset

    @property
    def grouped(self) -> bool:
        """Group the list by village (the default): the view pages villages, not rows."""
        return self.form.cleaned_data.get("layout", "village") != "flat" if self.is_valid() else True

    def filter_sort(self, queryset: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        if value == "severity":
            return queryset.alias(sev=severity_rank()).order_by("sev", "village__code", "kind", "pk")
        if value == "village":
            return queryset.order_by("village__code", "kind", "pk")
        return queryset.order_by(value, "village__code", "pk")

    def filter_noop(self, queryset: RiskQuerySet, name: str, value: Any) -> RiskQuerySet:
        return queryset  # as_of switches the view to a computed preview; it does not filter stored rows
