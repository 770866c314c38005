"""Claims' permanent ids, as a client sees them over HTTP (issue 14 item 3)."""

import pytest
from django.core.exceptions import ValidationError

from evidence.models import Claim, unique_slug_for
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import field_errors

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
EVIDENCE = "/api/v1/evidence/"
STUDIES = "/api/v1/studies/"


def test_claims_expose_their_integer_id_in_list_and_detail(api_client):
    claim = ClaimFactory(statement="Compound A eases pain")
    listed = api_client.get(CLAIMS).json()["results"][0]
    assert listed["id"] == claim.pk
    detail = api_client.get(f"{CLAIMS}{claim.slug}/").json()
    assert detail["id"] == claim.pk


def test_a_claim_is_read_by_its_id_as_by_its_slug(api_client):
    claim = ClaimFactory(statement="Compound A eases pain")
    EvidenceFactory(claim=claim)
    by_id = api_client.get(f"{CLAIMS}{claim.pk}/")
    assert by_id.status_code == 200, by_id.content
    assert by_id.json() == api_client.get(f"{CLAIMS}{claim.slug}/").json()
    assert api_client.get(f"{CLAIMS}{claim.pk + 1000}/").status_code == 404


def test_an_unpublished_claim_is_as_unknown_by_id_as_by_slug(api_client):
    claim = ClaimFactory(status="draft")
    assert api_client.get(f"{CLAIMS}{claim.pk}/").status_code == 404


def test_evidence_rows_carry_the_claim_id_beside_its_slug(api_client):
    link = EvidenceFactory()
    item = api_client.get(EVIDENCE).json()["results"][0]
    assert item["claim"] == link.claim.slug
    assert item["claim_id"] == link.claim_id
    detail = api_client.get(f"{EVIDENCE}{link.pk}/").json()
    assert detail["claim_id"] == link.claim_id


def test_evidence_and_studies_filter_by_claim_id_slug_or_earlier_slug(api_client):
    claim = ClaimFactory(statement="Compound A eases pain")
    other = ClaimFactory(statement="Compound B lifts mood")
    mine = EvidenceFactory(claim=claim, study=StudyFactory())
    EvidenceFactory(claim=other, study=StudyFactory())
    old_slug = claim.slug
    claim.slug = "compound-a-relieves-pain"
    claim.save()
    for value in (claim.pk, claim.slug, old_slug):
        response = api_client.get(EVIDENCE, {"claim": value})
        assert response.status_code == 200, (value, response.content)
        assert [row["id"] for row in response.json()["results"]] == [mine.pk]
        response = api_client.get(STUDIES, {"claim": value})
        assert response.status_code == 200, (value, response.content)
        assert [row["id"] for row in response.json()["results"]] == [mine.study_id]
    both = api_client.get(EVIDENCE, {"claim": [claim.pk, other.slug]})
    assert both.json()["count"] == 2


def test_an_unknown_claim_id_is_a_400_naming_the_parameter(api_client):
    ClaimFactory()
    response = api_client.get(EVIDENCE, {"claim": 99999})
    assert response.status_code == 400
    assert "claim" in field_errors(response)


def test_a_slug_of_digits_only_is_refused(editor_api):
    response = editor_api.post(
        CLAIMS,
        {"slug": "2024", "statement": "Compound A eases pain", "topic": "effect"},
        format="json",
    )
    assert response.status_code == 400
    assert "slug" in field_errors(response)
    claim = Claim(slug="123", statement="Anything", topic="effect")
    with pytest.raises(ValidationError, match="digits"):
        claim.full_clean()


def test_a_statement_of_digits_never_derives_a_digits_only_slug():
    assert not unique_slug_for("2024").isdigit()
    assert unique_slug_for("2024") == "claim-2024"


@pytest.mark.parametrize("value", ["²3", "٣", "99999999999999999999999"])
def test_a_claim_value_that_only_looks_like_an_id_is_a_400_not_a_500(api_client, value):
    """Python calls "²3" a digit string; int() refuses it (found by the fuzzer)."""
    for path in ("/api/v1/studies/", "/api/v1/evidence/"):
        response = api_client.get(path, {"claim": value})
        assert response.status_code == 400, (path, value)
        assert "claim" in field_errors(response)
