"""Evidence served from rows is the very JSON the serializer gives.

Rows (evidence/rows.py) are the one read path of evidence links, kept for
speed (about 5x faster than the serializer for a page of 100 links); the
serializer stays the source of the schema and of writes. These tests hold
the two equal for every field and for the links each filter selects.
"""

import datetime

import orjson
import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from evidence import rows
from evidence.models import Evidence
from evidence.serializers import EvidenceSerializer
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    StudyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_links():
    claim = ClaimFactory()
    named = UserFactory(first_name="Ada", last_name="Lovelace")
    unnamed = UserFactory(username="anon-curator", first_name="", last_name="")
    return [
        EvidenceFactory(
            claim=claim, quote="A quotation.\u2028Next line", added_by=named
        ),
        EvidenceFactory(
            claim=claim,
            added_by=unnamed,
            study=StudyFactory(
                retracted=True,
                retraction_date=datetime.date(2024, 3, 1),
                retraction_url="https://example.org/notice",
                pmid="123456",
            ),
        ),
        EvidenceFactory(
            claim=claim,
            evidence_type="anecdotal",
            direction="mixed",
            study=StudyFactory(
                authors=[], year=None, journal="", doi="", url="https://example.org/a"
            ),
        ),
        EvidenceFactory(
            study=StudyFactory(authors=["Ly C", "Greb AC"], authors_et_al=True),
            direction="contradicts",
        ),
    ]


def as_json(data):
    return orjson.loads(orjson.dumps(data))


def test_rows_give_the_serializers_json(varied_links):
    request = Request(APIRequestFactory().get("/api/v1/evidence/"))
    queryset = Evidence.objects.for_list().order_by("id")
    expected = EvidenceSerializer(queryset, many=True, context={"request": request})
    actual = rows.evidence_data(queryset.values(*rows.evidence_columns()), request)
    assert as_json(actual) == as_json(expected.data)


def test_rows_without_a_request_give_relative_links(varied_links):
    queryset = Evidence.objects.for_list().order_by("id")
    expected = EvidenceSerializer(queryset, many=True, context={})
    actual = rows.evidence_data(queryset.values(*rows.evidence_columns()), None)
    assert as_json(actual) == as_json(expected.data)


def test_the_evidence_list_and_claim_detail_serve_the_serializers_json(
    api_client, varied_links
):
    request = Request(APIRequestFactory().get("/api/v1/evidence/"))
    queryset = Evidence.objects.for_list().order_by("-created", "-id")
    expected = as_json(
        EvidenceSerializer(queryset, many=True, context={"request": request}).data
    )
    assert api_client.get("/api/v1/evidence/").json()["results"] == expected
    claim = varied_links[0].claim
    detail = api_client.get(f"/api/v1/claims/{claim.slug}/").json()
    assert detail["evidence"] == [
        link for link in expected if link["claim"] == claim.slug
    ]


def _filter_values(links):
    """A value for every filter of the evidence list that matches some links."""
    link = links[0]
    return {
        "year_min": "1900",
        "year_max": "2100",
        "claim": link.claim.slug,
        "study": str(link.study_id),
        "status": "published",
        "evidence_type": "anecdotal",
        "direction": "contradicts",
        "design": link.study.design,
        "population": link.study.population,
        "dose": link.study.dose,
        "updated_since": "2000-01-01T00:00:00Z",
        "ordering": "year",
    }


def test_every_filter_of_the_evidence_list_serves_the_serializers_json(
    editor_api, varied_links
):
    # Rows (evidence/rows.py) are the one way links are read; the serializer
    # is what the schema and the writes use. Both give the same JSON for the
    # links that each filter selects.
    from evidence.filters import EvidenceFilterSet

    values = _filter_values(varied_links)
    assert set(values) == set(EvidenceFilterSet.base_filters), (
        "a filter without a test value"
    )
    request = Request(APIRequestFactory().get("/api/v1/evidence/"))
    request.user = varied_links[0].added_by
    for name, value in values.items():
        response = editor_api.get("/api/v1/evidence/", {name: value})
        assert response.status_code == 200, (name, response.json())
        served = response.json()["results"]
        assert served, f"?{name}={value} selected nothing"
        by_id = {
            link.pk: link
            for link in Evidence.objects.for_list().filter(
                pk__in=[item["id"] for item in served]
            )
        }
        expected = EvidenceSerializer(
            [by_id[item["id"]] for item in served],
            many=True,
            context={"request": request},
        ).data
        assert served == as_json(expected), name
