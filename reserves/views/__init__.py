"""Pages of the reserve pipeline: village reserves, succession and bench strength, classes, elections, outcomes.

Every lookup goes through `.for_user()` or the lookup helpers (villages/permissions.py, reserves/permissions.py):
outsiders 404, read-only users 403.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def page_or_partial(request: HttpRequest, template: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    """One view serves the page and, to htmx, only the named partial (partial name = DOM id)."""
    return render(request, f"{template}#{partial}" if request.htmx else template, context)
