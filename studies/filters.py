"""Study filters, shared by the reader pages and the API.

Parameter names are a public contract: the API schema documents them and
outside clients rely on them.
"""

import copy
import datetime
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field

from evidence.models import Evidence

from .identifiers import normalize_doi, normalize_pmid
from .models import Design, Dose, Population, Study
from .moderation import StudyStatus


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet, built faster on every request.

    django-filter deep-copies every declared filter (choices, querysets and
    all) for each new FilterSet; a copy of each filter object is enough, as
    nothing below it changes per request. On a list endpoint that was a third
    of the time of the request.
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(f) for name, f in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
            if filter_.method is not None:
                filter_.method = filter_.method  # bound to the copy, not the original


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


def year_range_filters(field_name):
    """``year_min`` and ``year_max`` on a study's year (through ``field_name``)."""
    return (
        YearFilter(
            field_name=field_name,
            lookup_expr="gte",
            label="From year",
            help_text="Published in or after this year.",
        ),
        YearFilter(
            field_name=field_name,
            lookup_expr="lte",
            label="To year",
            help_text="Published in or before this year.",
        ),
    )


def is_claim_id(value):
    """Whether ``value`` names a claim by its id: ASCII digits only (``"²3"``
    is a digit string to Python, not a number), within a database integer."""
    return value.isascii() and value.isdigit() and len(value) <= 18


class ClaimChoiceField(django_filters.fields.ModelMultipleChoiceField):
    """Claims given by id, slug or a renamed claim's earlier slug."""

    def _check_values(self, value):
        from evidence.models import ClaimSlugAlias

        try:
            value = frozenset(value)
        except TypeError:
            raise ValidationError(
                self.error_messages["invalid_list"], code="invalid_list"
            ) from None
        for val in value:
            self.validate_no_null_characters(val)
        values = {str(val) for val in value}
        numbers = {val for val in values if is_claim_id(val)}
        ids = {int(val) for val in numbers}
        slugs = values - numbers
        aliases = dict(
            ClaimSlugAlias.objects.filter(slug__in=slugs).values_list(
                "slug", "claim_id"
            )
        )
        found = list(
            self.queryset.filter(
                Q(pk__in=ids | set(aliases.values())) | Q(slug__in=slugs)
            )
        )
        known = {str(claim.pk) for claim in found} | {claim.slug for claim in found}
        by_pk = {claim.pk for claim in found}
        for val in sorted(values):
            if val not in known and aliases.get(val) not in by_pk:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": val},
                )
        return self.queryset.filter(pk__in=by_pk)


CLAIM_FILTER_HELP = (
    "Id or slug of a claim (a renamed claim's earlier slugs too); repeat for several."
)


# The schema of an override is taken whole, description included.
@extend_schema_field({"type": "string", "description": CLAIM_FILTER_HELP})
class ClaimSlugFilter(django_filters.ModelMultipleChoiceFilter):
    """Claims given by id or slug (a renamed claim's earlier slug too); an
    unknown one is a 400 naming the parameter."""

    field_class = ClaimChoiceField

    def __init__(self, **kwargs):
        from evidence.models import Claim

        kwargs.setdefault("queryset", Claim.objects.published())
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("distinct", False)  # a to-one relation: no duplicates
        kwargs.setdefault("label", "Claim")
        kwargs.setdefault("help_text", CLAIM_FILTER_HELP)
        super().__init__(**kwargs)


UPDATED_SINCE_HELP = (
    "Only rows changed at or after this time: ISO 8601, e.g. 2026-12-01T00:00:00Z "
    "(without an offset the time is UTC). For incremental sync, pass the time "
    "of the last read, with ordering=updated."
)


class UpdatedSinceField(django_filters.fields.IsoDateTimeField):
    default_error_messages = {
        "invalid": "Enter an ISO 8601 date and time, such as 2026-12-01T00:00:00Z."
    }

    def to_python(self, value):
        if isinstance(value, str):
            # An offset's "+" sent unencoded arrives as a space.
            value = re.sub(r"(T[\d:.]+) (\d\d:?\d\d)$", r"\1+\2", value.strip())
        value = super().to_python(value)
        if value is not None:
            try:
                value = value.astimezone(datetime.UTC)
            except (OverflowError, ValueError):
                raise ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
        return value


class UpdatedSinceFilter(django_filters.IsoDateTimeFilter):
    """``updated_since``: rows whose ``updated`` is at or after a time."""

    field_class = UpdatedSinceField

    def __init__(self, **kwargs):
        kwargs.setdefault("field_name", "updated")
        kwargs.setdefault("lookup_expr", "gte")
        kwargs.setdefault("label", "Updated since")
        kwargs.setdefault("help_text", UPDATED_SINCE_HELP)
        super().__init__(**kwargs)


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering with the primary key as the last tie-breaker, so that pages
    never repeat or skip rows that share a value."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs


def choice_filter(field_name, choices, label, help_text):
    """A filter accepting one or several values (``?dose=micro&dose=macro``)."""
    return django_filters.MultipleChoiceFilter(
        field_name=field_name,
        lookup_expr="exact",
        # Every use is a column of the row or of a to-one relation: no
        # duplicates to remove, and DISTINCT would sort the whole result.
        distinct=False,
        choices=choices,
        label=label,
        help_text=help_text,
    )


class StudyFilterSet(FilterSet):
    year_min, year_max = year_range_filters("year")
    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        help_text=(
            "Words that must all occur in the title, authors, journal or "
            "abstract, in any order; endings, case and accents are ignored."
        ),
    )
    design = choice_filter(
        "design", Design.choices, "Design", "Study design; repeat for several."
    )
    population = choice_filter(
        "population",
        Population.choices,
        "Population",
        "Who or what was studied; repeat for several.",
    )
    dose = choice_filter(
        "dose", Dose.choices, "Dose", "Dose studied; repeat for several."
    )
    status = choice_filter(
        "status",
        StudyStatus.choices,
        "Status",
        "Curators and editors: draft, in_review, published or withdrawn.",
    )
    doi = django_filters.CharFilter(
        method="filter_doi", label="DOI", help_text="Exact DOI, in any common form."
    )
    pmid = django_filters.CharFilter(
        method="filter_pmid", label="PMID", help_text="Exact PubMed ID."
    )
    claim = ClaimSlugFilter(
        method="filter_claim",
        help_text="Id or slug of a claim the study bears on (a renamed claim's "
        "earlier slugs too); repeat for several.",
    )
    updated_since = UpdatedSinceFilter()
    ordering = StableOrderingFilter(
        fields={"year": "year", "title": "title", "updated": "updated"},
        label="Order by",
        help_text="year, title or updated; prefix - for descending.",
    )

    class Meta:
        model = Study
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_doi(self, queryset, name, value):
        return queryset.filter(doi=normalize_doi(value))

    def filter_pmid(self, queryset, name, value):
        return queryset.filter(pmid=normalize_pmid(value))

    def filter_claim(self, queryset, name, value):
        if not value:
            return queryset
        links = Evidence.objects.published().filter(
            study=OuterRef("pk"), claim__in=value
        )
        return queryset.filter(Exists(links))
