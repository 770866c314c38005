"""API pagination (its own module: DRF imports it from settings while loading)."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 100; larger values are capped)."""

    page_size = 20
    page_size_query_param = "page_size"
    page_size_query_description = (
        "Results per page, 1 to 100 (larger values are capped at 100)."
    )
    max_page_size = 100
