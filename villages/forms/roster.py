"""Roster forms: people, post assignments, assessments. All roster input goes through these.

The forms turn input into typed values; the roster write functions (villages.roster) check every rule and save,
and `RosterForm.submit` shows their refusals as errors on the fields they name. Editable rows carry a hidden
`version` (optimistic concurrency, see `villages.roster.save_versioned`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from villages.choices import Gender, Post, SourceCategory
from villages.forms.fields import model_choice
from villages.models import Assessment, Person, PostAssignment, User, Village
from villages.roster import (
    RosterRefused,
    StaleEditError,
    change_post,
    delete_versioned,
    record_assessment,
    save_person,
    save_versioned,
    start_post,
)
from villages.roster.invariants import valid_id_number
from villages.roster.writes import correct_assessment

T = TypeVar("T")
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
            # Django normalises choices to a list of pairs when they are set; the stubs type the getter as
            # anything the setter accepts (callables, Choices classes).
            choices = field.choices
            field.choices = [("", label) if value == "" else (value, text) for value, text in choices]  # type: ignore[misc, union-attr]


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


class RosterForm(forms.ModelForm):
    """A ModelForm for its fields, labels and widgets only: it turns input into typed values, and `submit`
    hands them to a roster write function, which checks every rule and saves.

    Model validation is skipped (`_post_clean`): the rules are the write functions', and the model's own
    checks would repeat some of them with other words. A refusal becomes an error on the form field of the
    same name (`refusal_fields` renames; a name the form lacks, e.g. `version`, becomes a form-wide error).
    An existing row's form carries the `version` it was rendered from.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    refusal_fields: ClassVar[Mapping[str, str]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]  # a new row has nothing to compare with

    def _post_clean(self) -> None:
        """No model validation: see the class docstring."""

    def submit_with(self, write: Callable[..., T], /, **arguments: Any) -> T | None:
        """`write(**arguments)` for a valid form: the saved object, or None after showing its refusal."""
        try:
            return write(**arguments)
        except RosterRefused as refused:
            for refusal in refused.refusals:
                name = self.refusal_fields.get(refusal.field, refusal.field)
                shown = name if name in self.fields and name != "version" else None
                self.add_error(shown, refusal.message)
            return None

    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")

    def submit(self, *, by: User) -> Any:
        raise NotImplementedError


def submit_together(*forms: RosterForm, by: User) -> bool:
    """Submit valid roster forms all or nothing; a form whose fields did not change is not submitted at all.

    Used where one screen edits two rows (a roster row's post and its person). When any write is refused,
    nothing is written and that form carries the refusal.
    """
    with transaction.atomic():
        for form in forms:
            if form.has_changed() and form.submit(by=by) is None:
                transaction.set_rollback(True)
                return False
    return True


class PersonForm(RosterForm):
    """A person; the ID number is the source of truth for gender and birth date (villages.roster.save_person).

    Empty gender / birth date are derived from the number; typed values that disagree are field errors.
    Region-code remarks are warnings (`id_warnings`), never errors.
    """

    # No max_length: raw input may hold spaces or full-width digits (valid_id_number normalises and judges it).
    id_number = forms.CharField(
        label="公民身份号码", widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
    )
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
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

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
        self.id_warnings: tuple[str, ...] = ()

    def clean_id_number(self) -> str:
        """The number's own rule already here (save_person applies it again), so its error shows together with
        the other fields' errors; the remarks on a valid number are warnings."""
        try:
            identity = valid_id_number(id_number=self.cleaned_data["id_number"], today=timezone.localdate())
        except RosterRefused as refused:
            raise forms.ValidationError([r.message for r in refused.refusals]) from None
        self.id_warnings = identity.warnings + (("已将15位号码转换为18位",) if identity.converted_from_15 else ())
        return identity.number

    def submit(self, *, by: User) -> Person | None:
        """Save the person (new, or the form's instance); None when refused (the reasons are form errors)."""
        values = {name: value for name, value in self.cleaned_data.items() if name != "version"}
        person = self.instance if self.instance.pk else None
        return self.submit_with(
            save_person, person=person, values=values, by=by, expected_version=self.expected_version()
        )


def person_option_label(person: Person) -> str:
    return f"{person.name}（{person.get_gender_display()}，{person.birth_date:%Y}年生，{person.home_village}）"


class PostAddForm(RosterForm):
    """Appoint a person of the township to a post in one village (villages.roster.start_post)."""

    class Meta:
        model = PostAssignment
        fields = ["person", "post", "group", "how", "start_on", "term", "source"]
        widgets = {"start_on": DATE_WIDGET}

    def __init__(self, *args: Any, village: Village, people: QuerySet[Person], candidates: list[Person], **kwargs):
        super().__init__(*args, instance=PostAssignment(village=village), **kwargs)
        self.village = village
        person_field = model_choice(self, "person")
        person_field.queryset = people
        person_field.label_from_instance = person_option_label  # type: ignore[method-assign, assignment]  # per-instance label hook
        # Validate against everyone the user may appoint, but list only a short candidate list (search adds more).
        self.fields["person"].widget.choices = [("", "请选择或搜索人员")] + [
            (p.pk, person_option_label(p)) for p in candidates
        ]
        model_choice(self, "group").queryset = village.groups.all()
        self.fields["group"].help_text = "仅社长填写"
        name_blank_choices(self, post="请选择", group="无（非社长）", source="未填写")

    def submit(self, *, by: User) -> PostAssignment | None:
        data = self.cleaned_data
        group = data.get("group")
        return self.submit_with(
            start_post,
            person=data["person"],
            village=self.village,
            post=data["post"],
            group_number=group.number if group else None,
            start_on=data.get("start_on"),
            how=data["how"],
            term=data.get("term", ""),
            source=data.get("source", ""),
            by=by,
        )


class PostEditForm(RosterForm):
    # Making the start later than the end is refused on the end (the later date): here the start is what moved.
    refusal_fields = {"end_on": "start_on"}

    class Meta:
        model = PostAssignment
        fields = ["how", "start_on", "term", "source", "group"]
        widgets = {"start_on": DATE_WIDGET}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.post == Post.GROUP_LEADER:
            model_choice(self, "group").queryset = self.instance.village.groups.all()
            self.fields["group"].required = True
        else:
            del self.fields["group"]
        name_blank_choices(self, source="未填写")

    def submit(self, *, by: User) -> PostAssignment | None:
        changes = {name: self.cleaned_data[name] for name in ("how", "start_on", "term", "source")}
        if "group" in self.fields:
            changes["group_number"] = self.cleaned_data["group"].number
        return self.submit_with(
            change_post, assignment=self.instance, changes=changes, by=by, expected_version=self.expected_version()
        )


class PostEndForm(RosterForm):
    class Meta:
        model = PostAssignment
        fields = ["end_on", "end_reason"]
        widgets = {"end_on": DATE_WIDGET}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["end_on"].required = True
        self.fields["end_reason"].required = True
        self.fields["end_on"].initial = timezone.localdate()

    def submit(self, *, by: User) -> PostAssignment | None:
        changes = {"end_on": self.cleaned_data["end_on"], "end_reason": self.cleaned_data["end_reason"]}
        return self.submit_with(
            change_post, assignment=self.instance, changes=changes, by=by, expected_version=self.expected_version()
        )


class AssessmentForm(RosterForm):
    """One annual assessment per person and year (villages.roster.record_assessment); an existing one is
    corrected with its version (a wrong grade or year: villages.roster.writes.correct_assessment)."""

    class Meta:
        model = Assessment
        fields = ["year", "grade"]

    def __init__(self, *args: Any, person: Person, instance: Assessment | None = None, **kwargs: Any) -> None:
        initial = {"year": timezone.localdate().year - 1} | kwargs.pop("initial", {})
        super().__init__(*args, instance=instance or Assessment(person=person), initial=initial, **kwargs)
        name_blank_choices(self, grade="请选择")

    def submit(self, *, by: User) -> Assessment | None:
        data = self.cleaned_data
        if self.instance.pk is None:
            return self.submit_with(
                record_assessment, person=self.instance.person, year=data["year"], grade=data["grade"], by=by
            )
        return self.submit_with(
            correct_assessment,
            assessment=self.instance,
            year=data["year"],
            grade=data["grade"],
            by=by,
            expected_version=data["version"],
        )


class AssessmentDeleteForm(VersionedForm):
    """Confirms deleting an assessment: only the version it was shown with."""

    class Meta:
        model = Assessment
        fields: list[str] = []

    def delete_if_unchanged(self, *, by: User) -> bool:
        try:
            delete_versioned(self.instance, expected_version=self.cleaned_data["version"], by=by)
        except StaleEditError as error:
            self.add_error(None, str(error))
            return False
        return True
