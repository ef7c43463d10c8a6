"""Forms of the qualification-review pages: 台账 filters, opening a batch, an opinion, withdrawing, negative records,
the county's negative list and department list, and uploading a department's answers."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from reserves.choices import Conclusion, ItemEnd, QualificationStatus, ReviewPurpose, ReviewRound
from reserves.models import NegativeRecord, Review
from reserves.reviews import ItemRule
from reserves.reviews.opening import opinion_problems, record_problems
from villages import idcard
from villages.forms.roster import DATE_WIDGET
from villages.models import Person

ANY = [("", "全部")]


class LedgerFilterForm(forms.Form):
    purpose = forms.ChoiceField(label="联审类别", choices=ANY + ReviewPurpose.choices, required=False)
    cycle = forms.RegexField(label="届次年份", regex=r"^\d{4}$", required=False, max_length=4)
    status = forms.ChoiceField(label="状态", choices=ANY + QualificationStatus.choices, required=False)


class OpenBatchForm(forms.Form):
    """Open reviews in one step: everyone on the township's slates, or a pasted list of nominees."""

    SOURCES = [("slates", "本乡镇各村的预备人选方案（换届候选人）"), ("list", "名单（后备干部入库、届中调整）")]

    source = forms.ChoiceField(label="人选来源", choices=SOURCES, widget=forms.RadioSelect, initial="slates")
    purpose = forms.ChoiceField(
        label="联审类别（按名单时）", choices=ReviewPurpose.choices, initial=ReviewPurpose.RESERVE_ENTRY
    )
    cycle = forms.RegexField(label="届次年份（按名单时）", regex=r"^\d{4}$", max_length=4, required=False)
    people = forms.CharField(
        label="名单",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="每行一人：身份证号码，或本乡镇内不重名的姓名",
    )
    opinions_due_on = forms.DateField(label="部门意见反馈期限", required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool = people
        self.fields["cycle"].initial = str(timezone.localdate().year)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("source") == "list":
            if not data.get("cycle"):
                self.add_error("cycle", "按名单发起时须填写届次年份")
            data["nominees"] = self._nominees(data.get("people") or "")
        due = data.get("opinions_due_on")
        if due and due < timezone.localdate():
            self.add_error("opinions_due_on", "反馈期限不能早于今天")
        return data

    def _nominees(self, text: str) -> list[Person]:
        found: list[Person] = []
        errors: list[str] = []
        for number, line in enumerate(text.splitlines(), start=1):
            raw = line.strip()
            if not raw:
                continue
            try:
                matches = list(self.pool.filter(id_number=idcard.parse(raw).number)[:2])
            except idcard.InvalidIdNumber:
                matches = list(self.pool.filter(name=raw)[:2])
            if len(matches) != 1:
                errors.append(
                    f"第{number}行“{raw}”：" + ("本乡镇未找到此人" if not matches else "同名多人，请填写身份证号码")
                )
            else:
                found.append(matches[0])
        if errors:
            self.add_error("people", errors)
        elif not found:
            self.add_error("people", "请填写名单")
        return found


class OpinionForm(forms.Form):
    round = forms.ChoiceField(label="审查环节", choices=ReviewRound.choices)
    department = forms.CharField(label="部门（县级联审）", max_length=50, required=False)
    conclusion = forms.ChoiceField(label="结论", choices=Conclusion.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="意见或理由", max_length=300, required=False)
    concluded_on = forms.DateField(label="审查日期", widget=DATE_WIDGET, initial=timezone.localdate)
    document_number = forms.CharField(label="文号或回执号", max_length=100, required=False)

    def __init__(self, *args: Any, review: Review, rounds: list[str], departments: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.review = review
        cast(forms.ChoiceField, self.fields["round"]).choices = [(r, ReviewRound(r).label) for r in rounds]
        self.fields["department"].widget = forms.Select(choices=[("", "—")] + [(d, d) for d in departments])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if {"round", "conclusion", "concluded_on"} <= set(data):
            for field, message in opinion_problems(review=self.review, **_opinion_fields(data)).items():
                self.add_error(field if field in self.fields else None, message)
        return data


def _opinion_fields(data: dict[str, Any]) -> dict[str, Any]:
    keys = ("round", "department", "conclusion", "note", "concluded_on")
    return {key: data.get(key) or ("" if key != "concluded_on" else None) for key in keys}


class WithdrawReviewForm(forms.Form):
    reason = forms.CharField(label="撤回原因", max_length=200)


class NegativeRecordForm(forms.ModelForm):
    """A new negative-list entry or a change to one (the item and person are fixed once entered)."""

    class Meta:
        model = NegativeRecord
        fields = [
            "item_code",
            "source_department",
            "occurred_on",
            "ends_on",
            "rectified_on",
            "document_number",
            "detail",
        ]
        widgets = {
            "occurred_on": DATE_WIDGET,
            "ends_on": DATE_WIDGET,
            "rectified_on": DATE_WIDGET,
            "detail": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, county_id: int, items: list[ItemRule], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.county_id = county_id
        choices = [(item.code, f"{item.label}（{ItemEnd(item.ends).label}）") for item in items]
        if self.instance.pk and self.instance.item_code not in {code for code, _ in choices}:
            choices.append((self.instance.item_code, f"第{self.instance.item_code}项（本区县清单已无此项）"))
        self.fields["item_code"] = forms.ChoiceField(label="负面清单条目", choices=[("", "请选择"), *choices])
        if self.instance.pk:
            self.fields["item_code"].disabled = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("item_code"):
            problems = record_problems(
                county_id=self.county_id,
                item_code=data["item_code"],
                occurred_on=data.get("occurred_on"),
                ends_on=data.get("ends_on"),
                rectified_on=data.get("rectified_on"),
                new=self.instance.pk is None,
            )
            for field, message in problems.items():
                self.add_error(field, message)
        return data


class NegativeItemForm(forms.Form):
    """A new dated version of one item of the county's negative list."""

    code = forms.RegexField(label="编号", regex=r"^\d{1,2}(\.\d{1,2})?$", max_length=10, help_text="如 2、9.3")
    wording = forms.CharField(label="内容", max_length=300)
    ends = forms.ChoiceField(label="失效方式", choices=ItemEnd.choices)
    years = forms.IntegerField(label="有效年限（期满失效）", min_value=1, max_value=50, required=False)
    disqualifies = forms.BooleanField(label="命中即不通过", required=False, initial=True)
    in_force = forms.BooleanField(label="适用（取消勾选即从本区县清单中移除）", required=False, initial=True)
    effective_on = forms.DateField(label="生效日期", widget=DATE_WIDGET)
    document_number = forms.CharField(label="文号", max_length=100)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("ends") != ItemEnd.PERIOD:
            data["years"] = None  # only items that lapse by date have years
        return data


class DepartmentListForm(forms.Form):
    departments = forms.CharField(
        label="联审部门", widget=forms.Textarea(attrs={"rows": 8}), help_text="每行一个部门，按联审顺序"
    )
    effective_on = forms.DateField(label="生效日期", widget=DATE_WIDGET)
    document_number = forms.CharField(label="文号", max_length=100)

    def clean_departments(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data["departments"].splitlines() if line.strip()]
        if not names:
            raise forms.ValidationError("请至少填写一个部门")
        if len(set(names)) != len(names):
            raise forms.ValidationError("部门重复")
        if any(len(name) > 50 for name in names):
            raise forms.ValidationError("部门名称不超过50字")
        return names


class AnswersUploadForm(forms.Form):
    workbook = forms.FileField(label="部门反馈的核查表（.xlsx）")

    def clean_workbook(self):
        workbook = self.cleaned_data["workbook"]
        if not workbook.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 文件")
        return workbook
