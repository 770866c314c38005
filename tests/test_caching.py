"""Cached counts and responses: cheap reads that never outlive a write."""

import pytest

from evidence.models import Status
from tests.factories import ClaimFactory, EvidenceFactory
from tests.utils import queries_during

pytestmark = pytest.mark.django_db

EVIDENCE = "/api/v1/evidence/"


def test_a_repeated_anonymous_read_is_served_from_the_cache(api_client):
    EvidenceFactory.create_batch(3)
    first = api_client.get(EVIDENCE)
    # One query: the data version (one row), read once per request so that
    # another process's write is seen at once.
    assert queries_during(lambda: api_client.get(EVIDENCE)) == 1
    second = api_client.get(EVIDENCE)
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Cache-Control"] == first["Cache-Control"]
    assert second["ETag"] == first["ETag"]


def test_a_write_makes_cached_responses_and_counts_stale(api_client):
    link = EvidenceFactory()
    assert api_client.get(EVIDENCE).json()["count"] == 1
    EvidenceFactory(claim=link.claim)
    assert api_client.get(EVIDENCE).json()["count"] == 2
    claim_url = f"/api/v1/claims/{link.claim.slug}/"
    assert api_client.get(claim_url).json()["evidence_summary"]["total"] == 2
    link.status = Status.RETRACTED
    link.save()
    assert api_client.get(EVIDENCE).json()["count"] == 1
    assert api_client.get(claim_url).json()["evidence_summary"]["total"] == 1


def test_signed_in_reads_are_never_served_from_the_cache(curator_api):
    EvidenceFactory()
    curator_api.get(EVIDENCE)
    assert queries_during(lambda: curator_api.get(EVIDENCE)) > 0


def test_counts_are_cached_per_filter(api_client, settings):
    settings.API_RESPONSE_CACHE_SECONDS = 0
    EvidenceFactory.create_batch(2)
    EvidenceFactory(evidence_type="anecdotal")
    first = queries_during(lambda: api_client.get(EVIDENCE))
    assert queries_during(lambda: api_client.get(EVIDENCE)) == first - 1
    filtered = api_client.get(EVIDENCE, {"evidence_type": "anecdotal"}).json()
    assert filtered["count"] == 1


def test_reader_pages_count_through_the_cache(client):
    ClaimFactory.create_batch(3)
    client.get("/claims/")
    before = queries_during(lambda: client.get("/claims/"))
    ClaimFactory()
    assert "4 claims" in client.get("/claims/").content.decode()
    assert queries_during(lambda: client.get("/claims/")) == before


def test_claim_page_rows_follow_writes(client):
    claim = ClaimFactory()
    first = EvidenceFactory(
        claim=claim, study__title="An early trial", study__year=2001
    )
    url = claim.get_absolute_url()
    assert "An early trial" in client.get(url).content.decode()
    EvidenceFactory(claim=claim, study__title="A newer trial", study__year=2020)
    page = client.get(url).content.decode()
    assert page.index("A newer trial") < page.index("An early trial")
    first.status = Status.RETRACTED
    first.save()
    assert "An early trial" not in client.get(url).content.decode()


def test_cached_responses_are_kept_apart_per_host(api_client, settings):
    settings.ALLOWED_HOSTS = ["testserver", "atlas.example.org"]
    EvidenceFactory()
    api_client.get(EVIDENCE)
    other = api_client.get(EVIDENCE, HTTP_HOST="atlas.example.org").json()
    assert other["results"][0]["claim_link"].startswith("http://atlas.example.org/")


def test_a_claims_versions_count_is_not_the_count_of_the_claims_list(api_client):
    """Both lists belong to ClaimViewSet and have no filters: their cached
    counts are kept apart by path (a claims list once read "count": 1)."""
    claims = ClaimFactory.create_batch(3, status=Status.PUBLISHED)
    versions = api_client.get(f"/api/v1/claims/{claims[0].slug}/versions/").json()
    assert versions["count"] == 1
    listing = api_client.get("/api/v1/claims/", {"page_size": 2, "page": 2})
    assert listing.status_code == 200
    assert listing.json()["count"] == 3
    other = api_client.get(f"/api/v1/claims/{claims[1].slug}/versions/").json()
    assert other["count"] == 1


def test_an_entry_is_computed_once_per_data_version_and_a_write_makes_it_stale():
    from dataversion import caching

    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    def read():
        return caching.remember("test", "material", compute, 60, in_process=True)

    assert read() == 1
    assert read() == 1
    ClaimFactory()
    assert read() == 2
    assert read() == 2


def test_reset_empties_the_shared_cache_and_the_process_memo():
    from dataversion import caching

    calls = []

    def read():
        return caching.remember(
            "test", "reset", lambda: calls.append(1) or len(calls), 60, in_process=True
        )

    read()
    caching.reset()
    assert read() == 2
