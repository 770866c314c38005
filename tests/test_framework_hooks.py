"""Where the code overrides a framework's internals, these tests pin what it
relies on, so that an upgrade that changes them fails here and not in
production (ARCHITECTURE.md)."""

import inspect

import django_filters
import pytest
from django.http import QueryDict

from evidence.filters import (
    ClaimEvidenceFilterSet,
    ClaimFilterSet,
    EvidenceFilterSet,
    StudyClaimFilterSet,
)
from evidence.models import Evidence
from studies.filters import StudyFilterSet
from studies.models import Study
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

pytestmark = pytest.mark.django_db

QUERIES = [
    "",
    "design=rct&year_min=2010",
    "year_min=abc",
    "ordering=-year&population=clinical",
]


def upstream(filterset_class, data, queryset):
    """The FilterSet as django-filter's own ``__init__`` builds it."""
    built = filterset_class.__new__(filterset_class)
    django_filters.filterset.BaseFilterSet.__init__(built, data, queryset)
    return built


def test_core_filterset_init_keeps_django_filters_signature():
    ours = inspect.signature(StudyFilterSet.__init__)
    theirs = inspect.signature(django_filters.filterset.BaseFilterSet.__init__)
    assert list(ours.parameters) == list(theirs.parameters)


@pytest.mark.parametrize("query", QUERIES)
def test_core_filterset_builds_what_django_filter_builds(query):
    StudyFactory.create_batch(3, design="rct", year=2015)
    StudyFactory(design="survey", year=2005)
    data = QueryDict(query)
    ours = StudyFilterSet(data, Study.objects.all())
    theirs = upstream(StudyFilterSet, data, Study.objects.all())
    assert set(vars(ours)) == set(vars(theirs))
    assert list(ours.filters) == list(theirs.filters)
    for name, filter_ in ours.filters.items():
        assert filter_.parent is ours and filter_.model is Study
        # A copy per FilterSet, never the class's own filter.
        assert filter_ is not StudyFilterSet.base_filters[name]
    assert ours.is_valid() == theirs.is_valid()
    assert ours.form.errors == theirs.form.errors
    if ours.is_valid():
        assert list(ours.qs.values_list("pk", flat=True)) == list(
            theirs.qs.values_list("pk", flat=True)
        )


def test_filters_with_methods_run_on_the_filterset_copy():
    EvidenceFactory.create_batch(2, evidence_type="controlled")
    EvidenceFactory(evidence_type="anecdotal")
    data = QueryDict("evidence_type=controlled")
    ours = EvidenceFilterSet(data, Evidence.objects.all())
    theirs = upstream(EvidenceFilterSet, data, Evidence.objects.all())
    assert sorted(ours.qs.values_list("pk", flat=True)) == sorted(
        theirs.qs.values_list("pk", flat=True)
    )


FILTERSETS = [
    EvidenceFilterSet,
    ClaimEvidenceFilterSet,
    ClaimFilterSet,
    StudyClaimFilterSet,
]
EQUIVALENCE_QUERIES = [
    "",
    "evidence_type=controlled&page=3",
    "evidence_type=controlled&evidence_type=anecdotal&design=rct",
    "evidence_type=nonsense",
    "design=",
    "year_min=2010&year_max=2020&ordering=-year",
    "year_min=abc",
    "ordering=bogus",
    "updated_since=2026-12-01T00:00:00 01:00",
    "updated_since=yesterday",
    "claim=some-claim",
    "claim=unknown-claim&study=999999",
    "study=abc",
    "q=amygdala&topic=mechanism&ordering=-strength_score",
    "direction=supports&dose=micro&population=clinical",
    "doi=10.1000/xyz&status=published",
]


def formed(filterset_class, data, queryset):
    """The FilterSet validated through its form, as django-filter does."""
    filterset = filterset_class(data, queryset)
    filterset._given_values = None  # the cached fast path, switched off
    return filterset


@pytest.mark.parametrize("filterset_class", FILTERSETS, ids=lambda c: c.__name__)
def test_fast_validation_matches_the_form(filterset_class):
    """The parameters cleaned without a form give the form's verdict, errors
    and filtered query, for every FilterSet and valid and invalid input."""
    ClaimFactory(slug="some-claim")
    model = filterset_class._meta.model
    for query in EQUIVALENCE_QUERIES:
        data = QueryDict(query)
        fast = filterset_class(data, model.objects.all())
        slow = formed(filterset_class, data, model.objects.all())
        assert fast.is_valid() == slow.is_valid(), query
        assert fast.errors == slow.errors, query
        if slow.is_valid():
            assert str(fast.qs.query) == str(slow.qs.query), query
            assert fast.cleaned_data.keys() == slow.form.cleaned_data.keys()


def test_fast_validation_builds_no_form_for_valid_parameters():
    filterset = EvidenceFilterSet(
        QueryDict("evidence_type=controlled&design=rct"), Evidence.objects.all()
    )
    assert filterset.is_valid()
    filterset.qs  # noqa: B018
    assert "_form" not in vars(filterset)


def test_api_times_are_utc_whatever_time_zone_is_active():
    """The API's format ends in a literal Z: its times are UTC even where a
    time zone is active, as DRF's own field gives them under UTC."""
    import datetime

    from django.utils import timezone
    from rest_framework import serializers

    from core.serializers import UTCDateTimeField

    moment = datetime.datetime(2026, 12, 7, 23, 30, 5, 12, tzinfo=datetime.UTC)
    with timezone.override("UTC"):
        expected = serializers.DateTimeField().to_representation(moment)
    with timezone.override("Pacific/Auckland"):
        assert UTCDateTimeField().to_representation(moment) == expected
    assert expected == "2026-12-07T23:30:05.000012Z"


@pytest.mark.parametrize(
    "stored",
    [
        '["Ly C", "Greb AC"]',
        '{"a": [1, 2.5, null, true]}',
        '"text"',
        "18446744073709551616",
    ],
)
def test_json_fields_decode_what_djangos_json_field_decodes(stored):
    from django.db import connection, models

    from core.fields import JSONField

    assert JSONField().from_db_value(stored, None, connection) == (
        models.JSONField().from_db_value(stored, None, connection)
    )


def test_study_authors_round_trip_through_the_database():
    study = StudyFactory(authors=["Ly C", "Greb AC", "Ünal É"])
    assert Study.objects.get(pk=study.pk).authors == ["Ly C", "Greb AC", "Ünal É"]
