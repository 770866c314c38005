"""API pagination (its own module: DRF imports it from settings while loading)."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework import pagination

from .data_version import data_version


def cached_count(queryset):
    """``queryset.count()``, cached per query until data changes.

    Counting a million rows takes tens of milliseconds on every page; the
    count of one filter changes only when data does.
    """
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. queryset.none(): nothing to count
        return 0
    digest = hashlib.md5(
        repr((queryset.db, sql, params)).encode(), usedforsecurity=False
    ).hexdigest()
    key = f"count:{data_version()}:{digest}"
    number = cache.get(key)
    if number is None:
        number = queryset.count()
        cache.set(key, number, settings.COUNT_CACHE_SECONDS)
    return number


class CachedCountPaginator(Paginator):
    """Django's paginator, counting through :func:`cached_count`."""

    @cached_property
    def count(self):
        if isinstance(self.object_list, QuerySet):
            return cached_count(self.object_list)
        return super().count


class CursorPagination(pagination.CursorPagination):
    """Opt-in pages for deep exports: constant cost however far one reads.

    Newest added first (by id); the ``ordering`` parameter does not apply.
    """

    ordering = "-id"
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def decode_cursor(self, request):
        if not request.query_params.get(self.cursor_query_param):
            return None  # ?cursor= alone starts at the first page
        return super().decode_cursor(request)


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 100; larger values are capped).

    ``?cursor=`` switches to :class:`CursorPagination`; the response keeps
    the same fields, with the list's (cached) ``count``.
    """

    page_size = 20
    page_size_query_param = "page_size"
    page_size_query_description = (
        "Results per page, 1 to 100 (larger values are capped at 100)."
    )
    max_page_size = 100
    django_paginator_class = CachedCountPaginator
    cursor_query_param = "cursor"
    cursor_query_description = (
        "Opt-in cursor pagination for reading deep into a list: give it empty to "
        "start, then follow `next`. Newest added first; `page` and `ordering` do not "
        "apply."
    )

    def paginate_queryset(self, queryset, request, view=None):
        self.cursor = None
        if self.cursor_query_param in request.query_params:
            self.cursor = CursorPagination()
            self.count = cached_count(queryset)
            return self.cursor.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self.cursor is None:
            return super().get_paginated_response(data)
        response = self.cursor.get_paginated_response(data)
        response.data = {"count": self.count, **response.data}
        return response

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": self.cursor_query_description,
                "schema": {"type": "string"},
            },
        ]
