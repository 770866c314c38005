"""No lost updates: ETag and If-Match in the API, an edit token in the admin."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from evidence.models import Claim, Evidence, Status
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

pytestmark = pytest.mark.django_db


def test_single_resources_carry_an_etag_that_revalidates(api_client):
    link = EvidenceFactory()
    response = api_client.get(f"/api/v1/evidence/{link.pk}/")
    etag = response["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    assert (
        api_client.get(
            f"/api/v1/evidence/{link.pk}/", HTTP_IF_NONE_MATCH=etag
        ).status_code
        == 304
    )


def test_a_write_with_a_stale_if_match_is_refused_with_412(curator_api):
    claim = ClaimFactory(status=Status.DRAFT)
    url = f"/api/v1/claims/{claim.slug}/"
    etag = curator_api.get(url)["ETag"]
    first = curator_api.patch(
        url, {"description": "First curator"}, format="json", HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200
    second = curator_api.patch(
        url, {"description": "Second curator"}, format="json", HTTP_IF_MATCH=etag
    )
    assert second.status_code == 412
    assert "changed since you fetched it" in second.json()["detail"]
    claim.refresh_from_db()
    assert claim.description == "First curator"
    fresh = curator_api.get(url)["ETag"]
    assert (
        curator_api.patch(
            url, {"description": "Second, rebased"}, format="json", HTTP_IF_MATCH=fresh
        ).status_code
        == 200
    )


def test_a_write_without_if_match_is_accepted(curator_api):
    study = StudyFactory(status="draft")
    assert (
        curator_api.patch(
            f"/api/v1/studies/{study.pk}/", {"journal": "J"}, format="json"
        ).status_code
        == 200
    )


def test_stale_if_match_on_delete_is_412(editor_api):
    link = EvidenceFactory(status=Status.DRAFT)
    url = f"/api/v1/evidence/{link.pk}/"
    etag = editor_api.get(url)["ETag"]
    editor_api.patch(url, {"finding": "Changed meanwhile."}, format="json")
    assert editor_api.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert Evidence.objects.filter(pk=link.pk).exists()


def test_admin_detects_a_conflicting_edit(curator_client, client):
    from tests.factories import CuratorFactory

    claim = ClaimFactory(status=Status.DRAFT, statement="Shared claim")
    url = reverse("admin:evidence_claim_change", args=[claim.pk])
    form = curator_client.get(url).context["adminform"].form
    token = form["loaded_updated"].value()
    other = CuratorFactory(username="other-curator")
    client.force_login(other)
    data = {
        "statement": "Shared claim",
        "topic": "effect",
        "status": "draft",
        "description": "Other's edit",
        "review_comment": "",
        "retraction_reason": "",
        "loaded_updated": token,
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "1000",
    }
    assert client.post(url, data).status_code == 302
    mine = curator_client.post(url, {**data, "description": "My edit"})
    assert mine.status_code == 200
    assert "changed this claim while you were editing" in mine.content.decode()
    claim.refresh_from_db()
    assert claim.description == "Other's edit"


@pytest.mark.django_db(transaction=True)
def test_concurrent_if_match_writers_cannot_both_win():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises all writers anyway")
    from tests.conftest import token_client_for
    from tests.factories import CuratorFactory

    claim = ClaimFactory(status=Status.DRAFT)
    url = f"/api/v1/claims/{claim.slug}/"
    clients = [token_client_for(CuratorFactory()) for _ in range(4)]
    etag = clients[0].get(url)["ETag"]
    statuses = []

    def write(api, text):
        statuses.append(
            api.patch(
                url, {"description": text}, format="json", HTTP_IF_MATCH=etag
            ).status_code
        )
        connection.close()

    threads = [
        threading.Thread(target=write, args=(api, f"writer {i}"))
        for i, api in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 412, 412, 412]
    assert Claim.objects.get(pk=claim.pk).description.startswith("writer ")


@pytest.mark.django_db(transaction=True)
def test_studies_of_the_same_claims_changed_at_once_do_not_deadlock(monkeypatch):
    """A study's change refreshes every claim it is linked to, locking each;
    two such changes must lock shared claims in the same order."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises all writers anyway")
    from django.db import transaction

    from evidence import services
    from studies.models import Study
    from tests.factories import StudyFactory

    first, second = ClaimFactory.create_batch(2, status=Status.PUBLISHED)
    studies = StudyFactory.create_batch(2, design="rct")
    # Linked in opposite orders: newest link first would lock them crosswise.
    for claim in (first, second):
        EvidenceFactory(claim=claim, study=studies[0])
    for claim in (second, first):
        EvidenceFactory(claim=claim, study=studies[1])

    refresh = services.claim_refresh
    # Each change holds its first claim until the other holds one too (or a
    # second has passed: it is waiting for the same claim).
    both_hold_one = threading.Barrier(2, timeout=1)
    waited = threading.local()

    def refresh_then_wait(**kwargs):
        claim = refresh(**kwargs)
        if not getattr(waited, "done", False):
            waited.done = True
            try:
                both_hold_one.wait()
            except threading.BrokenBarrierError:
                pass
        return claim

    monkeypatch.setattr(services, "claim_refresh", refresh_then_wait)
    errors = []

    def change(study_id):
        try:
            with transaction.atomic():
                study = Study.objects.get(pk=study_id)
                study.design = "survey"
                study.save()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=change, args=(study.pk,)) for study in studies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(Study.objects.values_list("design", flat=True)) == {"survey"}
