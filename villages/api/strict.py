"""Writes never drop a field silently (docs/api.md "Errors"): a key the serializer cannot store answers 400 under its
own name, next to the other field errors, instead of being ignored.

- a key the endpoint does not know: `{"colour": ["未知字段：本接口不接受此字段"]}`;
- a read-only key (computed, or fixed when the row was created): `{"code": ["只读字段，不能写入"]}`.

Every API serializer that takes input mixes this in, nested ones included (a village's `groups`, a person's
`assessments`, the rows of election results), so the rule holds at every level of a body.

`WriteFieldsMixin` lets one serializer class serve both POST and PATCH with different writable fields, so that
the schema's request bodies list exactly what each method stores: the class itself reads and PATCHes, a subclass
with `creating = True` POSTs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rest_framework import serializers

UNKNOWN_FIELD = "未知字段：本接口不接受此字段"
READ_ONLY_FIELD = "只读字段，不能写入"


def unstorable_fields(serializer: serializers.Serializer, data: Any) -> dict[str, list[str]]:
    """The keys of `data` that `serializer` would not store, each with the reason in Chinese."""
    if not isinstance(data, Mapping):
        return {}  # not an object: the serializer's own validation says so
    fields = serializer.fields
    return {
        key: [READ_ONLY_FIELD if key in fields else UNKNOWN_FIELD]
        for key in data
        if key not in fields or fields[key].read_only
    }


class StrictFieldsMixin:
    """Refuses (400, under the key's name) every key of the input that the serializer would not store."""

    def to_internal_value(self, data: Any) -> Any:
        refused = unstorable_fields(self, data)  # type: ignore[arg-type]
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as error:
            if refused and isinstance(error.detail, dict):
                raise serializers.ValidationError({**refused, **error.detail}) from error
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return value


class WriteFieldsMixin(StrictFieldsMixin):
    """`create_only_fields` are read-only on PATCH (a village's code, a post's person: another value is another
    row); `update_only_fields` are read-only on POST (a reserve's status: a new reserve is active)."""

    creating: ClassVar[bool] = False
    create_only_fields: ClassVar[tuple[str, ...]] = ()
    update_only_fields: ClassVar[tuple[str, ...]] = ()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()  # type: ignore[misc]
        for name in self.update_only_fields if self.creating else self.create_only_fields:
            fields[name].read_only = True
        return fields
