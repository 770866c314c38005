"""Moderated publishing and history in the curators' admin."""

import pytest
from django.urls import reverse

from evidence.models import Claim, Revision, Status
from tests.conftest import token_client_for
from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


def claim_form(claim, **overrides):
    data = {
        "statement": claim.statement,
        "topic": claim.topic,
        "status": claim.status,
        "description": claim.description,
        "review_comment": "",
        "retraction_reason": "",
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_curator_is_not_offered_publishing(curator_client):
    claim = ClaimFactory(status=Status.DRAFT)
    page = curator_client.get(reverse("admin:evidence_claim_change", args=[claim.pk]))
    status_choices = [
        value for value, _ in page.context["adminform"].form.fields["status"].choices
    ]
    assert status_choices == ["draft", "in_review"]
    changelist = curator_client.get(reverse("admin:evidence_claim_changelist"))
    actions = [
        name for name, _ in changelist.context["action_form"].fields["action"].choices
    ]
    assert "submit_for_review" in actions
    assert "publish" not in actions and "delete_selected" not in actions


def test_curator_posting_published_status_is_refused(curator_client):
    claim = ClaimFactory(status=Status.DRAFT)
    response = curator_client.post(
        reverse("admin:evidence_claim_change", args=[claim.pk]),
        claim_form(claim, status="published"),
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == Status.DRAFT


def test_editor_publishes_with_the_action_after_seeing_the_verdicts(editor_client):
    claims = ClaimFactory.create_batch(2, status=Status.IN_REVIEW)
    action = {"action": "publish", "_selected_action": [claim.pk for claim in claims]}
    preview = editor_client.post(reverse("admin:evidence_claim_changelist"), action)
    assert preview.status_code == 200
    assert "Verdict now → after publishing" in preview.content.decode()
    assert set(Claim.objects.values_list("status", flat=True)) == {"in_review"}
    editor_client.post(
        reverse("admin:evidence_claim_changelist"), {**action, "confirm": "yes"}
    )
    assert set(Claim.objects.values_list("status", flat=True)) == {"published"}


def test_curator_submits_drafts_for_review_with_the_action(curator_client):
    claim = ClaimFactory(status=Status.DRAFT)
    curator_client.post(
        reverse("admin:evidence_claim_changelist"),
        {"action": "submit_for_review", "_selected_action": [claim.pk]},
    )
    claim.refresh_from_db()
    assert claim.status == Status.IN_REVIEW


def test_curator_edit_of_published_claim_becomes_a_revision(curator_client, curator):
    claim = ClaimFactory(statement="Published wording")
    response = curator_client.post(
        reverse("admin:evidence_claim_change", args=[claim.pk]),
        claim_form(claim, statement="Proposed wording"),
        follow=True,
    )
    assert "saved as suggested revision" in response.content.decode()
    claim.refresh_from_db()
    assert claim.statement == "Published wording"
    revision = Revision.objects.get()
    assert revision.changes == {"statement": "Proposed wording"}
    assert revision.proposed_by == curator


def test_editor_accepts_a_revision_in_the_admin(editor_client, curator):
    claim = ClaimFactory(statement="Old")
    revision = Revision.objects.create(
        claim=claim,
        changes={"statement": "New"},
        original={"statement": "Old"},
        proposed_by=curator,
    )
    page = editor_client.get(
        reverse("admin:evidence_revision_change", args=[revision.pk])
    )
    assert "Accept and publish" in page.content.decode()
    editor_client.post(
        reverse("admin:evidence_revision_change", args=[revision.pk]),
        {"review_comment": "", "_accept": "1"},
    )
    claim.refresh_from_db()
    assert claim.statement == "New"


def test_curator_cannot_accept_revisions(curator_client, curator):
    claim = ClaimFactory(statement="Old")
    revision = Revision.objects.create(
        claim=claim,
        changes={"statement": "New"},
        original={"statement": "Old"},
        proposed_by=curator,
    )
    curator_client.post(
        reverse("admin:evidence_revision_change", args=[revision.pk]),
        {"review_comment": "", "_accept": "1"},
    )
    claim.refresh_from_db()
    assert claim.statement == "Old"


def test_retracted_work_is_visible_to_editors_not_curators(
    curator_client, editor_client
):
    link = EvidenceFactory(status=Status.RETRACTED, retraction_reason="Study retracted")
    url = reverse("admin:evidence_evidence_changelist")
    assert link not in curator_client.get(url).context["cl"].result_list
    assert link in editor_client.get(url).context["cl"].result_list


def test_history_page_names_api_users(editor_client, curator):
    claim = ClaimFactory(status=Status.DRAFT)
    api = token_client_for(curator)
    api.patch(
        f"/api/v1/claims/{claim.slug}/",
        {"description": "From a notebook"},
        format="json",
    )
    page = editor_client.get(reverse("admin:evidence_claim_history", args=[claim.pk]))
    content = page.content.decode()
    assert str(curator) in content
    assert "description" in content.lower()
    assert "From a notebook" in content


def test_history_compare_shows_field_differences(editor_client):
    claim = ClaimFactory(statement="First", status=Status.DRAFT)
    claim.statement = "Second"
    claim.save()
    claim.description = "Added later"
    claim.save()
    oldest, newest = (
        claim.history.order_by("history_date")[0],
        claim.history.order_by("-history_date")[0],
    )
    page = editor_client.get(
        reverse("admin:evidence_claim_history_compare", args=[claim.pk]),
        {"from": oldest.history_id, "to": newest.history_id},
    )
    content = page.content.decode()
    assert page.status_code == 200
    assert "statement" in content and "First" in content and "Second" in content
    assert "Added later" in content


def test_only_editors_revert_published_claims(curator_client, editor_client):
    claim = ClaimFactory(statement="Original", status=Status.PUBLISHED)
    claim.statement = "Vandalised"
    claim.save()
    first = claim.history.order_by("history_date").first()
    url = reverse(
        "admin:evidence_claim_simple_history", args=[claim.pk, first.history_id]
    )
    assert (
        curator_client.post(url, claim_form(claim, statement="Original")).status_code
        == 403
    )
    response = editor_client.post(url, claim_form(claim, statement="Original"))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.statement == "Original"


def test_editor_overrides_certainty_with_a_reason_in_the_admin(editor_client):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, study__design="survey", evidence_type="self_report")
    url = reverse("admin:evidence_claim_change", args=[claim.pk])
    refused = editor_client.post(
        url,
        claim_form(
            claim,
            slug=claim.slug,
            certainty_override="high",
            certainty_override_reason="",
        ),
    )
    assert "Give the reason for overriding" in refused.content.decode()
    editor_client.post(
        url,
        claim_form(
            claim,
            slug=claim.slug,
            certainty_override="moderate",
            certainty_override_reason="Expert panel view",
        ),
    )
    claim.refresh_from_db()
    assert (claim.certainty, claim.certainty_computed) == ("moderate", "low")


def test_curators_see_certainty_but_cannot_override(curator_client):
    claim = ClaimFactory(status=Status.DRAFT)
    page = curator_client.get(reverse("admin:evidence_claim_change", args=[claim.pk]))
    form_fields = page.context["adminform"].form.fields
    assert "certainty_override" not in form_fields and "slug" not in form_fields
    assert "Computed:" in page.content.decode()


def test_grade_reasons_are_recorded_on_a_link_and_change_certainty(editor_client):
    link = EvidenceFactory(study__design="rct")
    data = {
        "claim": link.claim_id,
        "study": link.study_id,
        "evidence_type": "controlled",
        "direction": "supports",
        "status": "published",
        "finding": link.finding,
        "quote": "",
        "risk_of_bias": "very_serious",
        "imprecision": "not_serious",
        "inconsistency": "not_assessed",
        "publication_bias": "not_assessed",
        "indirectness": "serious",
        "indirectness_reasons": ["healthy_volunteers", "full_dose"],
        "review_comment": "",
        "retraction_reason": "",
    }
    response = editor_client.post(
        reverse("admin:evidence_evidence_change", args=[link.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    link.refresh_from_db()
    assert link.indirectness_reasons == ["healthy_volunteers", "full_dose"]
    link.claim.refresh_from_db()
    assert any(
        step.startswith("Down two: risk of bias") for step in link.claim.certainty_steps
    )
