"""Reader list pages: a filtered, paginated list view whose bad input answers
400 or 404 with a message, and the helpers it shares with other list pages."""

from typing import Any

import django_filters
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django_filters.views import FilterView

from .pagination import CachedCountPaginator


def page_or_404(paginator: Paginator, number: str | None, *, what: str) -> Page:
    """Page ``number`` of ``paginator``, or a 404 whose message says what to do."""
    text = (number or "1").strip()
    page_number: str | int = paginator.num_pages if text == "last" else text
    try:
        return paginator.page(page_number)
    except PageNotAnInteger:
        shown = str(page_number)[:20]
        raise Http404(
            f"“{shown}” is not a page number. Pages of {what} are numbered from 1."
        ) from None
    except EmptyPage:
        pages = paginator.num_pages
        raise Http404(
            f"There is no page {str(page_number)[:20]} of {what}: "
            f"there {'is' if pages == 1 else 'are'} {pages} "
            f"page{'' if pages == 1 else 's'}."
        ) from None


def filters_invalid(filterset: django_filters.FilterSet) -> bool:
    return filterset.is_bound and not filterset.is_valid()


class FilteredListView(FilterView):
    """A list page filtered by an app's shared FilterSet, with reader-proof input.

    Filters the form rejects answer 400 with the form's errors on the page;
    a page number that is not a number or past the end answers 404 with a
    message saying so.
    """

    paginate_by = 20
    paginator_class = CachedCountPaginator
    noun = "results"

    def paginate_queryset(
        self, queryset: QuerySet, page_size: int
    ) -> tuple[Paginator, Page, Any, bool]:
        paginator = self.get_paginator(queryset, page_size)
        number = self.request.GET.get(self.page_kwarg)
        if filters_invalid(self.filterset):
            number = None  # the errors matter, not the page
        page = page_or_404(paginator, number, what=self.noun)
        return paginator, page, page.object_list, page.has_other_pages()

    def render_to_response(
        self, context: dict[str, Any], **response_kwargs: Any
    ) -> HttpResponse:
        if filters_invalid(self.filterset):
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)
