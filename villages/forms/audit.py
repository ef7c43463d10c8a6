"""The audit-trail filter form (GET): township, village, who, date range, kind. Choices are scoped to the user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from villages.audit.trail import audit_rows, kind_choices
from villages.choices import Role
from villages.forms.area import AreaFilterForm, area_villages
from villages.forms.fields import model_choice
from villages.models import Township, User

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def users_in_scope(user: User) -> QuerySet[User]:
    """Who may have changed records in the user's scope: its township secretaries, county staff, city admins."""
    townships = Township.objects.for_user(user)
    mine = Q(township__in=townships) | Q(county__in=townships.values("county")) | Q(role=Role.CITY_ADMIN)
    return User.objects.filter(mine).order_by("username")


def start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditFilterForm(AreaFilterForm):
    area_levels = ("township", "village")
    actor = forms.ModelChoiceField(
        label="操作人", queryset=User.objects.none(), to_field_name="username", required=False, empty_label="全部"
    )
    since = forms.DateField(label="起始日期", required=False, widget=DATE_WIDGET)
    until = forms.DateField(label="截止日期", required=False, widget=DATE_WIDGET)
    kind = forms.ChoiceField(label="类型", choices=lambda: [("", "全部"), *kind_choices()], required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        model_choice(self, "actor").queryset = users_in_scope(user)

    def rows(self) -> QuerySet:
        """The scoped audit rows for the valid filters (invalid ones are ignored and shown as errors)."""
        data = self.cleaned_data if self.is_valid() else {}
        # Not narrowed (None): the whole scope, account changes of county-level accounts included.
        narrowed = any(data.get(level) for level in ("county", "township", "village"))
        return audit_rows(
            user=self.user,
            villages=area_villages(self.user, data) if narrowed else None,
            actor=data.get("actor"),
            since=start_of(data["since"]) if data.get("since") else None,
            until=start_of(data["until"] + dt.timedelta(days=1)) if data.get("until") else None,
            kinds=[data["kind"]] if data.get("kind") else None,
        )
