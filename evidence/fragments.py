"""Parts of the claim page rendered once and served to every reader until
data changes.

Each fragment holds published data only (no reader, no CSRF token, no query
string) and is cached through :mod:`dataversion.caching`, under the data
version: the first view after any write renders it afresh.
"""

from collections.abc import Callable

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from core.pagination import RowsById
from dataversion import caching

PLACEHOLDER = "987654321"


def url_maker(name: str) -> Callable[[object], str]:
    """``url(pk)``: the address of view ``name`` for ``pk``, from one
    ``reverse()`` rather than one per item of a list."""
    before, after = reverse(name, args=[PLACEHOLDER]).split(PLACEHOLDER)
    return lambda pk: f"{before}{pk}{after}"


def evidence_items_html(links: RowsById) -> SafeString:
    """The ``<li>`` of each of these evidence links, in their order
    (``includes/evidence_items.html``); read from the database only when
    not cached."""
    if not links.ids:
        return mark_safe("")

    def render():
        study_url = url_maker("studies:detail")
        for link in links:
            link.study_url = study_url(link.study_id)
        return str(render_to_string("includes/evidence_items.html", {"links": links}))

    html = caching.remember(
        "evidence-items",
        repr((links.queryset.db, get_language(), list(links.ids))),
        render,
        settings.COUNT_CACHE_SECONDS,
    )
    return mark_safe(html)  # escaped by the template that rendered it
