from rest_framework.pagination import PageNumberPagination

from villages.data_version import VersionedPaginator


class PageSizePagination(PageNumberPagination):
    """`{count, next, previous, results}` with `?page_size=` up to 500 (docs/api.md)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = VersionedPaginator  # the total is counted once per data version
