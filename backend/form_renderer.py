"""The form renderer (settings.FORM_RENDERER): Django's Jinja2 renderer, with the plain widgets and labels written
out in Python. Django renders a select through one template include per option; the people and risk filters and
the person form have a few hundred options, and those includes were a quarter of the person edit form's CPU
(docs/benchmarks.md "Capacity"). Inputs, textareas and labels were most of what was left: two or three template
renders per field, and one more for each field's error list, empty on almost every page. The HTML is the same,
byte for byte, as Django's Jinja2 templates make it (tests/test_form_renderer.py compares both); any other
template (a widget of a template of its own, a list with errors) goes through Jinja2 as before.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import Jinja2
from django.utils.safestring import SafeString, mark_safe
from markupsafe import escape

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
TEXTAREA = "django/forms/widgets/textarea.html"
LABEL = "django/forms/label.html"
# An error list (`{{ field.errors }}`, once per field on every form page) through either of its templates.
ERRORS = frozenset({"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"})
# The widget templates that are nothing but `{% include "django/forms/widgets/input.html" %}`.
INPUTS = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in (
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "file",
        "hidden",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    )
)


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html (and django/forms/attrs.html, the same): ` name="value"`, a bare ` name` for
    True, nothing for False; names and values escaped."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_select(widget: dict[str, Any]) -> SafeString | None:
    """django/forms/widgets/select.html and its options; None when an option has a template of its own."""
    parts = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                return None
            value, label = escape(option["value"]), escape(option["label"])
            parts.append(f'\n  <option value="{value}"{_attrs(option["attrs"])}>{label}</option>')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))


def render_input(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/input.html."""
    value = "" if widget["value"] is None else f' value="{escape(widget["value"])}"'
    return mark_safe(
        f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{value}{_attrs(widget["attrs"])}>'
    )


def render_textarea(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/textarea.html (its line break after the opening tag included)."""
    value = escape(widget["value"]) if widget["value"] else ""
    return mark_safe(f'<textarea name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>')


def render_label(context: dict[str, Any]) -> SafeString:
    """django/forms/label.html: the label in its tag when the field has an id, else the label alone."""
    if not context["use_tag"]:
        return mark_safe(escape(context["label"]))
    tag, attrs = escape(context["tag"]), context["attrs"]
    return mark_safe(f"<{tag}{_attrs(attrs) if attrs else ''}>{escape(context['label'])}</{tag}>")


class FormRenderer(Jinja2):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name in INPUTS:
            return render_input(context["widget"])
        if template_name == TEXTAREA:
            return render_textarea(context["widget"])
        if template_name == LABEL:
            return render_label(context)
        if template_name in ERRORS and not context["errors"]:
            return mark_safe("")  # the template's `{% if errors %}`: a field without errors renders nothing
        if template_name == SELECT:
            rendered = render_select(context["widget"])
            if rendered is not None:
                return rendered
        return super().render(template_name, context, request)
