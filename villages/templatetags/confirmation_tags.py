"""The village page's panel: roster confirmation state and the way to the village's candidate slates."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from villages.models import Village
from villages.permissions import can_edit_roster
from villages.roster.confirmation import village_confirmations

register = template.Library()


@register.inclusion_tag("villages/_confirmation_panel.html", takes_context=True)
def village_confirmation_panel(context: dict[str, Any], village: Village) -> dict[str, Any]:
    """{% village_confirmation_panel village %} (two queries)."""
    user = context["request"].user
    state = village_confirmations(villages=Village.objects.filter(pk=village.pk), on=timezone.localdate())[0]
    return {
        "village": village,
        "state": state,
        "can_confirm": can_edit_roster(user, village),
        "request": context["request"],
    }
