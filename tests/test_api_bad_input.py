"""Bad requests get a clear 4xx with a message, never a 500, and change nothing.

Each test here is a failure the API fuzzer (.ci/fuzz.py) found.
"""

from urllib.parse import urlencode

import pytest

from evidence.models import Claim, Evidence, Revision, Status
from studies.models import Study
from tests.factories import ClaimFactory, CuratorFactory, EvidenceFactory
from tests.utils import error_codes, field_errors

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
EVIDENCE = "/api/v1/evidence/"
STUDIES = "/api/v1/studies/"


def test_errors_of_a_list_field_name_the_position_at_fault(curator_api):
    response = curator_api.post(
        STUDIES, {"title": "A trial", "authors": ["Ly C", ""]}, format="json"
    )
    assert response.status_code == 400
    assert field_errors(response) == {"authors.1": ["This field may not be blank."]}
    assert error_codes(response) == {"authors.1": "blank"}
    assert not Study.objects.exists()


def test_errors_of_a_csv_export_are_json(api_client):
    response = api_client.get(f"{EVIDENCE}?format=csv&study=0")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field_errors(response) == {
        "study": ["Select a valid choice. 0 is not one of the available choices."]
    }
    assert error_codes(response) == {"study": "invalid_choice"}


def test_errors_of_a_single_resource_asked_for_as_csv_are_json(api_client):
    response = api_client.get(f"{CLAIMS}no-such-claim/?format=csv")
    assert response.status_code == 404
    assert response.json()["detail"] == "No Claim matches the given query."


def test_a_renamed_claim_asked_for_as_csv_redirects_in_json(api_client):
    claim = ClaimFactory(status=Status.PUBLISHED)
    old = claim.slug
    claim.slug = "renamed"
    claim.save()
    response = api_client.get(f"{CLAIMS}{old}/?format=csv")
    assert response.status_code == 301
    assert response["Location"].endswith(f"{CLAIMS}renamed/?format=csv")
    assert response.json()["detail"] == f"Moved permanently to {response['Location']}"
    assert response.json()["location"] == response["Location"]


def test_an_api_address_that_matches_no_route_is_a_json_404(api_client):
    response = api_client.get("/api/v1/releases/%C2%84/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Not found."
    assert response.json()["code"] == "not_found"


def test_a_page_address_that_matches_no_route_is_still_the_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("size", ["abc", "0", "-3", "", "1.5"])
def test_a_page_size_that_is_not_a_positive_whole_number_is_a_400(api_client, size):
    response = api_client.get(EVIDENCE, {"page_size": size})
    assert response.status_code == 400
    assert list(field_errors(response)) == ["page_size"]


def test_a_page_size_applies_to_cursor_pages_too(api_client):
    response = api_client.get(EVIDENCE, {"cursor": "", "page_size": "many"})
    assert response.status_code == 400
    assert list(field_errors(response)) == ["page_size"]


def test_a_long_retraction_reason_is_kept_whole_and_shortened_in_the_history(
    editor_api,
):
    claim = ClaimFactory(status=Status.PUBLISHED)
    reason = "Retracted because " + "the pooled analysis was withdrawn, " * 10
    response = editor_api.delete(
        f"{CLAIMS}{claim.slug}/?{urlencode({'reason': reason})}"
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == Status.RETRACTED
    assert claim.retraction_reason == reason.strip()
    change_reason = claim.history.latest().history_change_reason
    assert change_reason.startswith("Retracted: Retracted because the pooled")
    assert len(change_reason) <= 100


def test_a_retraction_reason_with_a_null_character_is_a_400(editor_api):
    link = EvidenceFactory(status=Status.PUBLISHED)
    response = editor_api.delete(f"{EVIDENCE}{link.pk}/?reason=bad%00reason")
    assert response.status_code == 400
    assert field_errors(response) == {"reason": ["Null characters are not allowed."]}
    link.refresh_from_db()
    assert link.status == Status.PUBLISHED


def test_accepting_a_revision_by_a_curator_with_a_long_name_records_it(editor_api):
    curator = CuratorFactory(first_name="Anna-" * 20, last_name="Smith-" * 20)
    claim = ClaimFactory(status=Status.PUBLISHED)
    revision = Revision.objects.create(
        claim=claim,
        changes={"statement": "A clearer statement"},
        original={"statement": claim.statement},
        proposed_by=curator,
    )
    response = editor_api.post(f"/api/v1/revisions/{revision.pk}/accept/")
    assert response.status_code == 200
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.statement == "A clearer statement"
    assert len(claim.history.latest().history_change_reason) <= 100


def test_indirectness_reasons_must_be_a_list_of_known_reasons(curator_api):
    link = EvidenceFactory(status=Status.DRAFT)
    for value in (None, "full_dose", ["vibes"]):
        response = curator_api.patch(
            f"{EVIDENCE}{link.pk}/", {"indirectness_reasons": value}, format="json"
        )
        assert response.status_code == 400, value
        fields = {name.split(".")[0] for name in field_errors(response)}
        assert fields == {"indirectness_reasons"}
    assert Evidence.objects.get(pk=link.pk).indirectness_reasons == []


@pytest.mark.parametrize("sample_size", [2**31, 10**12])
def test_a_sample_size_beyond_the_schema_maximum_is_refused_on_every_database(
    curator_api, api_client, sample_size
):
    # SQLite would store it, and the schema (maximum 2147483647) could no
    # longer describe the study read back.
    response = curator_api.post(
        STUDIES, {"title": "A trial", "sample_size": sample_size}, format="json"
    )
    assert response.status_code == 400
    assert error_codes(response) == {"sample_size": "max_value"}
    assert not Study.objects.exists()
    schema = api_client.get("/api/v1/schema/?format=json").json()
    maximum = schema["components"]["schemas"]["Study"]["properties"]["sample_size"]
    assert maximum["maximum"] == 2**31 - 1
