"""drf-spectacular post-processing of the OpenAPI schema (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""

from __future__ import annotations

from typing import Any


def drop_parameter_titles(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Query parameters carry the model field's Chinese verbose name as `title` (django-filter); client generators
    name the parameter's enum type after it (`PostsList职务`). The description already says it: drop the title."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                parameter.get("schema", {}).pop("title", None)
    return result


FIELD_ERRORS = {
    "type": "object",
    "description": (
        "输入有误：每个字段名对应一组中文说明（列表中的对象按从0开始的位置编号）；"
        "涉及整个请求的问题在 non_field_errors。"
        ' 例：{"override_reason": ["不符合条件：…如仍纳入后备，须填写理由。"]}'
    ),
    "additionalProperties": {},
}


def document_field_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Every operation that takes a body documents its 400 the same way (docs/api.md "Errors"): a `FieldErrors`
    object, so generated clients parse a refusal instead of treating it as unexpected. Operations that declare
    their own 400 shape (election results) keep it."""
    result.setdefault("components", {}).setdefault("schemas", {})["FieldErrors"] = FIELD_ERRORS
    reference = {"$ref": "#/components/schemas/FieldErrors"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            responses = operation.setdefault("responses", {})
            if "400" not in responses:
                responses["400"] = {
                    "description": "输入有误（字段名 → 中文说明）",
                    "content": {"application/json": {"schema": reference}},
                }
    return result
