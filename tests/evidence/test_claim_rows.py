"""Claims served from rows are the very JSON the serializer gives.

Rows (evidence/claim_rows.py) are how the claims list reads claims; the
serializer stays the source of the schema, of the detail and of writes, and
its own methods give the nested fields of both.
"""

import orjson
import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from evidence import claim_rows
from evidence.models import Claim
from evidence.serializers import ClaimSerializer
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_claims():
    plain = ClaimFactory(description="")
    argued = ClaimFactory(
        description="Line one.\u2028Line two",
        effect_favours_claim="lower",
    )
    for direction in ("supports", "contradicts", "mixed"):
        EvidenceFactory(claim=argued, direction=direction)
    EvidenceFactory(claim=argued, evidence_type="anecdotal")
    overridden = ClaimFactory()
    EvidenceFactory(claim=overridden, study=StudyFactory())
    Claim.objects.filter(pk=overridden.pk).update(
        certainty_override="low",
        certainty_override_reason="One small trial.",
        direction_override="unclear",
    )
    ClaimFactory(status="draft", review_comment="Needs a source.")
    ClaimFactory(status="retracted", retraction_reason="A duplicate.")
    return [plain, argued, overridden]


def as_json(data):
    return orjson.loads(orjson.dumps(data))


@pytest.mark.parametrize("with_request", [True, False])
def test_rows_give_the_serializers_json(varied_claims, with_request):
    request = (
        Request(APIRequestFactory().get("/api/v1/claims/")) if with_request else None
    )
    context = {"request": request} if with_request else {}
    queryset = Claim.objects.order_by("id")
    expected = ClaimSerializer(queryset, many=True, context=context).data
    actual = claim_rows.claim_data(
        queryset.values(*claim_rows.claim_columns()),
        ClaimSerializer(context=context),
    )
    assert as_json(actual) == as_json(expected)


def test_the_claims_list_serves_the_serializers_json(
    api_client, editor_api, varied_claims
):
    request = Request(APIRequestFactory().get("/api/v1/claims/"))
    for client in (api_client, editor_api):
        served = client.get("/api/v1/claims/", {"page_size": 100}).json()["results"]
        assert served
        by_id = Claim.objects.in_bulk([claim["id"] for claim in served])
        expected = ClaimSerializer(
            [by_id[claim["id"]] for claim in served],
            many=True,
            context={"request": request},
        ).data
        assert served == as_json(expected)
