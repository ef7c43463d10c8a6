"""Roster forms: people, post assignments, assessments. All roster input goes through these.

Editable rows carry a hidden `version` (optimistic concurrency, see `villages.roster.save_versioned`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from villages import idcard
from villages.choices import Gender, Post, SourceCategory
from villages.forms.fields import form_field, model_choice
from villages.models import Assessment, Person, PostAssignment, Village
from villages.roster import StaleEditError, delete_versioned, party_post_refusal, save_versioned

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def name_blank_choices(form: forms.BaseForm, **labels: str) -> None:
    """Replace Django's "---------" empty option of the named choice fields with a Chinese label.

    Required fields say 请选择; optional ones say what leaving them empty means (无, 未评价).
    """
    for name, label in labels.items():
        field = form.fields.get(name)
        if isinstance(field, forms.ModelChoiceField):
            field.empty_label = label
        elif isinstance(field, forms.ChoiceField):
            # The setter normalises choices to a list of pairs; the stubs type the getter as any choices input.
            pairs = cast(list[tuple[Any, Any]], field.choices)
            field.choices = [("", label) if value == "" else (value, text) for value, text in pairs]


class VersionedForm(forms.ModelForm):
    """Carries the version of the row the form was rendered from; saving compares it (see save_versioned)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]  # a new row has nothing to compare with

    def save_if_unchanged(self) -> bool:
        """Save a valid form unless the row changed since it was rendered; then add the refusal as a form error.

        The user's input stays in the form; nothing is written when refused.
        """
        try:
            save_versioned(self.instance, expected_version=self.cleaned_data["version"])
        except StaleEditError as error:
            self.add_error(None, str(error))
            return False
        return True


def save_together(*forms: VersionedForm) -> bool:
    """Save valid versioned forms all or nothing; a form whose fields did not change is not saved at all.

    Used where one screen edits two rows (a roster row's post and its person). When any save is refused as
    stale, nothing is written and that form carries the refusal.
    """
    with transaction.atomic():
        for form in forms:
            if form.has_changed() and not form.save_if_unchanged():
                transaction.set_rollback(True)
                return False
    return True


class PersonForm(VersionedForm):
    """A person; the ID number is the source of truth for gender and birth date.

    Empty gender / birth date are derived from the number; typed values that disagree are field errors.
    Region-code remarks are warnings (`id_warnings`), never errors.
    """

    gender = forms.ChoiceField(label="性别", choices=[("", "按身份证号码"), *Gender.choices], required=False)
    birth_date = forms.DateField(label="出生日期", required=False, widget=DATE_WIDGET, help_text="留空则按身份证号码")
    source_categories = forms.MultipleChoiceField(
        label="来源类别", choices=SourceCategory.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Person
        fields = [
            "name",
            "id_number",
            "gender",
            "birth_date",
            "ethnicity",
            "political_status",
            "party_joined_on",
            "education",
            "education_in_service",
            "education_in_progress",
            "health",
            "able_to_serve",
            "quality_rating",
            "phone",
            "source_categories",
            "home_village",
            "notes",
        ]
        widgets = {
            "party_joined_on": DATE_WIDGET,
            "id_number": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {"id_number": {"unique": "该身份证号码已登记在其他人员名下（可能在其他乡镇），请核对"}}

    def __init__(self, *args: Any, villages: QuerySet[Village], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "home_village").queryset = villages
        name_blank_choices(
            self,
            education="请选择",
            education_in_service="无",
            education_in_progress="无",
            quality_rating="未评价",
            home_village="请选择",
        )
        form_field(
            self, "id_number", forms.CharField
        ).max_length = None  # raw input may hold spaces or full-width digits
        self.id_warnings: tuple[str, ...] = ()
        self._parsed: idcard.IdNumber | None = None

    def clean_id_number(self) -> str:
        try:
            parsed = idcard.parse(self.cleaned_data["id_number"], today=timezone.localdate())
        except idcard.InvalidIdNumber as error:
            raise forms.ValidationError(str(error)) from None
        self._parsed = parsed
        self.id_warnings = parsed.warnings + (("已将15位号码转换为18位",) if parsed.converted_from_15 else ())
        return parsed.number

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self._parsed is None:
            return cleaned
        errors = idcard.consistency_errors(
            self._parsed, gender=cleaned.get("gender") or None, birth_date=cleaned.get("birth_date")
        )
        for name, message in errors.items():
            self.add_error(name, message)
        if not errors:
            # The number is authoritative: a typed first-of-month (1965.03 rosters) becomes the exact date.
            cleaned["gender"] = self._parsed.gender
            cleaned["birth_date"] = self._parsed.birth_date
        return cleaned


def person_option_label(person: Person) -> str:
    return f"{person.name}（{person.get_gender_display()}，{person.birth_date:%Y}年生，{person.home_village}）"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_option_label(obj)


class PostAddForm(forms.ModelForm):
    """Appoint a person of the township to a post in one village."""

    class Meta:
        model = PostAssignment
        fields = ["person", "post", "group", "how", "start_on", "term"]
        widgets = {"start_on": DATE_WIDGET}
        field_classes = {"person": PersonChoiceField}

    def __init__(
        self, data: Any = None, *, village: Village, people: QuerySet[Person], candidates: list[Person], **kwargs: Any
    ) -> None:
        super().__init__(data, instance=PostAssignment(village=village), **kwargs)
        self.village = village
        model_choice(self, "person").queryset = people
        # Validate against everyone the user may appoint, but list only a short candidate list (search adds more).
        self.fields["person"].widget.choices = [("", "请选择或搜索人员")] + [
            (p.pk, person_option_label(p)) for p in candidates
        ]
        model_choice(self, "group").queryset = village.groups.all()
        self.fields["group"].help_text = "仅社长填写"
        name_blank_choices(self, post="请选择", group="无（非社长）")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        _check_group(self, cleaned.get("post"), cleaned.get("group"))
        person, post = cleaned.get("person"), cleaned.get("post")
        if person and post:
            # Held = not ended, or ending on a date still ahead (拟离任: on the roster until then).
            not_ended = Q(end_on__isnull=True) | Q(end_on__gt=timezone.localdate())
            held = PostAssignment.objects.filter(not_ended, person=person, village=self.village, post=post).first()
            label = Post(post).label
            if held and held.end_on:
                self.add_error("post", f"{person.name}现任本村{label}，拟于{held.end_on:%Y-%m-%d}离任，届时再新增")
            elif held:
                self.add_error("post", f"{person.name}已担任本村{label}，请先结束原任职")
            if refusal := party_post_refusal(person=person, post=post):
                self.add_error("post", refusal)
        return cleaned


def _check_group(form: forms.BaseForm, post: str | None, group: Any) -> None:
    """社 is required for 社长 and only for 社长 (mirrors the post_group_only_for_group_leader constraint)."""
    if post == Post.GROUP_LEADER and group is None:
        form.add_error("group", "社长须选择所在社")
    if post and post != Post.GROUP_LEADER and group is not None:
        form.add_error("group", "只有社长才填写所在社")


class PostEditForm(VersionedForm):
    class Meta:
        model = PostAssignment
        fields = ["how", "start_on", "term", "group"]
        widgets = {"start_on": DATE_WIDGET}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.post == Post.GROUP_LEADER:
            model_choice(self, "group").queryset = self.instance.village.groups.all()
            self.fields["group"].required = True
        else:
            del self.fields["group"]

    def clean_start_on(self) -> dt.date | None:
        start_on = self.cleaned_data["start_on"]
        if start_on and self.instance.end_on and start_on > self.instance.end_on:
            raise forms.ValidationError("任职时间不能晚于离任时间")
        return start_on


class PostEndForm(VersionedForm):
    class Meta:
        model = PostAssignment
        fields = ["end_on", "end_reason"]
        widgets = {"end_on": DATE_WIDGET}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["end_on"].required = True
        self.fields["end_reason"].required = True
        self.fields["end_on"].initial = timezone.localdate()

    def clean_end_on(self) -> dt.date:
        end_on = self.cleaned_data["end_on"]
        if self.instance.start_on and end_on < self.instance.start_on:
            raise forms.ValidationError(f"离任时间不能早于任职时间（{self.instance.start_on:%Y-%m-%d}）")
        return end_on


class AssessmentForm(VersionedForm):
    """One annual assessment per person and year (assessment_once_per_year); an existing one is corrected with
    its version (a wrong grade or year), never silently overwritten."""

    class Meta:
        model = Assessment
        fields = ["year", "grade"]

    def __init__(self, *args: Any, person: Person, instance: Assessment | None = None, **kwargs: Any) -> None:
        initial = {"year": timezone.localdate().year - 1} | kwargs.pop("initial", {})
        super().__init__(*args, instance=instance or Assessment(person=person), initial=initial, **kwargs)
        name_blank_choices(self, grade="请选择")

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if not 1980 <= year <= timezone.localdate().year:
            raise forms.ValidationError(f"年度应在 1980–{timezone.localdate().year} 之间")
        others = Assessment.objects.filter(person=self.instance.person, year=year).exclude(pk=self.instance.pk)
        existing = others.first()
        if existing:
            raise forms.ValidationError(
                f"{year}年度已有考核结果（{existing.get_grade_display()}），每年只能记录一次；如有误请修改该条"
            )
        return year

    def save_new_or_versioned(self) -> bool:
        """Create a new assessment, or save a correction unless it changed meanwhile (then a form error)."""
        if self.instance.pk is None:
            self.save()
            return True
        return self.save_if_unchanged()


class AssessmentDeleteForm(VersionedForm):
    """Confirms deleting an assessment: only the version it was shown with."""

    class Meta:
        model = Assessment
        fields: list[str] = []

    def delete_if_unchanged(self) -> bool:
        try:
            delete_versioned(self.instance, expected_version=self.cleaned_data["version"])
        except StaleEditError as error:
            self.add_error(None, str(error))
            return False
        return True
