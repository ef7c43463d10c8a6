"""Forms for reserves, development measures, assessments, classes and enrolment (election results: result_forms)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from reserves.choices import RESERVE_TARGET_POSTS, ReviewPurpose
from reserves.eligibility import Eligibility, duplicate_refusal, override_refusal, reserve_eligibility
from reserves.enrolment import completion_date, completion_refusal
from reserves.models import DevelopmentMeasure, Enrollment, Reserve, ReserveAssessment, TrainingClass
from reserves.reviews import cycle_of, review_refusal
from villages.forms.fields import model_choice
from villages.forms.roster import DATE_WIDGET, VersionedForm, name_blank_choices
from villages.models import County, Person, User, Village

RESERVE_POSTS = RESERVE_TARGET_POSTS


def _person_label(person: Person) -> str:
    return f"{person.name}（{person.birth_date:%Y}年生，{person.id_number_masked}）"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return _person_label(obj)


class EligibilityMixin(forms.BaseForm):
    """Checks the person against the county's rules; an ineligible person needs a recorded reason."""

    village: Village
    eligibility: Eligibility | None = None

    def check_person(self, person: Person | None, override: str) -> None:
        if person is None:
            return
        self.eligibility = reserve_eligibility(person=person, village=self.village)
        refusal = override_refusal(eligibility=self.eligibility, override_reason=override)
        if refusal:
            self.add_error("eligibility_override_reason", refusal)


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
        model_choice(self, "person").queryset = people
        model_choice(self, "mentor").queryset = people
        self.fields["added_on"].initial = timezone.localdate()
        name_blank_choices(self, person="请选择", mentor="无")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        self.check_person(data.get("person"), data.get("eligibility_override_reason", ""))
        person, post = data.get("person"), data.get("target_post")
        refusal = person and post and duplicate_refusal(person=person, village=self.village, target_post=post)
        if refusal:
            self.add_error("target_post", refusal)
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
        model_choice(self, "mentor").queryset = people
        name_blank_choices(self, mentor="无")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        self.check_person(self.instance.person, data.get("eligibility_override_reason", ""))
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="退出原因", max_length=200)
    on = forms.DateField(label="退出日期", widget=DATE_WIDGET, initial=timezone.localdate)


class DatedForm(forms.ModelForm):
    """A form with starts_on / ends_on: the end may not come before the start."""

    end_before_start = "结束日期不能早于开始日期"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
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
        model_choice(self, "county").queryset = counties
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
        super().clean()
        data = self.cleaned_data
        if not data.get("workbook") and not data.get("people", "").strip():
            raise forms.ValidationError("请填写名单或上传文件")
        return data


class EnrollmentChoiceForm(forms.Form):
    enrollment = forms.IntegerField(min_value=1)

    def enrollment_id(self) -> int:
        """The posted enrollment id, or 0 (matches nothing: 404) when missing or malformed."""
        return self.cleaned_data["enrollment"] if self.is_valid() else 0


class EnrollmentStatusForm(forms.ModelForm):
    """A trainee's status; 结业 has a date (default: the class's end date once passed, else today), the other
    statuses none. The date is not before the class started nor after today."""

    class Meta:
        model = Enrollment
        fields = ["status", "completed_on"]
        widgets = {
            "status": forms.Select(attrs={"aria-label": "学习状态"}),
            "completed_on": forms.DateInput(
                attrs={"type": "date", "aria-label": "结业日期（结业时填写，留空为结业日期或今天）"}, format="%Y-%m-%d"
            ),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("status"):
            data["completed_on"] = completion_date(
                enrollment=self.instance, status=data["status"], completed_on=data.get("completed_on")
            )
            if refusal := completion_refusal(enrollment=self.instance, completed_on=data["completed_on"]):
                self.add_error("completed_on", refusal)
        return data
