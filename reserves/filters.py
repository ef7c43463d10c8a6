"""The reserve list's query-string filters (the page and its Excel export read the same form).

Build it with the user: the county, township and village choices are the user's scope, so a code outside it is
a form error, never a way to see another township's reserves.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from reserves.choices import Readiness, ReserveStatus
from reserves.forms import RESERVE_POSTS
from reserves.models import Reserve
from reserves.reserve_list import EligibilityStatus, TrainingStatus, filter_training
from villages.forms.area import scope_township_field
from villages.models import City, County, Township, User, Village

MAX_VILLAGE_CHOICES = 60
ALL_STATUSES = "all"
STATUS_CHOICES = [*ReserveStatus.choices, (ALL_STATUSES, "全部")]
MENTOR_CHOICES = [("", "不限"), ("yes", "已明确帮带人"), ("no", "未明确帮带人")]


def _with_blank(choices: list[tuple[str, str]], label: str = "不限") -> list[tuple[str, str]]:
    return [("", label), *choices]


class ReserveListForm(forms.Form):
    q = forms.CharField(label="姓名", required=False, max_length=30)
    city = forms.ModelChoiceField(
        label="市/州", queryset=City.objects.none(), to_field_name="code", required=False, empty_label="全部市州"
    )
    county = forms.ModelChoiceField(
        label="区/县", queryset=County.objects.none(), to_field_name="code", required=False, empty_label="全部区县"
    )
    township = forms.ModelChoiceField(
        label="乡镇", queryset=Township.objects.none(), to_field_name="code", required=False, empty_label="全部乡镇"
    )
    village = forms.ModelChoiceField(
        label="村", queryset=Village.objects.none(), to_field_name="code", required=False, empty_label="全部村"
    )
    target_post = forms.ChoiceField(label="目标岗位", choices=_with_blank(RESERVE_POSTS), required=False)
    readiness = forms.ChoiceField(label="成熟度", choices=_with_blank(Readiness.choices), required=False)
    eligibility = forms.ChoiceField(label="资格", choices=_with_blank(EligibilityStatus.choices), required=False)
    training = forms.ChoiceField(label="参训情况", choices=_with_blank(TrainingStatus.choices), required=False)
    mentor = forms.ChoiceField(label="帮带人", choices=MENTOR_CHOICES, required=False)
    status = forms.ChoiceField(label="状态", choices=STATUS_CHOICES, required=False)

    def __init__(self, data: Any = None, *, user: User) -> None:
        super().__init__(data)
        villages = Village.objects.for_user(user)
        self._units("city").queryset = City.objects.for_user(user)
        self._units("county").queryset = County.objects.for_user(user)
        scope_township_field(self, user=user)
        self._units("village").queryset = villages
        listed = [(v.code, v.name) for v in self._listed(villages)]
        self._units("village").widget.choices = [("", "全部村"), *listed]
        if not user.is_province_admin:
            del self.fields["city"]  # one city at most: nothing to choose
        if not user.is_admin:
            del self.fields["county"]  # one county at most: nothing to choose
        if user.is_township_secretary:
            del self.fields["township"]

    def _units(self, name: str) -> forms.ModelChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        return field

    def _listed(self, villages: QuerySet[Village]) -> QuerySet[Village]:
        """The village select lists the chosen township's villages (a city has thousands); any in scope validates."""
        township = str((self.data or {}).get("township", ""))
        chosen = str((self.data or {}).get("village", ""))
        if township:
            return villages.filter(Q(township__code=township) | Q(code=chosen)).order_by("code")
        if villages.count() > MAX_VILLAGE_CHOICES:
            return villages.filter(code=chosen)
        return villages.order_by("code")

    def filtered(self, reserves: QuerySet[Reserve]) -> QuerySet[Reserve]:
        """`reserves` (scoped, annotated by `with_training`) narrowed by every filter except eligibility."""
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or ReserveStatus.ACTIVE
        if status != ALL_STATUSES:
            reserves = reserves.filter(status=status)
        if data.get("q"):
            reserves = reserves.filter(person__name__icontains=data["q"].strip())
        if data.get("city"):
            reserves = reserves.filter(village__township__county__city=data["city"])
        if data.get("county"):
            reserves = reserves.filter(village__township__county=data["county"])
        if data.get("township"):
            reserves = reserves.filter(village__township=data["township"])
        if data.get("village"):
            reserves = reserves.filter(village=data["village"])
        for field in ("target_post", "readiness"):
            if data.get(field):
                reserves = reserves.filter(**{field: data[field]})
        if data.get("training"):
            reserves = filter_training(reserves, data["training"])
        if data.get("mentor"):
            reserves = reserves.filter(mentor__isnull=data["mentor"] == "no")
        return reserves

    @property
    def eligibility_wanted(self) -> str:
        return self.cleaned_data.get("eligibility", "") if self.is_valid() else ""
