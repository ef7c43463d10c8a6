"""The person page's roles (villages/person.html): `{% person_roles person as roles %}`.

The person page belongs to the villages app, which sits below the reserves app and never imports it; the page
loads this tag library instead, so reserve entries, enrolments and candidacies reach it without an upward import.
"""

from __future__ import annotations

from typing import Any

from django import template

from reserves.roles import PersonRoles
from reserves.roles import person_roles as build_person_roles
from villages.models import Person

register = template.Library()


@register.simple_tag(takes_context=True)
def person_roles(context: dict[str, Any], person: Person) -> PersonRoles:
    return build_person_roles(person=person, user=context["request"].user, today=context.get("today"))
