"""Items taken down by an editor answer 410 Gone with the reason in the API,
as the claim page does in HTML; a retracted claim's versions stay readable."""

import pytest

from evidence.models import Status
from evidence.services import claim_refresh
from studies.moderation import StudyStatus
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

pytestmark = pytest.mark.django_db


def retracted_claim(editor_api):
    link = EvidenceFactory()
    claim_refresh(claim_id=link.claim.pk)  # version 1, cited
    response = editor_api.delete(
        f"/api/v1/claims/{link.claim.pk}/?reason=Based on a fabricated trial."
    )
    assert response.status_code == 200, response.content
    return link.claim


def test_a_retracted_claim_is_gone_with_its_reason_by_id_and_slug(
    api_client, editor_api
):
    claim = retracted_claim(editor_api)
    for address in (claim.pk, claim.slug):
        response = api_client.get(f"/api/v1/claims/{address}/")
        assert response.status_code == 410
        body = response.json()
        assert body["reason"] == "Based on a fabricated trial."
        assert body["item_status"] == "retracted"
        assert (body["status"], body["code"]) == (410, "gone")
        assert response["Content-Type"] == "application/problem+json"
        assert "Based on a fabricated trial." in body["detail"]
    assert api_client.get(f"/api/v1/claims/{claim.pk}/statement/").status_code == 410
    assert api_client.head(f"/api/v1/claims/{claim.pk}/").status_code == 410


def test_the_claim_page_and_the_api_agree_on_gone(client, api_client, editor_api):
    claim = retracted_claim(editor_api)
    assert client.get(f"/claims/{claim.slug}/").status_code == 410
    assert api_client.get(f"/api/v1/claims/{claim.slug}/").status_code == 410


def test_a_retracted_claims_cited_versions_stay_readable(api_client, editor_api):
    claim = retracted_claim(editor_api)
    versions = api_client.get(f"/api/v1/claims/{claim.pk}/versions/")
    assert versions.status_code == 200
    numbers = [version["number"] for version in versions.json()["results"]]
    assert 1 in numbers
    version = api_client.get(f"/api/v1/claims/{claim.slug}/versions/1/")
    assert version.status_code == 200
    assert version.json()["number"] == 1


def test_editors_still_read_a_retracted_claim(editor_api):
    claim = ClaimFactory(status=Status.RETRACTED, retraction_reason="Duplicate.")
    assert editor_api.get(f"/api/v1/claims/{claim.pk}/").status_code == 200


def test_a_retracted_link_is_gone_with_its_reason(api_client, editor_api):
    link = EvidenceFactory()
    editor_api.delete(f"/api/v1/evidence/{link.pk}/?reason=The quote was misread.")
    response = api_client.get(f"/api/v1/evidence/{link.pk}/")
    assert response.status_code == 410
    assert response.json()["reason"] == "The quote was misread."


def test_a_withdrawn_study_is_gone_with_its_reason(api_client, editor_api):
    study = StudyFactory()
    editor_api.delete(f"/api/v1/studies/{study.pk}/?reason=Not a study.")
    response = api_client.get(f"/api/v1/studies/{study.pk}/")
    assert response.status_code == 410
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "urn:evidence-atlas:problem:gone",
        "title": "Gone",
        "status": 410,
        "code": "gone",
        "detail": "This study was withdrawn by the editors: Not a study.",
        "reason": "Not a study.",
        "item_status": "withdrawn",
    }


def test_a_study_retracted_by_its_publisher_is_not_gone(api_client):
    study = StudyFactory(retracted=True, retraction_date="2024-05-01")
    response = api_client.get(f"/api/v1/studies/{study.pk}/")
    assert response.status_code == 200
    assert response.json()["retracted"] is True


@pytest.mark.parametrize(
    "address",
    [
        "/api/v1/claims/{claim}/",
        "/api/v1/evidence/{link}/",
        "/api/v1/studies/{study}/",
    ],
)
def test_unpublished_and_unknown_items_stay_404(api_client, address):
    link = EvidenceFactory(
        status=Status.DRAFT,
        claim=ClaimFactory(status=Status.DRAFT),
        study=StudyFactory(status=StudyStatus.DRAFT),
    )
    known = address.format(claim=link.claim.pk, link=link.pk, study=link.study.pk)
    assert api_client.get(known).status_code == 404
    unknown = address.format(claim=999999, link=999999, study=999999)
    assert api_client.get(unknown).status_code == 404
    assert (
        api_client.get(address.format(claim="x", link="x", study="x")).status_code
        == 404
    )


def test_the_schema_documents_410_on_reads_of_one_item(api_client):
    schema = api_client.get("/api/v1/schema/?format=json").json()
    for path in (
        "/api/v1/claims/{slug}/",
        "/api/v1/evidence/{id}/",
        "/api/v1/studies/{id}/",
    ):
        gone = schema["paths"][path]["get"]["responses"]["410"]
        assert gone == {"$ref": "#/components/responses/Gone"}
    response = schema["components"]["responses"]["Gone"]
    body = response["content"]["application/problem+json"]["schema"]
    assert body == {"$ref": "#/components/schemas/GoneProblem"}
    required = schema["components"]["schemas"]["GoneProblem"]["required"]
    assert {"status", "code", "detail", "reason", "item_status"} <= set(required)


def test_a_retracted_claims_earlier_slug_is_gone_too(api_client, editor_api):
    claim = ClaimFactory()
    old_slug = claim.slug
    claim.slug = "a-new-name-for-it"
    claim.save()
    claim.status, claim.retraction_reason = Status.RETRACTED, "Duplicate."
    claim.save()
    response = api_client.get(f"/api/v1/claims/{old_slug}/")
    assert response.status_code == 410
    assert response.json()["reason"] == "Duplicate."
