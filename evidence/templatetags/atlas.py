"""Template tags of the reader pages: profile graphics, filter and page links."""

from django import forms, template
from django.conf import settings
from django.utils.translation import get_language

from dataversion import caching

from .. import answer
from ..profile import TYPE_WEIGHTS, format_weight
from ..verdict import step_paragraph
from ..vocabulary import DIRECTION_LABELS, DIRECTIONS, EVIDENCE_TYPES, TYPE_LABELS

register = template.Library()

# Parameters that are not filters: they are left out of the "active filters".
NOT_FILTERS = {"ordering"}
# Sorts the API keeps for clients that sync, or that order by a stored code
# (evidence types alphabetically), which mean nothing to a reader: the pages
# do not offer them (they still apply when given in the URL).
HIDDEN_ORDERINGS = {
    "created",
    "-created",
    "updated",
    "-updated",
    "evidence_type",
    "-evidence_type",
}
# The other sorts in a reader's words (the API's names stay as they are).
READER_ORDERING_LABELS = {
    "-year": "Newest first",
    "year": "Oldest first",
    "statement": "Statement, A to Z",
    "-statement": "Statement, Z to A",
    "-certainty": "Most certain first",
    "certainty": "Least certain first",
    "-strength": "Strongest evidence for first",
    "strength": "Strongest evidence against first",
    "-evidence_count": "Most evidence first",
    "evidence_count": "Least evidence first",
    "title": "Title, A to Z",
    "-title": "Title, Z to A",
}


def is_page_param(name):
    return name == "page" or name.endswith("_page")


def query_url(query_dict, **changes):
    """``?query`` from ``query_dict`` with ``changes`` applied and pages reset.

    A change to ``None`` removes the parameter, a list sets several values.
    Page numbers are dropped: after the filters change, page 1 is shown.
    """
    params = query_dict.copy()
    for name in [name for name in params if is_page_param(name)]:
        del params[name]
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        elif isinstance(value, list | tuple):
            params.setlist(name, value)
        else:
            params[name] = value
    return f"?{params.urlencode()}" if params else "?"


def _segments(counts, scale):
    """Bar segments ``(direction, label, count, x%, width%)`` of ``counts``."""
    segments, x = [], 0.0
    for direction in DIRECTIONS:
        count = counts.get(direction, 0)
        if count:
            width = 100 * count / scale
            segments.append(
                {
                    "direction": direction,
                    "label": DIRECTION_LABELS[direction],
                    "count": count,
                    "x": f"{x:.3f}",
                    "width": f"{width:.3f}",
                }
            )
            x += width
    return segments


@register.inclusion_tag("includes/profile_bar.html")
def profile_bar(profile):
    """A compact for / against / mixed bar of the evidence *weighted* by type
    (a controlled link weighs 1, self-report 0.25, an anecdote 0.05), with
    the weights in words: ten anecdotes do not outdraw one trial."""
    weights = profile.weighted_by_direction()
    return {
        "profile": profile,
        "weights": {name: format_weight(value) for name, value in weights.items()},
        "segments": _segments(weights, sum(weights.values()) or 1),
    }


@register.inclusion_tag("includes/profile_chart.html", takes_context=True)
def profile_chart(context, profile, link_cells=True):
    """The type × direction chart of ``profile`` with its data table.

    With ``link_cells``, every non-zero count in the table links to the
    evidence filtered down to that type and direction.
    """
    request = context.get("request")
    largest = max(profile.by_type().values()) or 1
    rows = []
    for etype in EVIDENCE_TYPES:
        counts = profile.counts[etype]
        cells = []
        for direction in DIRECTIONS:
            url = None
            if link_cells and request is not None and counts[direction]:
                url = query_url(
                    request.GET, evidence_type=etype, direction=direction
                ) + context.get("results_fragment", "")
            cells.append(
                {
                    "direction": direction,
                    "label": DIRECTION_LABELS[direction],
                    "count": counts[direction],
                    "url": url,
                }
            )
        rows.append(
            {
                "type": etype,
                "label": TYPE_LABELS[etype],
                "total": sum(counts.values()),
                "segments": _segments(counts, largest),
                "cells": cells,
            }
        )
    return {
        "profile": profile,
        "rows": rows,
        "by_direction": profile.by_direction(),
        "directions": [(d, DIRECTION_LABELS[d]) for d in DIRECTIONS],
    }


@register.simple_tag(takes_context=True)
def page_url(context, page_param, number, fragment=""):
    """The current URL with only ``page_param`` set to ``number``, landing on
    ``fragment`` (e.g. ``#evidence``), where the page's results are."""
    params = context["request"].GET.copy()
    params[page_param] = number
    return f"?{params.urlencode()}{fragment}"


@register.filter
def reader_choices(bound_field):
    """The choices of a list a reader is offered: without the sorts meant for
    API clients, unless the URL chose one."""
    selected = set(selected_values(bound_field))
    return [
        (value, READER_ORDERING_LABELS.get(value, label))
        for value, label in bound_field.field.choices
        if value not in HIDDEN_ORDERINGS or value in selected
    ]


@register.filter
def finding_line(finding):
    """A link's finding in one line: its first sentence, cut if too long."""
    return answer.finding_line(finding)


@register.filter
def selected_values(bound_field):
    """The values of a bound form field as a list of strings."""
    value = bound_field.value()
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]


@register.filter
def field_kind(bound_field):
    """``choices`` (checkboxes), ``select``, ``number`` or ``text``."""
    field = bound_field.field
    if isinstance(field, forms.MultipleChoiceField):
        return "choices"
    if isinstance(field, forms.ChoiceField):
        return "select"
    if isinstance(field, forms.DecimalField | forms.IntegerField):
        return "number"
    return "text"


@register.simple_tag(takes_context=True)
def active_filters(context, form):
    """The filters in the URL, each with its label and a link that removes it."""
    query = context["request"].GET
    fragment = context.get("results_fragment", "")
    chips = []
    for name, field in form.fields.items():
        if name in NOT_FILTERS:
            continue
        values = [value for value in query.getlist(name) if value.strip()]
        if not values:
            continue
        labels = {str(key): str(label) for key, label in _choices(form, name, field)}
        for value in values:
            remaining = [other for other in query.getlist(name) if other != value]
            chips.append(
                {
                    "name": name,
                    "field": field.label or name,
                    "value": labels.get(value, value),
                    "remove_url": query_url(query, **{name: remaining or None})
                    + fragment,
                }
            )
    return chips


def _choices(form, name, field):
    if isinstance(field, forms.ModelMultipleChoiceField):
        chosen = form.cleaned_data.get(name) if form.is_valid() else None
        key = field.to_field_name or "pk"
        return [(getattr(item, key), item) for item in chosen or []]
    return getattr(field, "choices", [])


@register.inclusion_tag("includes/pagination.html", takes_context=True)
def pagination(context, page, param="page", label="Pages", fragment=None):
    """Previous / numbered / next links for ``page``, in the ``param``
    parameter, landing on ``fragment`` (by default the page's results)."""
    return {
        "request": context["request"],
        "page": page,
        "param": param,
        "label": label,
        "fragment": context.get("results_fragment", "")
        if fragment is None
        else fragment,
        "pages": list(
            page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
        ),
    }


@register.filter
def methods_anchor(step):
    """The id of the /methods/ paragraph that explains this step of a verdict."""
    return step_paragraph(step)


@register.filter
def type_weight(evidence_type):
    """What one link of ``evidence_type`` weighs (evidence/profile.py), e.g.
    ``0.25``: pages state the weights from the rule, never a copy of them."""
    return format_weight(TYPE_WEIGHTS[evidence_type])


class DataCacheNode(template.Node):
    def __init__(self, nodelist, name, vary_on):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context):
        material = repr(
            (
                self.name,
                [str(value.resolve(context)) for value in self.vary_on],
                get_language(),
            )
        )
        return caching.remember(
            "fragment",
            material,
            lambda: str(self.nodelist.render(context)),
            settings.COUNT_CACHE_SECONDS,
        )


@register.tag
def datacache(parser, token):
    """``{% datacache "name" value… %}…{% enddatacache %}``: the enclosed part
    rendered once per ``name`` and values until data changes (the key carries
    the data version, dataversion/caching.py).

    One copy serves every reader: the part must show published data only,
    decided by the values named: nothing of the request (no query string,
    user, CSRF token or nonce).
    """
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("datacache needs a name")
    nodelist = parser.parse(("enddatacache",))
    parser.delete_first_token()
    name = bits[1].strip("\"'")
    vary_on = [parser.compile_filter(bit) for bit in bits[2:]]
    return DataCacheNode(nodelist, name, vary_on)
