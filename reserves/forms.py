"""Forms for reserves, development measures, assessments, classes, enrolment and election results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from reserves.choices import EnrollmentStatus, ReviewPurpose
from reserves.elections import ELECTED_POSTS
from reserves.eligibility import Eligibility, check_eligibility
from reserves.models import DevelopmentMeasure, Election, Enrollment, Reserve, ReserveAssessment, TrainingClass
from reserves.reviews import cycle_of, review_refusal
from villages import idcard
from villages.choices import Post
from villages.forms.roster import DATE_WIDGET, VersionedForm, name_blank_choices
from villages.models import County, Person, User, Village
from villages.risk import reference_date

RESERVE_POSTS = [(value, label) for value, label in Post.choices if value != Post.FIRST_SECRETARY]


def _person_label(person: Person) -> str:
    return f"{person.name}（{person.birth_date:%Y}年生，{person.id_number_masked}）"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return _person_label(obj)


class EligibilityMixin:
    """Checks the person against the county's rules; an ineligible person needs a recorded reason."""

    village: Village
    eligibility: Eligibility | None = None

    def check_person(self, person: Person | None, override: str) -> None:
        if person is None:
            return
        self.eligibility = check_eligibility(person=person, village=self.village, on=reference_date(self.village))
        if not self.eligibility.eligible and not override.strip():
            self.add_error("eligibility_override_reason", f"{self.eligibility.summary}。如仍纳入后备，须填写理由。")


class ReserveForm(EligibilityMixin, forms.ModelForm):
    person = PersonChoiceField(label="人员", queryset=Person.objects.none())
    mentor = PersonChoiceField(label="帮带人", queryset=Person.objects.none(), required=False)
    target_post = forms.ChoiceField(label="目标岗位", choices=RESERVE_POSTS)

    class Meta:
        model = Reserve
        fields = [
            "person",
            "target_post",
            "readiness",
            "rank",
            "emergency_successor",
            "added_on",
            "added_how",
            "mentor",
            "eligibility_override_reason",
        ]
        widgets = {"added_on": DATE_WIDGET}

    def __init__(
        self, *args: Any, village: Village, people: QuerySet[Person], user: User | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.village = village
        self.user = user
        self.instance.village = village
        self.fields["person"].queryset = people
        self.fields["mentor"].queryset = people
        self.fields["added_on"].initial = timezone.localdate()
        name_blank_choices(self, person="请选择", mentor="无")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.check_person(data.get("person"), data.get("eligibility_override_reason", ""))
        person, post = data.get("person"), data.get("target_post")
        if (
            person
            and post
            and Reserve.objects.active().filter(person=person, village=self.village, target_post=post).exists()
        ):
            self.add_error("target_post", "此人已是该岗位的在库后备干部")
        added_on = data.get("added_on")
        if person and added_on and not self.errors:  # last, so that a warn-only pass is audited only when saved
            refusal = review_refusal(
                person=person,
                purpose=ReviewPurpose.RESERVE_ENTRY,
                cycle=cycle_of(added_on),
                county=self.village.township.county_id,
                on=added_on,
                by=self.user,
                context="reserve_add",
            )
            if refusal:
                self.add_error("person", refusal)
        return data


class ReserveEditForm(EligibilityMixin, VersionedForm):
    mentor = PersonChoiceField(label="帮带人", queryset=Person.objects.none(), required=False)
    target_post = forms.ChoiceField(label="目标岗位", choices=RESERVE_POSTS)

    class Meta:
        model = Reserve
        fields = ["target_post", "readiness", "rank", "emergency_successor", "mentor", "eligibility_override_reason"]

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.village = self.instance.village
        self.fields["mentor"].queryset = people
        name_blank_choices(self, mentor="无")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.check_person(self.instance.person, data.get("eligibility_override_reason", ""))
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="退出原因", max_length=200)
    on = forms.DateField(label="退出日期", widget=DATE_WIDGET, initial=timezone.localdate)


class DatedForm(forms.ModelForm):
    """A form with starts_on / ends_on: the end may not come before the start."""

    end_before_start = "结束日期不能早于开始日期"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", self.end_before_start)
        return data


class MeasureForm(DatedForm):
    class Meta:
        model = DevelopmentMeasure
        fields = ["kind", "description", "starts_on", "ends_on"]
        widgets = {"starts_on": DATE_WIDGET, "ends_on": DATE_WIDGET}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name_blank_choices(self, kind="请选择")


class ReserveAssessmentForm(forms.ModelForm):
    class Meta:
        model = ReserveAssessment
        fields = ["year", "grade", "note"]

    def __init__(self, *args: Any, reserve: Reserve, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.reserve = reserve
        self.fields["year"].initial = timezone.localdate().year
        name_blank_choices(self, grade="请选择")

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if not 2000 <= year <= timezone.localdate().year:
            raise forms.ValidationError("年度不在有效范围内")
        if ReserveAssessment.objects.filter(reserve=self.instance.reserve, year=year).exists():
            raise forms.ValidationError("该年度已有考核结果")
        return year


class TrainingClassForm(DatedForm):
    end_before_start = "结业日期不能早于开班日期"

    class Meta:
        model = TrainingClass
        fields = ["name", "institution", "level", "county", "cohort", "starts_on", "ends_on", "funding_yuan"]
        widgets = {"starts_on": DATE_WIDGET, "ends_on": DATE_WIDGET}

    def __init__(self, *args: Any, counties: QuerySet[County], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties
        if counties.count() == 1:
            self.fields["county"].initial = counties.first()
        name_blank_choices(self, level="请选择", county="请选择")


class EnrolForm(forms.Form):
    """Single, pasted list or workbook: whichever is filled (the workbook wins)."""

    people = forms.CharField(
        label="学员名单",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="每行一人：身份证号码，或“姓名 身份证号码”",
    )
    workbook = forms.FileField(label="或上传名单 .xlsx（列：姓名、公民身份号码）", required=False)

    def clean_workbook(self):
        workbook = self.cleaned_data.get("workbook")
        if workbook and not workbook.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 文件")
        return workbook

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("workbook") and not data.get("people", "").strip():
            raise forms.ValidationError("请填写名单或上传文件")
        return data


class EnrollmentChoiceForm(forms.Form):
    enrollment = forms.IntegerField(min_value=1)

    def enrollment_id(self) -> int:
        """The posted enrollment id, or 0 (matches nothing: 404) when missing or malformed."""
        return self.cleaned_data["enrollment"] if self.is_valid() else 0


class EnrollmentStatusForm(forms.ModelForm):
    class Meta:
        model = Enrollment
        fields = ["status", "completed_on"]
        widgets = {"completed_on": DATE_WIDGET}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("status") == EnrollmentStatus.COMPLETED and not data.get("completed_on"):
            data["completed_on"] = self.instance.training_class.ends_on or timezone.localdate()
        return data


class ElectionForm(forms.ModelForm):
    class Meta:
        model = Election
        fields = ["held_on", "term"]
        widgets = {"held_on": DATE_WIDGET}

    def __init__(self, *args: Any, village: Village, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.village = village

    def clean_held_on(self) -> dt.date:
        held_on = self.cleaned_data["held_on"]
        if Election.objects.filter(village=self.instance.village, held_on=held_on).exists():
            raise forms.ValidationError("该日期的换届已登记")
        return held_on


class ResultRowForm(forms.Form):
    """One winner. The person is named by ID number, or by a name unique among the township's people."""

    village = forms.ModelChoiceField(label="村", queryset=Village.objects.none(), required=False)
    person = forms.CharField(label="当选人（身份证号或姓名）", max_length=50)
    post = forms.ChoiceField(label="职务", choices=[(p, Post(p).label) for p in ELECTED_POSTS])
    group_number = forms.IntegerField(label="社号", min_value=1, required=False)
    votes = forms.IntegerField(label="得票", min_value=0, required=False)

    def __init__(self, *args: Any, people: QuerySet[Person], villages: QuerySet[Village] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people
        if villages is None:
            del self.fields["village"]
        else:
            self.fields["village"].queryset = villages
            self.fields["village"].required = True
            name_blank_choices(self, village="请选择")

    def clean_person(self) -> Person:
        raw = self.cleaned_data["person"].strip()
        try:
            matches = list(self.people.filter(id_number=idcard.parse(raw).number)[:2])
        except idcard.InvalidIdNumber:
            matches = list(self.people.filter(name=raw)[:2])
        if not matches:
            raise forms.ValidationError("本乡镇未找到此人")
        if len(matches) > 1:
            raise forms.ValidationError("同名多人，请填写身份证号码")
        return matches[0]


class ElectionDateForm(forms.Form):
    """The date and term shared by every row of a township's one-screen results entry."""

    held_on = forms.DateField(label="换届日期", widget=DATE_WIDGET)
    term = forms.CharField(label="届次", max_length=20, required=False)


ResultFormSet = forms.formset_factory(ResultRowForm, extra=10, max_num=500, absolute_max=500)
TownshipResultFormSet = forms.formset_factory(ResultRowForm, extra=30, max_num=500, absolute_max=500)
