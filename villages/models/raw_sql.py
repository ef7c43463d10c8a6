"""The two pieces every hand-written SQL of this app is built from (`PersonQuerySet.in_villages`, the data
version's stamp reads): quoted names, and the ids of a QuerySet as a subquery."""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def id_subquery(queryset: QuerySet) -> tuple[str, list] | None:
    """`SELECT pk FROM …` of `queryset` (no ORDER BY) and its parameters, to go inside `IN (…)`; None when no row
    can match (`.none()`, `pk__in=[]`: Django refuses to compile those, and the ORM's own subqueries skip them)."""
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, list(params)
