"""The results grid (换届结果录入): one row per winner; blank rows are ignored; errors sit on their row and field.

A row is blank when it names no person (neither name nor ID number): its pre-selected 职务, 村 or 社号 are not
input. A blank row with 得票 typed is an error (the number would otherwise be dropped without a word). A row that
names a person but no 职务 (or, on the township's screen, no 村) is an error on that row. The people of all rows
are found at once (reserves.winners.PersonLookup). Errors the domain finds later (reserves.elections.
ResultsRefused) go onto the same rows and fields with `refuse()`; `summary()` lists every error as
"第N行（村）职务：原因" for the top of the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from reserves.elections import ELECTED_POSTS, ResultRow, RowError
from reserves.winners import PersonLookup, PersonNotFound, name_key
from villages.choices import Post
from villages.forms.fields import form_field
from villages.forms.roster import DATE_WIDGET
from villages.models import Person, Village
from villages.workbook.forms import RosterUploadForm

EMPTY_CHOICE = ("", "请选择")
POST_CHOICES = [EMPTY_CHOICE, *((post, Post(post).label) for post in ELECTED_POSTS)]
EXTRA_ROWS = 3  # blank rows under the seats, for winners of posts the village did not have (监委会, 社长 …)
MAX_ROWS = 500


class ElectionDateForm(forms.Form):
    """The date and term shared by every row of one results entry."""

    held_on = forms.DateField(label="换届日期", widget=DATE_WIDGET)
    term = forms.CharField(label="届次", max_length=20, required=False, help_text="如“第十二届”，可不填")

    def clean_held_on(self) -> dt.date:
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise forms.ValidationError("换届日期不能晚于今天：结果在选举之后录入")
        return held_on


class ResultsUploadForm(ElectionDateForm, RosterUploadForm):
    """A filled results sheet (reserves.results_workbook) with the date and term of its elections."""

    file = forms.FileField(label="换届结果表（.xlsx）", widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


class ConfirmResultsForm(forms.Form):
    """The signed rows of a previewed sheet (reserves.results_workbook.ResultsPlan.payload)."""

    payload = forms.CharField(widget=forms.HiddenInput)

    def payload_text(self) -> str:
        return self.cleaned_data["payload"] if self.is_valid() else ""


class RowCountForm(forms.Form):
    """`?rows=N`: how many rows the grid shows (添加一行 without htmx reloads the page with one more)."""

    rows = forms.IntegerField(min_value=1, max_value=MAX_ROWS, required=False)

    def count(self) -> int:
        return (self.cleaned_data.get("rows") or 0) if self.is_valid() else 0


class ResultRowForm(forms.Form):
    village = forms.ChoiceField(label="村", required=False)
    person = forms.CharField(
        label="当选人",
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "姓名或身份证号码", "autocomplete": "off"}),
    )
    post = forms.ChoiceField(label="职务", choices=POST_CHOICES, required=False)
    group_number = forms.IntegerField(label="社号", min_value=1, required=False)
    votes = forms.IntegerField(label="得票", min_value=0, required=False)

    def __init__(self, *args: Any, villages: dict[str, Village] | None = None, people_list: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.villages = villages
        if villages is None:
            del self.fields["village"]
        else:
            choices = [EMPTY_CHOICE, *((key, v.name) for key, v in villages.items())]
            form_field(self, "village", forms.ChoiceField).choices = choices
        if people_list:
            self.fields["person"].widget.attrs["list"] = people_list
        for field in self.fields.values():  # the grid shows labels only in its header row
            field.widget.attrs["aria-label"] = field.label

    @property
    def names_person(self) -> bool:
        return bool(name_key(self.cleaned_data.get("person", "")))

    def clean_village(self) -> Village | None:
        key = self.cleaned_data["village"]
        return self.villages.get(key) if key and self.villages is not None else None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.names_person:
            if data.get("votes") is not None:
                self.add_error("votes", "填写了得票但没有当选人：请填写当选人，或清空得票")
            return data
        if not data.get("post") and "post" not in self.errors:
            self.add_error("post", "请选择职务")
        if self.villages is not None and not data.get("village") and "village" not in self.errors:
            self.add_error("village", "请选择村")
        return data

    def shown_village(self) -> Village | None:
        """The row's village as the user sees it (for messages), valid or not."""
        if self.villages is None:
            return None
        key = self.data.get(self.add_prefix("village")) if self.is_bound else self.initial.get("village")
        return self.villages.get(str(key or ""))


class ResultRowsFormSet(forms.BaseFormSet):
    """See the module docstring. `village` is the village of every row (per-village entry), else rows name it."""

    def __init__(self, *args: Any, people: QuerySet[Person], village: Village | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.people = people
        self.village = village
        self.refusals: list[str] = []

    def clean(self) -> None:
        named = [form for form in self.forms if hasattr(form, "cleaned_data") and form.names_person]
        if not named and not any(form.errors for form in self.forms):
            raise forms.ValidationError("请至少填写一名当选人（姓名或身份证号码）；空白行不会录入")
        lookup = PersonLookup(people=self.people, texts=[form.cleaned_data["person"] for form in named])
        for form in named:
            village = self.village or form.cleaned_data.get("village")
            try:
                form.cleaned_data["winner"] = lookup.find(form.cleaned_data["person"], village=village)
            except PersonNotFound as error:
                form.add_error("person", str(error))

    def rows(self) -> list[ResultRow]:
        """The winners of a valid formset, numbered as the grid shows them (blank rows skipped, not renumbered)."""
        return [
            ResultRow(
                person=form.cleaned_data["winner"],
                post=form.cleaned_data["post"],
                group_number=form.cleaned_data.get("group_number"),
                votes=form.cleaned_data.get("votes"),
                number=number,
                village=self.village or form.cleaned_data.get("village"),
            )
            for number, form in enumerate(self.forms, start=1)
            if "winner" in form.cleaned_data
        ]

    def refuse(self, errors: list[RowError]) -> None:
        """Put the domain's row errors on their rows and fields (row 0: the whole entry)."""
        for error in errors:
            if 1 <= error.row <= len(self.forms):
                form = self.forms[error.row - 1]
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.refusals.append(error.message)

    def summary(self) -> list[str]:
        """Every error, saying where: 第N行（村）字段：原因."""
        lines = [*self.refusals, *self.non_form_errors()] if self.is_bound else []
        for number, form in enumerate(self.forms, start=1):
            village = None if self.village else form.shown_village()
            where = f"第{number}行" + (f"（{village.name}）" if village else "")
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                lines += [f"{where}{label}：{error}" for error in errors]
        return lines


# The stubs type formset_factory's answer as a plain BaseFormSet; it is a subclass of `formset`.
ResultFormSet: type[ResultRowsFormSet] = forms.formset_factory(  # type: ignore[assignment]
    ResultRowForm, formset=ResultRowsFormSet, extra=EXTRA_ROWS, max_num=MAX_ROWS, absolute_max=MAX_ROWS
)


def results_formset(
    data: Any = None,
    *,
    people: QuerySet[Person],
    seats: list[dict[str, Any]] | None = None,
    village: Village | None = None,
    villages: dict[str, Village] | None = None,
    rows: int = 0,
    people_list: str = "",
) -> ResultRowsFormSet:
    """The grid: `seats` (initial rows: post, and village on the township's screen), then blank rows up to
    `rows` (at least EXTRA_ROWS of them). Bound to `data` when posted (the posted row count wins)."""
    seats = [] if data is not None else (seats or [])
    formset = ResultFormSet(
        data,
        initial=seats,
        people=people,
        village=village,
        form_kwargs={"villages": villages, "people_list": people_list},
    )
    formset.extra = max(EXTRA_ROWS, rows - len(seats))
    return formset
