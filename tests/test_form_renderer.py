"""The form renderer (backend/form_renderer.py) writes selects out in Python: the same HTML as Django's templates."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import Jinja2
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from backend.form_renderer import FormRenderer
from tests import factories as f
from villages.models import Village


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("a&b", 'A "quoted" <b>'), ("c", gettext_lazy("Lazy"))])
    grouped = forms.ChoiceField(choices=[("", "全部"), ("县级", [("1", "一"), ("2", "二")]), ("乡级", [("3", "三")])])
    several = forms.MultipleChoiceField(choices=[("x", "X"), ("y", mark_safe("<i>Y</i>"))], required=False)
    village = forms.ModelChoiceField(queryset=Village.objects.order_by("code"), to_field_name="code", required=False)
    disabled = forms.ChoiceField(choices=[("1", "one")], disabled=True, widget=forms.Select(attrs={"aria-label": "x"}))
    text = forms.CharField(required=False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data", [None, {"plain": "a&b", "grouped": "2", "several": ["x", "y"], "village": "511902100201"}]
)
def test_every_select_renders_as_djangos_templates_render_it(world, data):
    f.VillageFactory.create(township=world.township_a, code="511902100299", name="O'Brien & 村")
    ours, django = Everything(data, renderer=FormRenderer()), Everything(data, renderer=Jinja2())
    for name in ours.fields:
        assert str(ours[name]) == str(django[name]), name
    assert "<option" in str(ours["village"]) and "O&#39;Brien &amp; 村" in str(ours["village"])
