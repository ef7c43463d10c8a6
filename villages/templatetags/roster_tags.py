"""Template filters for roster pages."""

from __future__ import annotations

import datetime as dt

from django import template

from villages.models import age_on

register = template.Library()


@register.filter
def age_at(birth_date: dt.date | None, on: dt.date | None) -> int | str:
    """{{ person.birth_date|age_at:today }} → 周岁 on that date (empty when either date is missing)."""
    if not birth_date or not on:
        return ""
    return age_on(birth_date, on)


@register.filter
def pct(value: object) -> str:
    """{{ stats.share_women|pct }} → "12.5%"; "0.0%" stays (0 is a result); "—" when there is no denominator."""
    return "—" if value is None or value == "" else f"{value}%"
