"""Forms of the risk pages: a risk's review, the township's answer and the county's decision (inline, versioned),
a new dated rule value, the age-out query."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone

from villages.choices import Education, Relation, ReviewStatus, Role
from villages.forms.area import AreaFilterForm
from villages.forms.fields import form_field
from villages.models import Risk, User
from villages.models.risks import ATTACHMENT_EXTENSIONS, validate_attachment
from villages.rules import IN_PROGRESS_LABELS, RELATION_BITS, RULE_SPECS, SWITCH_LABELS

IN_PROGRESS_WORDS: dict[str, int] = {"0": 0, "1": 1, "2": 2, "不计入": 0, "计入": 1} | {
    label: value for value, label in IN_PROGRESS_LABELS.items()
}
SWITCH_WORDS: dict[str, int] = {"1": 1, "0": 0, "开启": 1, "是": 1, "仅提醒": 0, "提醒": 0, "否": 0} | {
    label: value for value, label in SWITCH_LABELS.items()
}

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def owner_label(user: User) -> str:
    """A possible owner as the select shows them: name and whose office (乡镇党委书记 names the township)."""
    if user.role == Role.TOWNSHIP_SECRETARY and user.township is not None:
        return f"{user}（{user.township.name}党委书记）"
    return f"{user}（{user.get_role_display()}）"


class RiskReviewForm(forms.ModelForm):
    """The county's review of one risk; `version` is the row version the form was rendered from. The rules
    (owner, due date, 已认可 reason, status changes) are checked by villages.risk.review_risk."""

    kind = "review"  # which form a row shows (templates/villages/risks.html#risk-row)
    owner = forms.TypedChoiceField(label="责任人", required=False, coerce=int, empty_value=None)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Risk
        fields = ["review_status", "due_on", "note"]
        labels = {"note": "备注（已认可须写明理由）"}
        widgets = {"due_on": DATE_WIDGET, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, owners: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner_choices = [("", "—"), *((str(u.pk), owner_label(u)) for u in owners)]
        form_field(self, "owner", forms.TypedChoiceField).choices = owner_choices
        statuses = ReviewStatus.choices
        if self.instance.review_status != ReviewStatus.RECTIFIED:  # only the township's answer sets it
            statuses = [c for c in statuses if c[0] != ReviewStatus.RECTIFIED]
        form_field(self, "review_status", forms.TypedChoiceField).choices = statuses
        self.fields["due_on"].widget.attrs["min"] = f"{timezone.localdate():%Y-%m-%d}"
        if not self.is_bound:
            self.fields["owner"].initial = self.instance.owner_id
            self.fields["version"].initial = self.instance.version


class RiskAnswerForm(forms.Form):
    """The township's answer: what was done, an optional file (size and type checked by validate_attachment)."""

    kind = "answer"
    action_taken = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    attachment = forms.FileField(
        label="附件（可选，图片、PDF、Word、Excel，不超过10 MB）",
        required=False,
        validators=[validate_attachment],
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{e}" for e in sorted(ATTACHMENT_EXTENSIONS))}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RiskDecisionForm(forms.Form):
    """The county's answer to 已整改待核: confirm (已解决) or send back (处理中) with an optional remark."""

    kind = "decision"
    decision = forms.ChoiceField(choices=[("confirm", "确认已整改"), ("reopen", "退回重新整改")])
    note = forms.CharField(label="意见（退回时请写明原因）", required=False, max_length=1000)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("decision") == "reopen" and not (data.get("note") or "").strip():
            self.add_error("note", "退回时请写明原因，乡镇才知道还要做什么")
        return data


class RuleValueForm(forms.Form):
    """A new dated value of one rule key. Education keys take an education (code or Chinese label)."""

    key = forms.ChoiceField(label="规则参数", choices=[(k, s.label) for k, s in RULE_SPECS.items()])
    value = forms.CharField(
        label="取值",
        max_length=200,
        help_text=(
            "学历类参数填写学历，如：初中、高中；在读学历计入方式填写0、1或2；资格联审填写“开启”或“仅提醒”；"
            "日期类填写如2027-01-31；近亲属关系用顿号分隔，如：配偶、父母、子女"
        ),
    )
    effective_on = forms.DateField(label="生效日期", widget=DATE_WIDGET)
    document_number = forms.CharField(label="文号", max_length=100)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
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
        if kind == "in_progress":
            if raw not in IN_PROGRESS_WORDS:
                self.add_error(
                    "value", "在读学历计入方式请填写0（不计入）、1（大专在读计为大专）或2（在读均按所读层次计入）"
                )
            data["value"] = IN_PROGRESS_WORDS.get(raw)
            return data
        if kind == "switch":
            if raw not in SWITCH_WORDS:
                self.add_error("value", "请填写“开启”或“仅提醒”")
            data["value"] = SWITCH_WORDS.get(raw)
            return data
        if kind in ("date", "relations"):
            return self._clean_date(data, raw) if kind == "date" else self._clean_relations(data, raw)
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

    def _clean_date(self, data: dict[str, Any], raw: str) -> dict[str, Any]:
        try:
            data["value"] = dt.date.fromisoformat(raw.replace("/", "-").replace(".", "-"))
        except ValueError:
            self.add_error("value", "请填写日期，如：2027-01-31")
        return data

    def _clean_relations(self, data: dict[str, Any], raw: str) -> dict[str, Any]:
        """Labels (配偶、父母) or codes (spouse,parent), separated by 、 , ， ; or spaces."""
        by_name = {label: value for value, label in Relation.choices if value in RELATION_BITS}
        by_name |= {value: value for value in RELATION_BITS}
        names = [n for n in re.split(r"[、,，;；\s]+", raw) if n]
        unknown = [n for n in names if n not in by_name]
        if unknown:
            allowed = "、".join(Relation(r).label for r in RELATION_BITS)
            self.add_error("value", f"无法识别的关系：{'、'.join(unknown)}（可填写：{allowed}）")
        data["value"] = frozenset(by_name[n] for n in names if n in by_name)
        return data


class AgeOutForm(AreaFilterForm):
    area_levels = ("township",)
    election_on = forms.DateField(label="换届日期", widget=DATE_WIDGET)
    field_order = ["election_on", "township"]

    def __init__(self, *args: Any, user: User, default_on: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["election_on"].initial = default_on
