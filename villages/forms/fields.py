"""Typed access to a form's fields: `form.fields` is typed `dict[str, Field]`, but each form knows its own."""

from __future__ import annotations

from typing import TypeVar

from django import forms

F = TypeVar("F", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[F]) -> F:
    """The form's field `name`, which the form declares as a `kind` (a TypeError says which form got it wrong)."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field


def model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """The form's ModelChoiceField `name` (to set its scoped queryset)."""
    return form_field(form, name, forms.ModelChoiceField)
