"""The form renderer (backend/form_renderer.py) writes selects, inputs, textareas and labels out in Python: the same
HTML as Django's Jinja2 templates."""

from __future__ import annotations

from pathlib import Path

import django
import pytest
from django import forms
from django.forms.renderers import Jinja2
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from backend.form_renderer import INPUTS, FormRenderer
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


class Inputs(forms.Form):
    name = forms.CharField(label='姓名 <"甲">', max_length=50, help_text="帮助")
    count = forms.IntegerField(label=gettext_lazy("Count"), required=False, min_value=0)
    born = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date", "data-x&y": "a&b"}))
    active = forms.BooleanField(required=False)
    email = forms.EmailField(required=False, disabled=True)
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}))
    picture = forms.FileField(required=False)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {
            "name": "O'Brien & <b>",
            "count": "-1",
            "born": "2001-02-03",
            "active": "on",
            "secret": 'p"w',
            "hidden": "h&",
            "note": "line1\n<line2>",
        },
        {"name": "", "count": "x", "born": "not a date", "note": ""},
    ],
)
@pytest.mark.parametrize("auto_id", ["id_%s", False])
def test_inputs_textareas_and_labels_render_as_djangos_templates_render_them(data, auto_id):
    initial = {"name": mark_safe("<i>safe</i>"), "active": True, "note": "from\ninitial"}
    ours = Inputs(data, initial=initial, auto_id=auto_id, renderer=FormRenderer())
    django = Inputs(data, initial=initial, auto_id=auto_id, renderer=Jinja2())
    for name in ours.fields:
        assert str(ours[name]) == str(django[name]), name
        assert ours[name].label_tag() == django[name].label_tag(), name
        assert ours[name].label_tag(attrs={"class": "x", "hidden": True}) == django[name].label_tag(
            attrs={"class": "x", "hidden": True}
        ), name
        assert ours[name].legend_tag() == django[name].legend_tag(), name
    assert str(ours) == str(django)  # the whole form through Django's div.html and field.html
    if data is None:
        assert '<textarea name="note"' in str(ours["note"]) and "from\ninitial</textarea>" in str(ours["note"])


def test_the_inputs_written_out_are_the_templates_that_only_include_input_html():
    """`INPUTS` names Django's widget templates that are nothing but the include of input.html, as the installed
    Django has them: a template that changes, or a new one, shows here instead of being served wrong."""
    widgets = Path(django.__file__).parent / "forms/jinja2/django/forms/widgets"
    only_input = {
        f"django/forms/widgets/{path.name}"
        for path in widgets.glob("*.html")
        if path.read_text().strip() == '{% include "django/forms/widgets/input.html" %}'
    }
    assert only_input == INPUTS


@pytest.mark.parametrize("data", [None, {}, {"name": "x" * 51, "count": "-1", "email": "not an address"}])
def test_error_lists_render_as_djangos_templates_render_them(data):
    """Empty error lists are written out (nothing); lists with errors go through Django's template."""
    ours, django = Inputs(data, renderer=FormRenderer()), Inputs(data, renderer=Jinja2())
    for name in ours.fields:
        assert str(ours[name].errors) == str(django[name].errors), name
    assert str(ours.non_field_errors()) == str(django.non_field_errors())
    if data:
        assert '<ul class="errorlist"' in str(ours["name"].errors)
