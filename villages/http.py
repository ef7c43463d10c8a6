"""What every view of every app shares: the type of a signed-in request, and htmx page-or-fragment rendering.

`LoginRequiredMiddleware` lets only signed-in users reach a view (the few public ones are marked
`login_not_required` and keep a plain `HttpRequest`), and `HtmxMiddleware` sets `request.htmx`; the type below
says so once, so views call the scoped lookups with `request.user` without casts.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

from villages.models import User


class AuthedHttpRequest(HttpRequest):
    """A request that passed `LoginRequiredMiddleware` and `HtmxMiddleware` (django-htmx's documented pattern)."""

    user: User
    htmx: HtmxDetails


def page_or_partial(
    request: AuthedHttpRequest, template: str, partial: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """One view serves the page and, to htmx, only the named partial (partial name = DOM id)."""
    return render(request, f"{template}#{partial}" if request.htmx else template, context, status=status)
