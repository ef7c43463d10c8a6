from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from villages.data_version import VersionedPaginator
from villages.models import County


class PageSizePagination(PageNumberPagination):
    """`{count, next, previous, results}` with `?page_size=` up to 500 (docs/api.md).

    The total is counted once per data version of the user's counties: every list is scoped to the user
    (`for_user`), so its rows are of those counties (villages/data_version.py)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    counties: QuerySet[County] | None = None

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list | None:
        self.counties = County.objects.for_user(request.user)
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, object_list: Any, per_page: int) -> VersionedPaginator:  # type: ignore[override]
        return VersionedPaginator(object_list, per_page, counties=self.counties)
