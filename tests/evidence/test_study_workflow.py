"""Studies under review like claims and links, and the one save-or-revise rule
(issue 11, items 4-5 and its bad input), through the API."""

import pytest
from django.urls import reverse

from evidence.models import Claim, ClaimVersion, Evidence, Revision, Status
from studies.models import Study
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import field_errors

pytestmark = pytest.mark.django_db

STUDIES = "/api/v1/studies/"
EVIDENCE = "/api/v1/evidence/"
CLAIMS = "/api/v1/claims/"
REVISIONS = "/api/v1/revisions/"


def trial_backed_claim():
    """A published claim whose certainty rests on two published trials."""
    claim = ClaimFactory()
    study = StudyFactory(design="rct", sample_size=400)
    EvidenceFactory(claim=claim, study=study)
    EvidenceFactory(claim=claim, study__design="rct", study__sample_size=400)
    claim.refresh_from_db()
    return claim, study


def test_curator_retraction_of_a_published_study_waits_for_an_editor(
    curator_api, editor_api
):
    claim, study = trial_backed_claim()
    certainty, versions = claim.certainty, ClaimVersion.objects.count()
    response = curator_api.patch(
        f"{STUDIES}{study.pk}/",
        {"retracted": True, "retraction_date": "2025-01-02"},
        format="json",
    )
    assert response.status_code == 202
    revision = Revision.objects.get(pk=response.json()["id"])
    assert response.json()["study"] == study.pk
    assert revision.changes == {"retracted": True, "retraction_date": "2025-01-02"}
    study.refresh_from_db()
    claim.refresh_from_db()
    assert study.retracted is False
    assert claim.certainty == certainty
    assert ClaimVersion.objects.count() == versions

    accepted = editor_api.post(f"{REVISIONS}{revision.pk}/accept/")
    assert accepted.status_code == 200
    study.refresh_from_db()
    claim.refresh_from_db()
    assert study.retracted is True
    assert ClaimVersion.objects.count() == versions + 1
    assert not Evidence.objects.filter(study=study).counted().exists()


def test_curator_retitle_is_not_public_until_accepted(
    curator_api, editor_api, api_client, client
):
    study = StudyFactory(title="The published title")
    response = curator_api.patch(
        f"{STUDIES}{study.pk}/", {"title": "A curator's new title"}, format="json"
    )
    assert response.status_code == 202
    assert api_client.get(f"{STUDIES}{study.pk}/").json()["title"] == (
        "The published title"
    )
    assert "new title" not in client.get(study.get_absolute_url()).content.decode()
    editor_api.post(f"{REVISIONS}{response.json()['id']}/accept/")
    assert api_client.get(f"{STUDIES}{study.pk}/").json()["title"] == (
        "A curator's new title"
    )


def test_new_studies_are_drafts_hidden_from_the_public_until_published(
    curator_api, editor_api, api_client, client
):
    created = curator_api.post(STUDIES, {"title": "A fresh preprint"}, format="json")
    assert created.status_code == 201
    assert created.json()["status"] == "draft"
    study_id = created.json()["id"]
    assert api_client.get(f"{STUDIES}{study_id}/").status_code == 404
    assert api_client.get(STUDIES).json()["count"] == 0
    csv = api_client.get(f"{STUDIES}?format=csv")
    assert "fresh preprint" not in b"".join(csv.streaming_content).decode()
    assert client.get(f"/studies/{study_id}/").status_code == 404
    assert "fresh preprint" not in client.get("/studies/?q=fresh").content.decode()
    assert curator_api.get(f"{STUDIES}{study_id}/").status_code == 200

    refused = curator_api.patch(
        f"{STUDIES}{study_id}/", {"status": "published"}, format="json"
    )
    assert refused.status_code == 403
    published = editor_api.patch(
        f"{STUDIES}{study_id}/", {"status": "published"}, format="json"
    )
    assert published.status_code == 200
    assert published.json()["ever_published"] is True
    assert api_client.get(f"{STUDIES}{study_id}/").status_code == 200
    assert client.get(f"/studies/{study_id}/").status_code == 200


def test_links_to_an_unpublished_study_are_not_public_and_do_not_count(api_client):
    claim = ClaimFactory()
    draft = StudyFactory(status="draft")
    EvidenceFactory(claim=claim, study=draft)
    claim.refresh_from_db()
    assert claim.evidence_count == 0
    assert api_client.get(f"{EVIDENCE}?claim={claim.slug}").json()["count"] == 0


def test_publishing_and_withdrawing_a_study_refreshes_its_claims(editor_api):
    claim = ClaimFactory()
    study = StudyFactory(status="draft")
    EvidenceFactory(claim=claim, study=study)
    editor_api.patch(f"{STUDIES}{study.pk}/", {"status": "published"}, format="json")
    claim.refresh_from_db()
    assert claim.evidence_count == 1
    refused = editor_api.delete(f"{STUDIES}{study.pk}/")
    assert refused.status_code == 400
    assert "reason" in field_errors(refused)
    withdrawn = editor_api.delete(f"{STUDIES}{study.pk}/?reason=Fabricated+data")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    claim.refresh_from_db()
    assert claim.evidence_count == 0
    assert Study.objects.filter(pk=study.pk).exists()


def test_published_items_are_never_hard_deleted(editor_api):
    link = EvidenceFactory()
    editor_api.patch(
        f"{EVIDENCE}{link.pk}/",
        {"status": "draft", "review_comment": "x"},
        format="json",
    )
    link.refresh_from_db()
    assert link.status == Status.DRAFT and link.ever_published
    response = editor_api.delete(f"{EVIDENCE}{link.pk}/?reason=Wrong+study")
    assert response.status_code == 200
    assert response.json()["status"] == "retracted"
    assert Evidence.objects.filter(pk=link.pk).exists()


def test_never_published_drafts_are_still_deleted(editor_api):
    claim = ClaimFactory(status=Status.DRAFT)
    study = StudyFactory(status="draft")
    assert editor_api.delete(f"{CLAIMS}{claim.slug}/").status_code == 204
    assert editor_api.delete(f"{STUDIES}{study.pk}/").status_code == 204
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert not Study.objects.filter(pk=study.pk).exists()


def test_curator_grade_edit_of_a_published_link_is_held_not_dropped(
    curator_api, editor_api
):
    link = EvidenceFactory()
    response = curator_api.patch(
        f"{EVIDENCE}{link.pk}/",
        {"risk_of_bias": "serious", "indirectness_reasons": ["healthy_volunteers"]},
        format="json",
    )
    assert response.status_code == 202
    revision = Revision.objects.get()
    assert revision.changes == {
        "risk_of_bias": "serious",
        "indirectness_reasons": ["healthy_volunteers"],
    }
    link.refresh_from_db()
    assert link.risk_of_bias == "not_serious"
    editor_api.post(f"{REVISIONS}{revision.pk}/accept/")
    link.refresh_from_db()
    assert link.risk_of_bias == "serious"
    assert link.indirectness_reasons == ["healthy_volunteers"]


def test_a_curator_change_a_revision_cannot_hold_is_refused_whole(curator_api):
    link = EvidenceFactory(finding="As published.")
    other = ClaimFactory()
    response = curator_api.patch(
        f"{EVIDENCE}{link.pk}/",
        {"finding": "Reworded.", "claim": other.slug},
        format="json",
    )
    assert response.status_code == 403
    assert "claim" in response.json()["detail"]
    assert not Revision.objects.exists()
    link.refresh_from_db()
    assert link.finding == "As published."


def test_an_unchanged_write_stores_no_history(editor_api, curator_api):
    link = EvidenceFactory()
    study = link.study
    claim = link.claim
    counts = (link.history.count(), study.history.count(), claim.history.count())
    body = editor_api.get(f"{EVIDENCE}{link.pk}/").json()
    same = {name: body[name] for name in ("finding", "direction", "risk_of_bias")}
    assert (
        editor_api.patch(f"{EVIDENCE}{link.pk}/", same, format="json").status_code
        == 200
    )
    assert (
        editor_api.patch(
            f"{STUDIES}{study.pk}/", {"title": study.title}, format="json"
        ).status_code
        == 200
    )
    assert (
        editor_api.patch(
            f"{CLAIMS}{claim.slug}/", {"statement": claim.statement}, format="json"
        ).status_code
        == 200
    )
    assert (
        curator_api.patch(
            f"{STUDIES}{study.pk}/", {"title": study.title}, format="json"
        ).status_code
        == 200
    )
    assert (
        link.history.count(),
        study.history.count(),
        claim.history.count(),
    ) == counts
    assert not Revision.objects.exists()


def test_accepting_a_revision_of_a_withdrawn_study_is_a_conflict(
    curator_api, editor_api
):
    study = StudyFactory()
    response = curator_api.patch(
        f"{STUDIES}{study.pk}/", {"sample_size": 12}, format="json"
    )
    editor_api.delete(f"{STUDIES}{study.pk}/?reason=Duplicate+record")
    accepted = editor_api.post(f"{REVISIONS}{response.json()['id']}/accept/")
    assert accepted.status_code == 409
    assert "withdrawn" in accepted.json()["detail"]
    study.refresh_from_db()
    assert study.sample_size == 40


def test_curator_cannot_revise_a_retracted_claim(curator_api):
    claim = ClaimFactory(status=Status.RETRACTED, retraction_reason="Wrong")
    response = curator_api.patch(
        f"{CLAIMS}{claim.slug}/", {"statement": "Revived"}, format="json"
    )
    assert response.status_code == 404
    assert not Revision.objects.exists()


def test_curator_cannot_withdraw_a_study(curator_api):
    study = StudyFactory()
    response = curator_api.patch(
        f"{STUDIES}{study.pk}/",
        {"status": "withdrawn", "withdrawal_reason": "x"},
        format="json",
    )
    assert response.status_code == 403
    study.refresh_from_db()
    assert study.status == "published"


def test_curators_filter_studies_by_status(curator_api, api_client):
    StudyFactory(title="Published one")
    StudyFactory(title="Draft one", status="draft")
    drafts = curator_api.get(f"{STUDIES}?status=draft").json()
    assert [study["title"] for study in drafts["results"]] == ["Draft one"]
    assert api_client.get(f"{STUDIES}?status=draft").json()["count"] == 0


def test_curators_study_list_queries_do_not_grow(curator_api):
    from tests.utils import assert_constant_queries

    EvidenceFactory(study__status="draft")
    assert_constant_queries(
        lambda: curator_api.get(STUDIES),
        lambda: EvidenceFactory.create_batch(3, study__status="draft"),
    )


def test_curators_cannot_link_a_withdrawn_study(curator_api):
    claim = ClaimFactory(status=Status.DRAFT)
    study = StudyFactory(status="withdrawn", withdrawal_reason="Duplicate")
    response = curator_api.post(
        EVIDENCE,
        {
            "claim": claim.slug,
            "study": study.pk,
            "evidence_type": "controlled",
            "direction": "supports",
            "finding": "Found.",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "study" in field_errors(response)


def test_the_admin_never_hard_deletes_once_published_work(editor_client):
    """A published link sent back to draft is retracted, not deleted, when an
    editor deletes it in the admin (the hole: PATCH to draft, then DELETE)."""
    link = EvidenceFactory()
    Evidence.objects.filter(pk=link.pk).update(status=Status.DRAFT)
    delete_url = reverse("admin:evidence_evidence_delete", args=[link.pk])

    answer = editor_client.post(delete_url, {"post": "yes"})

    assert answer.status_code == 302
    assert answer["Location"] == reverse(
        "admin:evidence_evidence_retract", args=[link.pk]
    )
    assert Evidence.objects.filter(pk=link.pk).exists()
    actions = editor_client.get(reverse("admin:evidence_evidence_changelist"))
    assert "delete_selected" not in actions.content.decode()
