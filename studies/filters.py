"""Study filters, shared by the reader pages and the API (the ``claim`` filter
is added by ``evidence``, which knows claims: evidence/filters.py).

Parameter names are a public contract: the API schema documents them and
outside clients rely on them.
"""

import django_filters

from core.filters import (
    FilterSet,
    StableOrderingFilter,
    UpdatedSinceFilter,
    choice_filter,
    year_range_filters,
)

from .identifiers import normalize_doi, normalize_pmid
from .models import Design, Dose, Population, Study
from .moderation import StudyStatus


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
