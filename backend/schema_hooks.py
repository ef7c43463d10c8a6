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
