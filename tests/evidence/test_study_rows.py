"""Studies served from rows are the very JSON the serializer gives.

Rows (evidence/study_rows.py) are how the studies list reads studies and the
claims each informs; the serializer stays the source of the schema, of the
detail and of writes. These tests hold the two equal for every field.
"""

import datetime

import orjson
import pytest
from django.db.models import Prefetch
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from evidence import study_rows
from evidence.api.studies import StudyWorkflowSerializer
from evidence.models import Evidence
from studies.models import Study
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

pytestmark = pytest.mark.django_db

SERIALIZER = StudyWorkflowSerializer


@pytest.fixture
def varied_studies():
    first, second = ClaimFactory(statement="B claim"), ClaimFactory(statement="A claim")
    draft_claim = ClaimFactory(status="draft")
    studies = [
        StudyFactory(
            authors=["Ly C", "Greb AC"],
            authors_et_al=True,
            abstract="An abstract.\u2028Next line",
            volume="12",
            issue="3",
            pages="1-9",
            entry_source="crossref",
        ),
        StudyFactory(
            retracted=True,
            retraction_date=datetime.date(2024, 3, 1),
            retraction_url="https://example.org/notice",
            doi="",
            pmid="123456",
            design="",
            population="",
            dose="",
            sample_size=None,
        ),
        StudyFactory(
            authors=[], year=None, journal="", doi="", url="https://example.org/a"
        ),
        StudyFactory(status="draft", review_comment="Check the dose."),
        StudyFactory(status="withdrawn", withdrawal_reason="A duplicate."),
    ]
    EvidenceFactory(claim=first, study=studies[0])
    EvidenceFactory(
        claim=second, study=studies[0], evidence_type="anecdotal", direction="mixed"
    )
    EvidenceFactory(claim=draft_claim, study=studies[0])
    EvidenceFactory(claim=first, study=studies[1], status="draft")
    EvidenceFactory(claim=second, study=studies[1], direction="contradicts")
    EvidenceFactory(claim=first, study=studies[3])
    return studies


def as_json(data):
    return orjson.loads(orjson.dumps(data))


def serialized(queryset, request):
    links = Evidence.objects.published().select_related("claim")
    instances = queryset.prefetch_related(
        Prefetch(
            "evidence",
            queryset=links.order_by("claim__statement"),
            to_attr="published_links",
        )
    )
    return as_json(SERIALIZER(instances, many=True, context={"request": request}).data)


@pytest.mark.parametrize("with_request", [True, False])
def test_rows_give_the_serializers_json(varied_studies, with_request):
    request = (
        Request(APIRequestFactory().get("/api/v1/studies/")) if with_request else None
    )
    queryset = Study.objects.order_by("id")
    actual = study_rows.study_data(
        queryset.values(*study_rows.study_columns(SERIALIZER)), request, SERIALIZER
    )
    expected = serialized(queryset, request)
    assert as_json(actual) == expected
    assert [len(study["claims"]) for study in expected] == [2, 1, 0, 0, 0]


def test_the_studies_list_serves_the_serializers_json(
    api_client, editor_api, varied_studies
):
    request = Request(APIRequestFactory().get("/api/v1/studies/"))
    for client, visible in (
        (api_client, Study.objects.published()),
        (editor_api, Study.objects.all()),
    ):
        served = client.get("/api/v1/studies/", {"page_size": 100}).json()["results"]
        by_id = {study["id"]: study for study in serialized(visible, request)}
        assert served == [by_id[study["id"]] for study in served]
        assert set(by_id) == {study["id"] for study in served}


def test_the_rows_refuse_a_field_they_cannot_produce():
    from django.core.exceptions import ImproperlyConfigured
    from rest_framework import serializers

    class Extended(SERIALIZER):
        extra = serializers.SerializerMethodField()

        class Meta(SERIALIZER.Meta):
            fields = [*SERIALIZER.Meta.fields, "extra"]

        def get_extra(self, study):
            return None

    with pytest.raises(ImproperlyConfigured):
        study_rows.study_columns(Extended)
