"""The write side of every API viewset: who may write is checked before the body, POST and PATCH take their own
fields, a stale `version` answers 409, and the schema documents the 400/403/404/409 answers (docs/api.md)."""

from __future__ import annotations

from collections.abc import Sequence

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from villages.api.conflicts import CONFLICT_RESPONSE, stale_version_conflict
from villages.api.serializers import StaleVersion

# The 400 of every write is documented once, as the `FieldErrors` component (backend/schema_hooks.py).
WRITE_RESPONSES = {
    403: OpenApiResponse(description="只读用户"),
    404: OpenApiResponse(description="不在权限范围内"),
}


def write_schema(read: type[serializers.Serializer], create: type[serializers.Serializer]) -> dict:
    """extend_schema_view() arguments for a versioned resource: POST takes `create`, every answer is `read`."""
    return {
        "create": extend_schema(request=create, responses={201: read, **WRITE_RESPONSES}),
        "partial_update": extend_schema(responses={200: read, 409: CONFLICT_RESPONSE, **WRITE_RESPONSES}),
    }


class VersionedUpdateMixin:
    """PATCH: 404 outside scope, 403 for read-only users (`check_write`), 409 on a stale `version`.

    POST validates with `create_serializer_class` (the same fields, those fixed at creation writable).
    """

    http_method_names: Sequence[str] = ["get", "post", "patch", "delete", "head", "options"]
    create_serializer_class: type[serializers.Serializer]

    def check_write(self, obj) -> None:  # pragma: no cover - each viewset defines it
        raise NotImplementedError

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if getattr(self, "action", None) == "create":
            return self.create_serializer_class
        return super().get_serializer_class()  # type: ignore[misc]

    def update(self, request: Request, *args, **kwargs) -> Response:
        # Scope (404) and write permission (403) come before validating the body.
        self.check_write(self.get_object())  # type: ignore[attr-defined]
        return super().update(request, *args, **kwargs)  # type: ignore[misc]

    def perform_update(self, serializer) -> None:
        try:
            serializer.save()
        except StaleVersion as stale:
            raise stale_version_conflict(stale.error, serializer=serializer) from stale
