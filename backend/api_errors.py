"""One error shape for the whole API (docs/api.md "Errors").

A 400 always names what is wrong: one key per field, each a list of Chinese messages, and `non_field_errors` for
what concerns the request as a whole (a body that is not JSON, a rule over several fields). DRF's own exceptions
are shaped here, so no view has to remember it:
- a body that cannot be parsed (ParseError, `{"detail": "JSON parse error - ..."}` in English) →
  `{"non_field_errors": ["请求体不是有效的 JSON：第1行第2列有误（请以 … 发送 JSON 对象）"]}`;
- a ValidationError raised with a bare message or list instead of a field mapping → under `non_field_errors`;
- Django's English 404 ("No Village matches the given query.", which also names the model) →
  `{"detail": "未找到：对象不存在，或不在您的权限范围内"}`; a 404 that says something in Chinese keeps it.
An exception that carries a ready `body` (the 409 of a stale `version`, villages/api/conflicts.py) answers it
unchanged. Everything else (401, 403, 404, 405, 415, 429) keeps DRF's `{"detail": ...}`.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler, set_rollback

NOT_FOUND = "未找到：对象不存在，或不在您的权限范围内"
NOT_JSON = "请求体不是有效的 JSON"
HOW_TO_SEND = "请以 Content-Type: application/json 发送 JSON 对象"
WHERE = re.compile(r"line (\d+) column (\d+)")


def not_json_message(detail: str) -> str:
    """'请求体不是有效的 JSON：第1行第2列有误（请以 …）' from the parser's English message."""
    where = WHERE.search(detail)
    at = f"：第{where[1]}行第{where[2]}列有误" if where else ""
    return f"{NOT_JSON}{at}（{HOW_TO_SEND}）"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    body = getattr(exc, "body", None)
    if isinstance(exc, exceptions.APIException) and isinstance(body, dict):
        set_rollback()
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404) and str(exc).isascii():  # Django's "No Village matches the given query."
        exc = exceptions.NotFound(NOT_FOUND)
    if isinstance(exc, exceptions.ParseError):
        message = not_json_message(str(exc.detail))
        exc = exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [message]})
    elif isinstance(exc, exceptions.ValidationError) and not isinstance(exc.detail, dict):
        exc = exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.detail})
    return exception_handler(exc, context)
