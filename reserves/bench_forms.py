"""Forms for growing the bench: talent pool, promotion, mentors, talks, placements, 学历提升, list filters.

Forms validate input; the domain functions (reserves/talents.py, mentoring.py, education.py) make the writes and
refuse what the rules forbid, and `refused(form, error)` puts that refusal next to the field at fault.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from reserves.choices import (
    PROGRAMME_LEVELS,
    AddedHow,
    EnrollmentStatus,
    MentorSide,
    ProgrammeStatus,
    Readiness,
    ReturnWillingness,
    RuralTalentCategory,
    TalentSource,
    TalentStatus,
    TalkBy,
)
from reserves.models import Enrollment, Talent
from villages.choices import Post
from villages.forms.roster import DATE_WIDGET, PersonForm, name_blank_choices
from villages.models import Person, Township, Village

RESERVE_POSTS = [(value, label) for value, label in Post.choices if value != Post.FIRST_SECRETARY]


def refused(form: forms.BaseForm, error: Exception) -> None:
    """Show a domain refusal on the field it names (`error.field`), or above the form."""
    field = getattr(error, "field", "") or None
    form.add_error(field if field in form.fields else None, str(error))


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name}（{obj.birth_date:%Y}年生，{obj.id_number_masked}）"


class TalentForm(forms.ModelForm):
    """A talent; `person` picks someone already registered, else the person form below is filled."""

    person = PersonChoice(label="已登记人员", queryset=Person.objects.none(), required=False)

    class Meta:  # `person` is not a model field here: it may be empty (a new person), see the view
        model = Talent
        fields = [
            "village", "source", "category", "current_location", "current_work", "contact", "willingness",
            "strengths", "entered_on",
        ]  # fmt: skip
        widgets = {"entered_on": DATE_WIDGET, "strengths": forms.Textarea(attrs={"rows": 2})}

    field_order = ["village", "person"]

    def __init__(self, *args: Any, villages: QuerySet[Village], people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["village"]).queryset = villages
        cast(forms.ModelChoiceField, self.fields["person"]).queryset = people
        self.fields["entered_on"].initial = timezone.localdate()
        name_blank_choices(
            self, village="请选择", person="新登记人员（填写下方人员信息）", source="请选择", category="请选择"
        )


class TalentPersonForm(PersonForm):
    """The person of a new talent (their home village is the talent's village, set by the view)."""

    class Meta(PersonForm.Meta):
        fields = [
            "name", "id_number", "gender", "birth_date", "ethnicity", "political_status", "party_joined_on",
            "education", "education_in_service", "education_in_progress", "phone", "source_categories",
            "home_village",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, villages=Village.objects.none(), **kwargs)
        del self.fields["home_village"]


class PromoteForm(forms.Form):
    target_post = forms.ChoiceField(label="目标岗位", choices=[("", "请选择"), *RESERVE_POSTS])
    readiness = forms.ChoiceField(label="成熟度", choices=Readiness.choices, initial=Readiness.NEEDS_DEVELOPMENT)
    added_on = forms.DateField(label="纳入后备日期", widget=DATE_WIDGET, initial=timezone.localdate)
    added_how = forms.ChoiceField(label="产生方式", choices=AddedHow.choices, initial=AddedHow.RECOMMENDED)
    override_reason = forms.CharField(
        label="不符合条件仍纳入的理由", max_length=300, required=False, help_text="不符合后备干部条件时必填"
    )


class LeavePoolForm(forms.Form):
    reason = forms.CharField(label="退出原因", max_length=200)


class TalentFilterForm(forms.Form):
    township = forms.ModelChoiceField(
        label="乡镇", queryset=Township.objects.none(), to_field_name="code", required=False, empty_label="全部乡镇"
    )
    status = forms.ChoiceField(label="状态", choices=[("", "全部"), *TalentStatus.choices], required=False)
    category = forms.ChoiceField(label="人才类别", choices=[("", "全部"), *RuralTalentCategory.choices], required=False)
    source = forms.ChoiceField(label="来源", choices=[("", "全部"), *TalentSource.choices], required=False)
    willingness = forms.ChoiceField(
        label="返乡意愿", choices=[("", "全部"), *ReturnWillingness.choices], required=False
    )

    def __init__(self, *args: Any, townships: QuerySet[Township], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["township"]).queryset = townships

    def apply(self, talents: QuerySet[Talent]) -> QuerySet[Talent]:
        if not self.is_valid():
            return talents
        data = self.cleaned_data
        if data.get("township"):
            talents = talents.filter(village__township=data["township"])
        for name in ("status", "category", "source", "willingness"):
            if data.get(name):
                talents = talents.filter(**{name: data[name]})
        return talents


class MentorForm(forms.Form):
    side = forms.ChoiceField(label="帮带人类别", choices=MentorSide.choices)
    person = PersonChoice(
        label="村级帮带人", queryset=Person.objects.none(), required=False, help_text="村级帮带人从本村人员中选择"
    )
    name = forms.CharField(label="乡镇帮带人姓名", max_length=50, required=False)
    post = forms.CharField(label="乡镇帮带人职务", max_length=50, required=False, help_text="如：乡镇党委副书记")
    on = forms.DateField(label="明确日期", widget=DATE_WIDGET, initial=timezone.localdate)

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["person"]).queryset = people
        name_blank_choices(self, person="请选择")


class TalkForm(forms.Form):
    held_on = forms.DateField(label="谈话日期", widget=DATE_WIDGET, initial=timezone.localdate)
    by = forms.ChoiceField(label="谈话人身份", choices=TalkBy.choices)
    by_name = forms.CharField(label="谈话人", max_length=50, required=False, help_text="留空则为已明确的帮带人")
    topic = forms.CharField(label="谈话主题", max_length=200)
    follow_up = forms.CharField(label="跟进事项", max_length=300, required=False)


class PlacementForm(forms.Form):
    post_name = forms.CharField(label="培育岗位", max_length=50, help_text="如：书记助理、主任助理、村务专干")
    starts_on = forms.DateField(label="开始日期", widget=DATE_WIDGET, initial=timezone.localdate)
    ends_on = forms.DateField(label="结束日期", widget=DATE_WIDGET, required=False)
    stipend = forms.BooleanField(label="发放补贴", required=False)
    stipend_note = forms.CharField(label="补贴标准", max_length=100, required=False, help_text="如：每月800元")


class ProgrammeForm(forms.Form):
    institution = forms.CharField(label="就读院校", max_length=100, help_text="如：四川开放大学巴中分部")
    major = forms.CharField(label="专业", max_length=100, help_text="如：农村行政管理")
    level = forms.ChoiceField(label="层次", choices=PROGRAMME_LEVELS)
    enrolled_on = forms.DateField(label="入学日期", widget=DATE_WIDGET)
    expected_graduation_on = forms.DateField(label="预计毕业日期", widget=DATE_WIDGET)
    funding_note = forms.CharField(label="经费与服务期约定", max_length=200, required=False)
    enrollment = forms.ModelChoiceField(
        label="对应学历班", queryset=Enrollment.objects.none(), required=False, empty_label="无（自行报读）"
    )

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["enrollment"]).queryset = Enrollment.objects.filter(
            person=person, training_class__level="degree", status=EnrollmentStatus.ENROLLED, programme__isnull=True
        ).select_related("training_class")
        cast(Any, self.fields["enrollment"]).label_from_instance = lambda e: e.training_class.name


class ProgrammeEndForm(forms.Form):
    status = forms.ChoiceField(
        label="结果", choices=[(ProgrammeStatus.GRADUATED, "已毕业"), (ProgrammeStatus.DROPPED, "退学")]
    )
    on = forms.DateField(label="日期", widget=DATE_WIDGET, initial=timezone.localdate)


MENTORING_STATES = [
    ("", "全部在库后备干部"),
    ("mentor_missing", "未按时明确帮带人"),
    ("talks_overdue", "谈心谈话逾期"),
    ("talks_due_soon", "30天内应谈话"),
    ("ineligible", "不符合条件且无理由"),
]


class MentoringFilterForm(forms.Form):
    township = forms.ModelChoiceField(
        label="乡镇", queryset=Township.objects.none(), to_field_name="code", required=False, empty_label="全部乡镇"
    )
    state = forms.ChoiceField(label="情况", choices=MENTORING_STATES, required=False)

    def __init__(self, *args: Any, townships: QuerySet[Township], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["township"]).queryset = townships
