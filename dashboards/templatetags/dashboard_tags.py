"""Template filters for dashboards: drill-down links and shares."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django import template
from django.urls import get_script_prefix, reverse

from dashboards.drills import Drill
from villages.structure import percent

register = template.Library()


@functools.lru_cache(maxsize=4096)
def _list_path(url_name: str, args: tuple[str, ...], script_prefix: str) -> str:
    """`reverse` once per list page and process: a dashboard links some 900 numbers to a handful of pages."""
    return reverse(url_name, args=args)


def drill_href(drill: Drill) -> str:
    """The URL of the list behind a number: the list's page with the filter in the query string."""
    return _href(drill, get_script_prefix())


@functools.lru_cache(maxsize=16384)
def _href(drill: Drill, script_prefix: str) -> str:
    """Once per drill and process: a county's dashboard links some 900 numbers, the same ones each time its figures
    are computed again after a write (a Drill is immutable: its URL name, arguments and filter are the key)."""
    url = _list_path(drill.url_name, drill.args, script_prefix)
    return f"{url}?{urlencode(drill.params)}" if drill.params else url


@register.filter
def drill_url(drill: Drill) -> str:
    """{{ band.drill|drill_url }}"""
    return drill_href(drill)


@register.filter
def share(part: int, whole: int) -> str:
    """{{ stats.aged_60_plus|share:stats.members }} → "23.5%" (half-up, one decimal), "—" without a whole."""
    value = percent(part or 0, whole or 0)
    return "—" if value is None else f"{value}%"
