"""`{% pk_url 'app:name' obj.pk %}`: `{% url %}` for routes whose only argument is an integer id or a numeric code
(a village's 12 digits), reversed once per route and process. A list page links each of its rows several times
(the risk list: some 230 links a page), and Django's reverse resolves the route every time.

`{% url_once 'app:name' ['word' …] %}`: `{% url %}` for routes whose arguments are written in the template (none,
or fixed words), reversed once per route, arguments and process: the main menu on every page links some 20 of
them, about 1 ms of CPU a page through Django's reverse."""

from __future__ import annotations

import functools

from django import template
from django.urls import get_script_prefix, reverse

register = template.Library()

_MARKER = 987654321  # an id no route argument is confused with: the reversed URL is split around it


@functools.lru_cache(maxsize=512)
def _around_id(name: str, script_prefix: str) -> tuple[str, str]:
    before, found, after = reverse(name, args=[_MARKER]).partition(str(_MARKER))
    if not found:
        raise ValueError(f"{name} does not take one id argument")
    return before, after


@register.simple_tag
def pk_url(name: str, pk: int | str) -> str:
    value = str(pk)
    if not value.isascii() or not value.isdigit():  # anything but digits: Django's own reverse (and quoting)
        return reverse(name, args=[pk])
    before, after = _around_id(name, get_script_prefix())
    return f"{before}{value}{after}"


@register.simple_tag
def url_once(name: str, *args: str) -> str:
    return _reversed(name, args, get_script_prefix())


@functools.lru_cache(maxsize=256)
def _reversed(name: str, args: tuple[str, ...], script_prefix: str) -> str:
    return reverse(name, args=list(args))
