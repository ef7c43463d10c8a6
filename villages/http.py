"""What every view of every app shares: the type of a signed-in request, htmx page-or-fragment rendering, and a
stored file opened for a download.

`LoginRequiredMiddleware` lets only signed-in users reach a view (the few public ones are marked
`login_not_required` and keep a plain `HttpRequest`), and `HtmxMiddleware` sets `request.htmx`; the type below
says so once, so views call the scoped lookups with `request.user` without casts. The API (DRF's `IsAuthenticated`
is the default permission) and the admin (staff only) reach the same user through `signed_in_user`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import reswap, retarget
from django_htmx.middleware import HtmxDetails
from rest_framework.views import APIView

from villages.models import User


class AuthedHttpRequest(HttpRequest):
    """A request that passed `LoginRequiredMiddleware` and `HtmxMiddleware` (django-htmx's documented pattern)."""

    user: User
    htmx: HtmxDetails


def stored_file(field: FieldFile) -> FieldFile:
    """A stored file opened for reading through its storage (the local disk or the bucket, settings.STORAGES), for a
    download view that has checked the scope. Http404 when the file is gone (expired by the bucket's lifecycle, a
    database restored without its files); the view streams it (FileResponse), never hands out a storage URL."""
    try:
        return field.open("rb")
    except FileNotFoundError as missing:
        raise Http404("文件已不在存储中") from missing


def page_or_partial(
    request: AuthedHttpRequest, template: str, partial: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """One view serves the page and, to htmx, only the named partial (partial name = DOM id)."""
    return render(request, f"{template}#{partial}" if request.htmx else template, context, status=status)


def saved_section(
    request: AuthedHttpRequest, *, template: str, partial: str, context: Callable[[], dict[str, Any]], browser_url: str
) -> HttpResponse:
    """After a change: a browser goes to `browser_url` (post/redirect/get); htmx gets the refreshed named partial,
    swapped over the element of the same id whatever the form targeted (partial name = DOM id)."""
    if not request.htmx:
        return redirect(browser_url)
    response = render(request, f"{template}#{partial}", context())
    return reswap(retarget(response, f"#{partial}"), "outerHTML")


NOBODY_ROLE = ""


def signed_in_user(user: User | AnonymousUser) -> User:
    """The user of a request that passed authentication (DRF's `IsAuthenticated`, the admin's staff check).

    Authentication itself is enforced before any view runs (`LoginRequiredMiddleware`, DRF's `IsAuthenticated`).
    The one anonymous caller that gets this far is drf-spectacular building the schema with a fake request: it
    gets an unsaved user without a role, whom every scoped QuerySet answers with nothing and every permission
    check refuses.
    """
    if isinstance(user, User):
        return user
    return User(role=NOBODY_ROLE)


class SignedInAPIMixin(APIView):
    """For API views: `self.user` is the signed-in caller (DRF's `IsAuthenticated` is the default permission)."""

    @property
    def user(self) -> User:
        return signed_in_user(self.request.user)
