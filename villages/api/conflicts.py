"""409 on a stale `version` (docs/api.md "Versions and conflicts"): the same answer for every versioned resource.

The body says what changed since the client read the row, from the roster history:
`{"detail": "该记录已被他人修改（张三 于 2026-11-30 10:15，改动：联系电话），请刷新后重试", "version": 3,
"changed_by": "张三", "changed_at": "2026-11-30T10:15:02+08:00",
"changes": [{"field": "phone", "label": "联系电话", "old": "13900000001", "new": "13900000002"}]}`.
`field` is the API's name of the field (`village` for a person's home village), `old`/`new` as the UI shows them.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.exceptions import APIException

from villages.roster import StaleEditError


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="字段名（API 中的名称）")
    label = serializers.CharField(help_text="字段中文名")  # type: ignore[assignment]
    old = serializers.CharField(help_text="您读取时的值（按界面显示）")
    new = serializers.CharField(help_text="现在的值（按界面显示）")


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    version = serializers.IntegerField(allow_null=True, help_text="记录现在的版本；刷新后以它重新提交")
    changed_by = serializers.CharField(help_text="最后修改人")
    changed_at = serializers.DateTimeField(allow_null=True, help_text="最后修改时间")
    changes = ChangeSerializer(many=True, help_text="自您读取的版本以来改动的字段")


CONFLICT_RESPONSE = OpenApiResponse(
    ConflictSerializer, description="版本已过期：记录已被他人修改（未保存），并说明改了什么"
)


class Conflict(APIException):
    """409 with a JSON body given as is (the API's exception handler answers `body` unchanged)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "该记录已被他人修改，请刷新后重试"
    default_code = "stale_version"

    def __init__(self, detail: str | None = None, *, body: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.body = body or {"detail": str(self.detail)}


def api_field_names(serializer: serializers.Serializer) -> dict[str, str]:
    """Model field name → the serializer's name for it (`home_village` → `village`)."""
    names: dict[str, str] = {}
    for name, field in serializer.fields.items():
        source = field.source or name
        if source != "*":
            names.setdefault(source.split(".")[0], name)
    return names


def stale_version_conflict(error: StaleEditError, *, serializer: serializers.Serializer) -> Conflict:
    """The 409 for a refused save: who changed the row, when, and which fields, by their API names."""
    changed = error.changed
    names = api_field_names(serializer)
    changes = changed.changes if changed else []
    body = {
        "detail": str(error),
        "version": error.current_version,
        "changed_by": changed.who if changed else "",
        "changed_at": timezone.localtime(changed.when).isoformat() if changed and changed.when else None,
        "changes": [
            {"field": names.get(c.field, c.field), "label": c.label, "old": c.old, "new": c.new} for c in changes
        ],
    }
    return Conflict(str(error), body=body)
