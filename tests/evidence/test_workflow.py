"""Moderated publishing, per role, through the API and the workflow rules."""

import pytest

from evidence.models import Claim, Evidence, Revision, Status
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
EVIDENCE = "/api/v1/evidence/"
REVISIONS = "/api/v1/revisions/"


def test_new_claims_start_as_drafts_and_stay_private(curator_api, api_client):
    slug = curator_api.post(
        CLAIMS, {"statement": "Draft claim", "topic": "effect"}, format="json"
    ).json()["slug"]
    assert Claim.objects.get(slug=slug).status == Status.DRAFT
    assert api_client.get(f"{CLAIMS}{slug}/").status_code == 404


def test_curator_submits_for_review_but_cannot_publish(curator_api):
    claim = ClaimFactory(status=Status.DRAFT)
    submitted = curator_api.patch(
        f"{CLAIMS}{claim.slug}/", {"status": "in_review"}, format="json"
    )
    assert submitted.status_code == 200
    refused = curator_api.patch(
        f"{CLAIMS}{claim.slug}/", {"status": "published"}, format="json"
    )
    assert refused.status_code == 403
    assert "Only editors can publish" in refused.json()["detail"]
    claim.refresh_from_db()
    assert claim.status == Status.IN_REVIEW


def test_curator_cannot_create_published_work(curator_api):
    claim, study = ClaimFactory(), StudyFactory()
    response = curator_api.post(
        EVIDENCE,
        {
            "claim": claim.slug,
            "study": study.pk,
            "evidence_type": "controlled",
            "direction": "supports",
            "finding": "f",
            "status": "published",
        },
        format="json",
    )
    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_editor_publishes_and_the_public_then_sees_it(editor_api, api_client):
    claim = ClaimFactory(status=Status.IN_REVIEW)
    assert (
        editor_api.patch(
            f"{CLAIMS}{claim.slug}/", {"status": "published"}, format="json"
        ).status_code
        == 200
    )
    assert api_client.get(f"{CLAIMS}{claim.slug}/").status_code == 200


def test_editor_sends_back_with_a_comment(editor_api):
    claim = ClaimFactory(status=Status.IN_REVIEW)
    without = editor_api.patch(
        f"{CLAIMS}{claim.slug}/", {"status": "draft"}, format="json"
    )
    assert without.status_code == 400
    assert "review_comment" in without.json()
    sent_back = editor_api.patch(
        f"{CLAIMS}{claim.slug}/",
        {"status": "draft", "review_comment": "Cite the trial, not the press release."},
        format="json",
    )
    assert sent_back.status_code == 200
    assert (
        sent_back.json()["review_comment"] == "Cite the trial, not the press release."
    )


def test_curator_change_to_published_work_becomes_a_suggested_revision(
    curator_api, api_client, curator
):
    link = EvidenceFactory(finding="Published finding.")
    response = curator_api.patch(
        f"{EVIDENCE}{link.pk}/", {"finding": "Better finding."}, format="json"
    )
    assert response.status_code == 202
    revision = Revision.objects.get()
    assert response.json()["id"] == revision.pk
    assert revision.changes == {"finding": "Better finding."}
    assert revision.original == {"finding": "Published finding."}
    assert revision.proposed_by == curator
    link.refresh_from_db()
    assert link.finding == "Published finding."
    assert (
        api_client.get(f"{EVIDENCE}{link.pk}/").json()["finding"]
        == "Published finding."
    )


def test_editor_accepts_a_revision(curator_api, editor_api, editor):
    claim = ClaimFactory(statement="Old wording")
    curator_api.patch(
        f"{CLAIMS}{claim.slug}/", {"statement": "New wording"}, format="json"
    )
    revision = Revision.objects.get()
    assert curator_api.post(f"{REVISIONS}{revision.pk}/accept/").status_code == 403
    accepted = editor_api.post(f"{REVISIONS}{revision.pk}/accept/")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    claim.refresh_from_db()
    assert claim.statement == "New wording"
    assert claim.slug == "old-wording"
    record = claim.history.first()
    assert record.history_user == editor
    assert "Accepted revision" in record.history_change_reason


def test_editor_rejects_a_revision_with_a_comment(curator_api, editor_api):
    claim = ClaimFactory(statement="Keep me")
    curator_api.patch(
        f"{CLAIMS}{claim.slug}/", {"statement": "Change me"}, format="json"
    )
    revision = Revision.objects.get()
    assert (
        editor_api.post(
            f"{REVISIONS}{revision.pk}/reject/", {}, format="json"
        ).status_code
        == 400
    )
    rejected = editor_api.post(
        f"{REVISIONS}{revision.pk}/reject/",
        {"review_comment": "Overstated."},
        format="json",
    )
    assert rejected.json()["status"] == "rejected"
    claim.refresh_from_db()
    assert claim.statement == "Keep me"
    assert editor_api.post(f"{REVISIONS}{revision.pk}/accept/").status_code == 400


def test_a_stale_revision_cannot_be_accepted(curator_api, editor_api):
    claim = ClaimFactory(statement="Version one")
    curator_api.patch(
        f"{CLAIMS}{claim.slug}/", {"statement": "Version two"}, format="json"
    )
    editor_api.patch(
        f"{CLAIMS}{claim.slug}/", {"statement": "Version three"}, format="json"
    )
    revision = Revision.objects.get()
    response = editor_api.post(f"{REVISIONS}{revision.pk}/accept/")
    assert response.status_code == 409
    assert "changed since this revision was proposed" in str(response.json())
    claim.refresh_from_db()
    assert claim.statement == "Version three"


def test_editor_edits_published_work_directly(editor_api):
    claim = ClaimFactory(statement="Direct")
    response = editor_api.patch(
        f"{CLAIMS}{claim.slug}/", {"description": "Edited by an editor"}, format="json"
    )
    assert response.status_code == 200
    assert not Revision.objects.exists()


def test_deleting_published_work_retracts_it_with_a_reason(
    editor_api, curator_api, api_client
):
    link = EvidenceFactory()
    missing_reason = editor_api.delete(f"{EVIDENCE}{link.pk}/")
    assert missing_reason.status_code == 400
    assert "reason" in missing_reason.json(), "the error names the query parameter"
    retracted = editor_api.delete(
        f"{EVIDENCE}{link.pk}/?reason=Study retracted for data fabrication"
    )
    assert retracted.status_code == 200
    assert retracted.json()["status"] == "retracted"
    link.refresh_from_db()
    assert link.retraction_reason == "Study retracted for data fabrication"
    # Gone, with the reason (tests/changes/test_tombstones.py), not unknown.
    assert api_client.get(f"{EVIDENCE}{link.pk}/").status_code == 410
    assert curator_api.get(f"{EVIDENCE}{link.pk}/").status_code == 410
    assert editor_api.get(f"{EVIDENCE}{link.pk}/").status_code == 200
    link.claim.refresh_from_db()
    assert link.claim.evidence_count == 0


def test_retracted_work_is_kept(editor_api):
    link = EvidenceFactory(status=Status.RETRACTED, retraction_reason="r")
    assert editor_api.delete(f"{EVIDENCE}{link.pk}/?reason=again").status_code == 400
    assert Evidence.objects.filter(pk=link.pk).exists()


def test_curators_filter_by_status(curator_api, api_client):
    ClaimFactory(status=Status.DRAFT, statement="A draft")
    ClaimFactory(status=Status.IN_REVIEW, statement="In review")
    ClaimFactory(statement="Public")
    body = curator_api.get(f"{CLAIMS}?status=draft&status=in_review").json()
    assert sorted(item["statement"] for item in body["results"]) == [
        "A draft",
        "In review",
    ]
    assert api_client.get(f"{CLAIMS}?status=draft").json()["count"] == 0


def test_retracted_study_is_flagged_and_stops_counting(api_client):
    link = EvidenceFactory()
    study = link.study
    study.retracted = True
    study.retraction_date = "2024-05-01"
    study.retraction_url = "https://example.org/retraction"
    study.save()
    body = api_client.get(f"{EVIDENCE}{link.pk}/").json()
    assert body["study_brief"]["retracted"] is True
    assert body["study_brief"]["retraction_date"] == "2024-05-01"
    link.claim.refresh_from_db()
    assert link.claim.evidence_count == 0


def test_retraction_of_a_study_needs_a_date(curator_api):
    study = StudyFactory()
    response = curator_api.patch(
        f"/api/v1/studies/{study.pk}/", {"retracted": True}, format="json"
    )
    assert response.status_code == 400
    assert "retraction_date" in response.json()


def test_history_records_api_changes_with_the_token_user(curator_api, curator):
    claim = ClaimFactory(status=Status.DRAFT)
    curator_api.patch(
        f"{CLAIMS}{claim.slug}/", {"description": "Changed via the API"}, format="json"
    )
    record = claim.history.first()
    assert record.history_user == curator
    delta = record.diff_against(record.prev_record)
    assert [change.field for change in delta.changes] == ["description"]


def test_a_bulk_status_change_refreshes_each_claim_once(editor):
    from evidence.workflow import items_set_status

    claims = [ClaimFactory(), ClaimFactory()]
    links = [
        EvidenceFactory(claim=claim, status=Status.IN_REVIEW)
        for claim in claims
        for _ in range(3)
    ]
    versions_before = {claim.pk: claim.versions.count() for claim in claims}

    assert items_set_status(items=links, user=editor, new_status=Status.PUBLISHED) == 6

    for claim in claims:
        claim.refresh_from_db()
        assert claim.evidence_count == 3
        assert claim.versions.count() == versions_before[claim.pk] + 1
