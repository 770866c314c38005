"""API pagination (its own module: DRF imports it from settings while loading)."""

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from dataversion import caching

# Parameters that do not change what a list holds, only which part is shown.
NOT_FILTERS = {"page", "page_size", "cursor", "format", "ordering"}


def request_count_key(request):
    """What decides an API list's rows: the endpoint, the user (who may see
    drafts) and the filter parameters; cheaper than compiling the query.

    The endpoint is the path, not the view: one view serves several lists
    (the claims, and each claim's versions).
    """
    params = sorted(
        (name, value)
        for name, values in request.query_params.lists()
        if name not in NOT_FILTERS
        for value in values
    )
    return repr((request.path, request.user.pk, params))


def cached_count(queryset, key=None):
    """``queryset.count()``, cached per query (or ``key``) until data changes.

    Counting a million rows takes tens of milliseconds on every page; the
    count of one filter changes only when data does.
    """
    if key is None:
        try:
            sql, params = queryset.query.sql_with_params()
        except EmptyResultSet:  # e.g. queryset.none(): nothing to count
            return 0
        key = repr((queryset.db, sql, params))
    # Kept in this process too: a dict lookup rather than a round trip to
    # Redis on every page (dataversion/caching.py).
    return caching.remember(
        "count", key, queryset.count, settings.COUNT_CACHE_SECONDS, in_process=True
    )


class CachedCountPaginator(Paginator):
    """Django's paginator, counting through :func:`cached_count`."""

    count_key = None

    @cached_property
    def count(self):
        if isinstance(self.object_list, QuerySet):
            return cached_count(self.object_list, self.count_key)
        return super().count


class CachedPagePaginator(CachedCountPaginator):
    """Pages whose rows are found once per query and page, until data changes.

    For orders that no index can give (the claim page sorts a claim's links by
    evidence type, then by their study's year): finding the rows of a page
    means sorting all the matching rows, tens of thousands for the largest
    claims. The ids of each page are cached; the rows themselves are always
    read fresh, by id, when first used (:class:`RowsById`).

    ``key``, when given, stands for the query in the cache keys of the count
    and of the pages (it must name everything that decides the rows and
    their order): cheaper than compiling the query's SQL for each.
    """

    def __init__(self, object_list, per_page, *, key=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.key = key
        if key is not None:
            self.count_key = repr(("count", key))

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if top + self.orphans >= self.count:
            top = self.count
        queryset = self.object_list
        if self.key is not None:
            material = repr(("page", self.key, bottom, top))
        else:
            try:
                sql, params = queryset.values("pk")[bottom:top].query.sql_with_params()
            except EmptyResultSet:
                return self._get_page(RowsById(queryset, []), number, self)
            material = repr((queryset.db, sql, params))
        ids = caching.remember(
            "page",
            material,
            lambda: tuple(queryset.values_list("pk", flat=True)[bottom:top]),
            settings.COUNT_CACHE_SECONDS,
            in_process=True,
        )
        return self._get_page(RowsById(queryset, ids), number, self)


class RowsById(Sequence):
    """The rows of ``queryset`` with these ``ids``, in their order, read on
    first use: a page whose rows are shown from a cached fragment (keyed by
    ``ids``) never reads them."""

    def __init__(self, queryset, ids):
        self.queryset = queryset
        self.ids = ids
        self._rows = None

    def _load(self):
        if self._rows is None:
            found = {
                row.pk: row for row in self.queryset.filter(pk__in=self.ids).order_by()
            }
            self._rows = [found[pk] for pk in self.ids if pk in found]
        return self._rows

    def __len__(self):
        return len(self.ids) if self._rows is None else len(self._rows)

    def __getitem__(self, index):
        return self._load()[index]

    def __iter__(self):
        return iter(self._load())


PAGE_NUMBER_ERROR = "Give a whole number from 1 up, or “last”."


def page_size_from(value, *, default, maximum, parameter="page_size"):
    """A page size given as ``value``: a whole number from 1, capped at
    ``maximum``; anything else is a 400 naming ``parameter`` rather than
    silently the default."""
    if value is None:
        return default
    try:
        size = int(value)
    except ValueError:
        size = 0
    if size < 1:
        message = (
            f"Give a whole number from 1 up (sizes over {maximum} are capped "
            f"at {maximum})."
        )
        raise ValidationError({parameter: [message]})
    return min(size, maximum)


def page_size_of(paginator, request):
    """``?page_size=`` of a list paginated by ``paginator``."""
    parameter = paginator.page_size_query_param
    return page_size_from(
        request.query_params.get(parameter),
        default=paginator.page_size,
        maximum=paginator.max_page_size,
        parameter=parameter,
    )


class CursorPagination(pagination.CursorPagination):
    """Opt-in pages for deep exports: constant cost however far one reads.

    Newest added first (by id); the ``ordering`` parameter does not apply.
    """

    ordering = "-id"
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        return page_size_of(self, request)

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

    def get_page_size(self, request):
        return page_size_of(self, request)

    def get_page_number(self, request, paginator):
        """``?page=``: a whole number from 1 (or ``last``); anything else is a
        400 like a bad ``page_size``. A page past the end stays a 404."""
        number = super().get_page_number(request, paginator)
        if number in self.last_page_strings:
            return number
        try:
            valid = int(number) >= 1
        except (TypeError, ValueError):
            valid = False
        if not valid:
            raise ValidationError({self.page_query_param: [PAGE_NUMBER_ERROR]})
        return number

    def paginate_queryset(self, queryset, request, view=None):
        self.cursor = None
        key = request_count_key(request) if view is not None else None
        if self.cursor_query_param in request.query_params:
            self.cursor = CursorPagination()
            self.count = cached_count(queryset, key)
            return self.cursor.paginate_queryset(queryset, request, view)
        self.django_paginator_class = type(
            "RequestCountPaginator", (CachedCountPaginator,), {"count_key": key}
        )
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self.cursor is None:
            return super().get_paginated_response(data)
        response = self.cursor.get_paginated_response(data)
        response.data = {"count": self.count, **response.data}
        return response

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] in (self.page_query_param, self.page_size_query_param):
                parameter["schema"]["minimum"] = 1
        return [
            *parameters,
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": self.cursor_query_description,
                "schema": {"type": "string"},
            },
        ]
