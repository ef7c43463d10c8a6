"""A relative of a person (家庭成员及重要社会关系), entered on the person page: a person on record or a name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from villages.forms.roster import RosterForm, name_blank_choices, person_option_label
from villages.models import Person, Relative, User
from villages.roster.relatives import add_relative


class PersonChoiceField(forms.ModelChoiceField):
    """A person, shown as the roster shows people in a select (name, gender, birth year, home village)."""

    def label_from_instance(self, obj: Person) -> str:
        return person_option_label(obj)


class RelativeForm(RosterForm):
    """villages.roster.relatives.add_relative shows its refusals on these fields."""

    class Meta:
        model = Relative
        fields = ["relation", "relative", "relative_name", "note"]

    def __init__(self, *args: Any, person: Person, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["relative"] = PersonChoiceField(
            label="亲属（在册人员）",
            queryset=people.exclude(pk=person.pk).order_by("name"),
            required=False,
            help_text="在册人员请从列表选择；不在册的填写姓名",
        )
        name_blank_choices(self, relation="请选择", relative="不在册（填写姓名）")

    def submit(self, *, by: User) -> Relative | None:
        data = self.cleaned_data
        return self.submit_with(
            add_relative,
            person=self.person,
            relation=data["relation"],
            relative=data.get("relative"),
            relative_name=data.get("relative_name", ""),
            note=data.get("note", ""),
            by=by,
        )
