"""/healthz: is the database reachable, is Redis reachable (when configured), can the file storage (disk or bucket)
be reached, can PDFs subset fonts fast.

No login: load balancers and monitoring call it. It names components only, never data.
200 when the database answers (Redis down only degrades report jobs), 503 when it does not.
"""

from __future__ import annotations

import ctypes.util
import functools

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from backend.middleware import DATABASE_ERRORS


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DATABASE_ERRORS:
        connection.close_if_unusable_or_obsolete()
        return "unavailable"
    return "ok"


def redis_status() -> str:
    if not settings.REDIS_URL:
        return "not_configured"
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError:
        return "unavailable"
    finally:
        client.close()
    return "ok"


def storage_status() -> str:
    """Reports and uploads live in the storage (STORAGE_BACKEND): a lookup of a name that never exists reaches the
    disk or the bucket without reading anything. Unreachable → "unavailable" (downloads and new reports fail)."""
    try:
        default_storage.exists("healthz-probe")
    except Exception:  # any backend's error (OSError, botocore's) means the same to a load balancer
        return "unavailable"
    return "ok"


@functools.cache
def harfbuzz_status() -> str:
    """WeasyPrint subsets fonts with libharfbuzz-subset; without it CJK PDFs are ~25x slower."""
    return "ok" if ctypes.util.find_library("harfbuzz-subset") else "missing"


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": database_status(),
        "redis": redis_status(),
        "storage": storage_status(),
        "harfbuzz": harfbuzz_status(),
    }
    healthy = all(value in {"ok", "not_configured"} for value in checks.values())
    status = "ok" if healthy else ("unavailable" if checks["database"] != "ok" else "degraded")
    return JsonResponse({"status": status, "checks": checks}, status=200 if checks["database"] == "ok" else 503)
