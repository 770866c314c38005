"""Incremental sync over HTTP: updated_since and ordering by updated
(issue 14 item 1, without the change feed)."""

import datetime

import pytest
from django.utils import timezone

from evidence.models import Claim, Evidence
from evidence.services import claim_refresh, claims_refresh_all
from studies.models import Study
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import field_errors, queries_per_request

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
EVIDENCE = "/api/v1/evidence/"
STUDIES = "/api/v1/studies/"
LISTS = [(CLAIMS, Claim, "slug"), (STUDIES, Study, "id"), (EVIDENCE, Evidence, "id")]


def keys(response, key):
    assert response.status_code == 200, response.content
    return [item[key] for item in response.json()["results"]]


def backdate(model, pk, when):
    model.objects.filter(pk=pk).update(updated=when)


@pytest.mark.parametrize(("url", "model", "key"), LISTS)
def test_updated_since_lists_only_rows_changed_at_or_after_the_time(
    api_client, url, model, key
):
    EvidenceFactory(study=StudyFactory())
    EvidenceFactory(study=StudyFactory())
    old, new = list(model.objects.order_by("pk"))[:2]
    backdate(model, old.pk, datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    backdate(model, new.pk, datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC))
    for since in ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00", "2026-01-01"):
        response = api_client.get(url, {"updated_since": since})
        assert keys(response, key) == [getattr(new, key)], since
    # An unencoded "+" of an offset arrives as a space.
    response = api_client.get(url + "?updated_since=2026-06-01T02:00:00+02:00")
    assert keys(response, key) == [getattr(new, key)]
    response = api_client.get(url, {"updated_since": "2999-01-01T00:00:00Z"})
    assert keys(response, key) == []


@pytest.mark.parametrize(("url", "model", "key"), LISTS)
@pytest.mark.parametrize("since", ["yesterday", "2026-13-01", "0001-01-01T00:00+05:00"])
def test_a_malformed_updated_since_is_a_400_saying_what_is_expected(
    api_client, url, model, key, since
):
    response = api_client.get(url, {"updated_since": since})
    assert response.status_code == 400
    assert "ISO 8601" in str(field_errors(response)["updated_since"])


@pytest.mark.parametrize(("url", "model", "key"), LISTS)
def test_ordering_by_updated_both_ways(api_client, url, model, key):
    for _ in range(3):
        EvidenceFactory(study=StudyFactory())
    rows = list(model.objects.order_by("pk"))[:3]
    base = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    for offset, row in zip((2, 0, 1), rows, strict=True):
        backdate(model, row.pk, base + datetime.timedelta(days=offset))
    expected = [getattr(rows[i], key) for i in (1, 2, 0)]
    ascending = keys(api_client.get(url, {"ordering": "updated"}), key)
    assert [k for k in ascending if k in expected] == expected
    descending = keys(api_client.get(url, {"ordering": "-updated"}), key)
    assert [k for k in descending if k in expected] == expected[::-1]


def claim_updated(api_client, claim):
    return api_client.get(f"{CLAIMS}{claim.slug}/").json()["updated"]


def test_a_claims_updated_moves_when_a_link_changes_its_profile(api_client):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim)
    backdate(Claim, claim.pk, datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    before = claim_updated(api_client, claim)
    since = timezone.now().isoformat()
    EvidenceFactory(claim=claim, direction="contradicts")
    assert claim_updated(api_client, claim) > before
    listed = keys(api_client.get(CLAIMS, {"updated_since": since}), "slug")
    assert listed == [claim.slug]


def test_a_refresh_that_changes_nothing_keeps_updated(api_client):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim)
    old = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    backdate(Claim, claim.pk, old)
    claim_refresh(claim_id=claim.pk)
    claims_refresh_all()
    assert Claim.objects.get(pk=claim.pk).updated == old


def test_a_bulk_refresh_moves_updated_of_changed_claims_only(api_client):
    changed, unchanged = ClaimFactory(), ClaimFactory()
    EvidenceFactory(claim=unchanged)
    old = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    # A link written without signals, as bulk loads do.
    Evidence.objects.bulk_create(
        [EvidenceFactory.build(claim=changed, study=StudyFactory())]
    )
    backdate(Claim, changed.pk, old)
    backdate(Claim, unchanged.pk, old)
    claims_refresh_all()
    assert Claim.objects.get(pk=changed.pk).updated > old
    assert Claim.objects.get(pk=unchanged.pk).updated == old


@pytest.mark.parametrize(("url", "model", "key"), LISTS)
def test_a_sync_read_makes_as_many_queries_for_many_rows_as_for_few(
    api_client, url, model, key
):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, study=StudyFactory())
    query = {
        "updated_since": "2020-01-01T00:00:00Z",
        "ordering": "updated",
        "page_size": 100,
    }
    if url != CLAIMS:
        query["claim"] = claim.pk

    def read():
        assert api_client.get(url, query).status_code == 200

    few = queries_per_request(read)
    for _ in range(15):
        EvidenceFactory(claim=claim, study=StudyFactory())
        ClaimFactory()
    many = queries_per_request(read)
    assert many == few
