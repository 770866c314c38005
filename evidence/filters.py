"""Claim and evidence filters, shared by the reader pages and the API.

Parameter names and meanings are a public contract (see the API schema).
"""

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from drf_spectacular.utils import extend_schema_field

from core.filters import (
    FilterSet,
    StableOrderingFilter,
    UpdatedSinceFilter,
    choice_filter,
    year_range_filters,
)
from studies.filters import StudyFilterSet
from studies.models import Design, Dose, Population, Study

from .models import (
    Certainty,
    Claim,
    ClaimSlugAlias,
    Direction,
    Evidence,
    EvidenceType,
    Status,
    Topic,
)
from .vocabulary import listed


def is_claim_id(value):
    """Whether ``value`` names a claim by its id: ASCII digits only (``"²3"``
    is a digit string to Python, not a number), within a database integer."""
    return value.isascii() and value.isdigit() and len(value) <= 18


class ClaimChoiceField(django_filters.fields.ModelMultipleChoiceField):
    """Claims given by id, slug or a renamed claim's earlier slug."""

    def _check_values(self, value):
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
        kwargs.setdefault("queryset", Claim.objects.published())
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("distinct", False)  # a to-one relation: no duplicates
        kwargs.setdefault("label", "Claim")
        kwargs.setdefault("help_text", CLAIM_FILTER_HELP)
        super().__init__(**kwargs)


class StudyClaimFilterSet(StudyFilterSet):
    """The study filters plus ``claim``: studies a claim's published links cite.

    Studies know nothing of claims; the reader pages and the API serve this
    one (evidence/study_pages.py, ``ModeratedStudyViewSet``).
    """

    claim = ClaimSlugFilter(
        method="filter_claim",
        help_text="Id or slug of a claim the study bears on (a renamed claim's "
        "earlier slugs too); repeat for several.",
    )

    def filter_claim(self, queryset, name, value):
        if not value:
            return queryset
        links = Evidence.objects.published().filter(
            study=OuterRef("pk"), claim__in=value
        )
        return queryset.filter(Exists(links))


EVIDENCE_TYPE_HELP = (
    f"Kind of evidence: {listed(EvidenceType.values)}; repeat for several."
)
DIRECTION_HELP = f"{listed(Direction.values)}; repeat for several."
DESIGN_HELP = "Design of the linked study; repeat for several."
POPULATION_HELP = (
    "Population of the linked study, e.g. clinical or healthy; repeat for several."
)
DOSE_HELP = "Dose in the linked study: micro, macro or na; repeat for several."

# Claim filters that describe one evidence link: given together, they must
# all hold for the same link.
LINK_CONDITIONS = {
    "evidence_type": "evidence_type__in",
    "direction": "direction__in",
    "design": "study__design__in",
    "population": "study__population__in",
    "dose": "study__dose__in",
}


class ClaimFilterSet(FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        help_text=(
            "Words that must all occur in the statement, description or aliases, "
            "in any order; endings, case and accents are ignored "
            "(depressed finds depression)."
        ),
    )
    status = choice_filter(
        "status",
        Status.choices,
        "Status",
        "Curators and editors: draft, in_review, published or retracted.",
    )
    certainty = choice_filter(
        "certainty",
        Certainty.choices,
        "Certainty",
        "high, moderate, low or very_low; repeat for several.",
    )
    topic = choice_filter(
        "topic",
        Topic.choices,
        "Topic",
        "mechanism, effect or risk; repeat for several.",
    )
    evidence_type = django_filters.MultipleChoiceFilter(
        choices=EvidenceType.choices,
        method="filter_by_link",
        label="Evidence type",
        help_text=EVIDENCE_TYPE_HELP,
    )
    direction = django_filters.MultipleChoiceFilter(
        choices=Direction.choices,
        method="filter_by_link",
        label="Direction",
        help_text=DIRECTION_HELP,
    )
    design = django_filters.MultipleChoiceFilter(
        choices=Design.choices,
        method="filter_by_link",
        label="Study design",
        help_text=DESIGN_HELP,
    )
    population = django_filters.MultipleChoiceFilter(
        choices=Population.choices,
        method="filter_by_link",
        label="Population",
        help_text=POPULATION_HELP,
    )
    dose = django_filters.MultipleChoiceFilter(
        choices=Dose.choices, method="filter_by_link", label="Dose", help_text=DOSE_HELP
    )
    updated_since = UpdatedSinceFilter()
    ordering = StableOrderingFilter(
        fields={
            "statement": "statement",
            "certainty_rank": "certainty",
            "strength_score": "strength",
            "evidence_count": "evidence_count",
            "updated": "updated",
        },
        label="Order by",
        help_text="statement, certainty, strength, evidence_count or updated; prefix - for descending.",
    )

    class Meta:
        model = Claim
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_by_link(self, queryset, name, value):
        # Applied together in filter_queryset, so that the conditions meet in
        # one link rather than in any links of the claim.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        conditions = {
            lookup: self.cleaned_data[name]
            for name, lookup in LINK_CONDITIONS.items()
            if self.cleaned_data.get(name)
        }
        if conditions:
            links = Evidence.objects.published().filter(
                claim=OuterRef("pk"), **conditions
            )
            queryset = queryset.filter(Exists(links))
        return queryset


class EvidenceFilterSet(FilterSet):
    year_min, year_max = year_range_filters("study__year")
    claim = ClaimSlugFilter(field_name="claim__slug")
    study = django_filters.ModelMultipleChoiceFilter(
        queryset=Study.objects.all(),
        field_name="study",
        distinct=False,
        label="Study",
        help_text="Id of the study; repeat for several.",
    )
    status = choice_filter(
        "status",
        Status.choices,
        "Status",
        "Curators and editors: draft, in_review, published or retracted.",
    )
    evidence_type = choice_filter(
        "evidence_type", EvidenceType.choices, "Evidence type", EVIDENCE_TYPE_HELP
    )
    direction = choice_filter(
        "direction", Direction.choices, "Direction", DIRECTION_HELP
    )
    design = choice_filter("study__design", Design.choices, "Study design", DESIGN_HELP)
    population = choice_filter(
        "study__population", Population.choices, "Population", POPULATION_HELP
    )
    dose = choice_filter("study__dose", Dose.choices, "Dose", DOSE_HELP)
    updated_since = UpdatedSinceFilter()
    ordering = StableOrderingFilter(
        fields={
            "created": "created",
            "updated": "updated",
            "study__year": "year",
            "evidence_type": "evidence_type",
        },
        label="Order by",
        help_text="created, updated, year or evidence_type; prefix - for descending.",
    )

    class Meta:
        model = Evidence
        fields = []


class ClaimEvidenceFilterSet(EvidenceFilterSet):
    """The evidence filters of one claim's page: the claim is given by the URL."""

    claim = None
    study = None
