"""Database errors that are not bugs answer clearly instead of a 500:

- an outage (OperationalError, InterfaceError) → 503, a Chinese page or JSON under /api/. Recovery needs no
  restart: a failed connection is discarded at the end of the request, and CONN_HEALTH_CHECKS makes the next
  request open a fresh one;
- input the database cannot hold (DataError: a NUL character in a text, a number out of range) → 400.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db.utils import DataError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
UNAVAILABLE_MESSAGE = "数据库暂时不可用，请稍后重试。"
INVALID_INPUT_MESSAGE = "请求中含有无法保存的数据（例如不可见的控制字符或超出范围的数字）。"
RETRY_AFTER_SECONDS = "30"


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 that renders without touching the database (no user, no session, no context processors)."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": UNAVAILABLE_MESSAGE}, status=503)
    else:
        response = HttpResponse(render_to_string("errors/503.html", {"message": UNAVAILABLE_MESSAGE}), status=503)
    response["Retry-After"] = RETRY_AFTER_SECONDS
    response["Cache-Control"] = "no-store"
    return response


def invalid_input_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):  # the API's 400 shape: the whole request, under non_field_errors
        return JsonResponse({"non_field_errors": [INVALID_INPUT_MESSAGE]}, status=400)
    return HttpResponse(INVALID_INPUT_MESSAGE, status=400, content_type="text/plain; charset=utf-8")


class DatabaseUnavailableMiddleware:
    """Turns database errors raised by views (and their template rendering) into the 503 or 400 response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning("database unavailable on %s: %s", request.path, exception)
            return database_unavailable_response(request)
        if isinstance(exception, DataError):
            logger.warning("input the database refused on %s: %s", request.path, exception)
            return invalid_input_response(request)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: database errors raised outside a view (session and login middleware) still answer 503."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable_response(request)
    return defaults.server_error(request)
