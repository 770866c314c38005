"""The API's conventions, as a client relies on them: one timestamp format,
a ``self`` link on every object, public names that are never login names."""

import re

import pytest

from tests.factories import ClaimFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def _timestamps(data, path=""):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _timestamps(value, f"{path}.{key}")
    elif isinstance(data, list):
        for position, value in enumerate(data):
            yield from _timestamps(value, f"{path}.{position}")
    elif isinstance(data, str) and re.match(r"\d{4}-\d\d-\d\dT", data):
        yield path, data


@pytest.fixture
def published_claim():
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, added_by=UserFactory(first_name="Ada", last_name="L"))
    return claim


def test_every_timestamp_is_utc_with_z_and_microseconds(api_client, published_claim):
    urls = [
        "/api/v1/claims/",
        f"/api/v1/claims/{published_claim.slug}/",
        "/api/v1/evidence/",
        "/api/v1/studies/",
        f"/api/v1/claims/{published_claim.slug}/statement/",
    ]
    seen = 0
    for url in urls:
        for path, value in _timestamps(api_client.get(url).json()):
            assert TIMESTAMP.fullmatch(value), (url, path, value)
            seen += 1
    assert seen > 10


def test_every_object_links_to_itself_in_the_api(api_client, published_claim):
    base = "http://testserver/api/v1"
    link = published_claim.evidence.get()
    claim = api_client.get(f"{base}/claims/{published_claim.slug}/").json()
    assert claim["links"]["self"] == f"{base}/claims/{published_claim.slug}/"
    [evidence] = api_client.get(f"{base}/evidence/").json()["results"]
    assert evidence["links"] == {
        "self": f"{base}/evidence/{link.pk}/",
        "claim": f"{base}/claims/{published_claim.slug}/",
        "study": f"{base}/studies/{link.study_id}/",
    }
    assert api_client.get(evidence["links"]["self"]).json() == evidence
    assert claim["evidence"] == [evidence]
    study = api_client.get(evidence["links"]["study"]).json()
    assert study["links"]["self"] == evidence["links"]["study"]


def test_a_version_links_to_itself(api_client, published_claim):
    versions = api_client.get(f"/api/v1/claims/{published_claim.slug}/versions/")
    assert versions.json()["results"], "a published claim has a version"
    for version in versions.json()["results"]:
        assert api_client.get(version["self"]).json()["number"] == version["number"]


def test_a_release_links_to_itself(api_client, published_claim, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from evidence.releases import release_make

    release_make()
    [release] = api_client.get("/api/v1/releases/").json()["results"]
    assert api_client.get(release["self"]).json() == release


def test_added_by_is_the_full_name_or_a_neutral_label_never_a_login(api_client):
    EvidenceFactory(
        added_by=UserFactory(username="jdoe42", first_name="", last_name="")
    )
    EvidenceFactory(added_by=UserFactory(first_name="Ada", last_name="Lovelace"))
    EvidenceFactory(added_by=None)
    results = api_client.get("/api/v1/evidence/").json()["results"]
    names = sorted(str(item["added_by"]) for item in results)
    assert names == ["Ada Lovelace", "Evidence Atlas curator", "None"]
    export = api_client.get("/api/v1/evidence/?format=csv")
    assert b"jdoe42" not in b"".join(export.streaming_content)


def test_absent_text_is_null_in_reads_and_null_is_accepted_in_writes(
    api_client, curator_api
):
    link = EvidenceFactory(quote="", study__doi="", study__dose="")
    [item] = api_client.get("/api/v1/evidence/").json()["results"]
    assert item["quote"] is None
    assert item["study_brief"]["doi"] is None
    assert item["study_brief"]["dose"] is None
    study = api_client.get(f"/api/v1/studies/{link.study_id}/").json()
    assert study["doi"] is None and study["journal"] != ""
    created = curator_api.post(
        "/api/v1/studies/", {"title": "Untitled trial", "doi": None}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["doi"] is None


def test_the_schema_marks_optional_text_nullable(api_client):
    schema = api_client.get("/api/v1/schema/?format=json").json()
    study = schema["components"]["schemas"]["Study"]["properties"]
    assert study["doi"]["nullable"] is True
    assert "nullable" not in study["title"]


def test_links_after_a_csv_request_carry_no_format(api_client, published_claim):
    # core/reversing.py caches URL templates per origin; DRF's reverse() keeps
    # a request's ?format=, so a CSV answer's templates must stay its own.
    url = f"/api/v1/claims/{published_claim.slug}/"
    api_client.get(url, {"format": "csv"})
    claim = api_client.get(url).json()
    assert claim["links"]["self"] == f"http://testserver{url}"
