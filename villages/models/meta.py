"""Typed look-ups in model metadata."""

from __future__ import annotations

from typing import Any

from django.db import models


def concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The model's own field `name` (`_meta.get_field` may also answer a reverse relation, which has no column)."""
    found = model._meta.get_field(name)
    if not isinstance(found, models.Field):
        raise LookupError(f"{model.__name__}.{name} is a reverse relation, not a field")
    return found
