"""Login lockout (django-axes) response: a Chinese page for people, JSON for API clients.

A locked-out account stays locked for AXES_COOLOFF_TIME; staff unlock earlier with
`manage.py axes_reset_username USERNAME` (or `axes_reset` for everyone), see docs/operations.md.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

LOCKED_OUT_MESSAGE = "登录失败次数过多，账号已暂时锁定。请{minutes}分钟后再试，或联系县委组织部管理员解锁。"


def lockout_message() -> str:
    return LOCKED_OUT_MESSAGE.format(minutes=round(float(settings.AXES_COOLOFF_TIME) * 60))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with a clear message; API paths answer JSON `{"detail": ...}`."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)
