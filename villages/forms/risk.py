"""Forms of the risk pages: a risk's review (inline, versioned), a new dated rule value, the age-out query."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from villages.choices import Education, ReviewStatus, Role
from villages.models import Risk, Township, User
from villages.rules import RULE_SPECS, SWITCH_LABELS

SWITCH_WORDS: dict[str, int] = {"1": 1, "0": 0, "开启": 1, "是": 1, "仅提醒": 0, "提醒": 0, "否": 0} | {
    label: value for value, label in SWITCH_LABELS.items()
}

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def owner_choices(county_ids: set[int]) -> dict[int | None, list[tuple[str, str]]]:
    """Possible owners per county id: that county's staff plus the city admins. One query for all counties."""
    users = User.objects.filter(
        Q(role=Role.COUNTY_STAFF, county_id__in=county_ids) | Q(role=Role.CITY_ADMIN), is_active=True
    ).order_by("username")
    admins = [(str(u.pk), str(u)) for u in users if u.role == Role.CITY_ADMIN]
    result: dict[int | None, list[tuple[str, str]]] = {cid: [("", "—")] for cid in county_ids}
    for u in users:
        if u.role == Role.COUNTY_STAFF:
            result[u.county_id].append((str(u.pk), str(u)))
    for choices in result.values():
        choices.extend(admins)
    return result


class RiskReviewForm(forms.ModelForm):
    """Review fields of one risk; `version` is the row version the form was rendered from."""

    owner = forms.TypedChoiceField(label="责任人", required=False, coerce=int, empty_value=None)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Risk
        fields = ["review_status", "due_on", "note"]
        widgets = {"due_on": DATE_WIDGET, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, owners: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owners
        self.fields["review_status"].choices = ReviewStatus.choices
        if not self.is_bound:
            self.fields["owner"].initial = self.instance.owner_id
            self.fields["version"].initial = self.instance.version


class RuleValueForm(forms.Form):
    """A new dated value of one rule key. Education keys take an education (code or Chinese label)."""

    key = forms.ChoiceField(label="规则参数", choices=[(k, s.label) for k, s in RULE_SPECS.items()])
    value = forms.CharField(
        label="取值", max_length=20, help_text="学历类参数填写学历，如：初中、高中；资格联审填写“开启”或“仅提醒”"
    )
    effective_on = forms.DateField(label="生效日期", widget=DATE_WIDGET)
    document_number = forms.CharField(label="文号", max_length=100)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        key, raw = data.get("key"), (data.get("value") or "").strip()
        if not key or not raw:
            return data
        kind = RULE_SPECS[key].kind
        if kind == "education":
            by_label = {label: value for value, label in Education.choices}
            education = raw if raw in Education.values else by_label.get(raw)
            if education is None:
                self.add_error("value", "请填写学历，如：初中、高中、大学专科")
            data["value"] = education
            return data
        if kind == "switch":
            if raw not in SWITCH_WORDS:
                self.add_error("value", "请填写“开启”或“仅提醒”")
            data["value"] = SWITCH_WORDS.get(raw)
            return data
        try:
            number = Decimal(raw)
        except InvalidOperation:
            self.add_error("value", "请填写数字")
            return data
        if kind == "share" and not 0 < number <= 1:
            self.add_error("value", "比例填写0到1之间的小数，如0.5")
        elif kind != "share" and (number < 0 or number != number.to_integral_value()):
            self.add_error("value", "请填写非负整数")
        data["value"] = float(number) if kind == "share" else int(number)
        return data


class AgeOutForm(forms.Form):
    election_on = forms.DateField(label="换届日期", widget=DATE_WIDGET)
    township = forms.ModelChoiceField(
        label="乡镇", queryset=Township.objects.none(), to_field_name="code", required=False, empty_label="全部乡镇"
    )

    def __init__(self, *args: Any, townships: QuerySet[Township], default_on: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships
        self.fields["election_on"].initial = default_on
