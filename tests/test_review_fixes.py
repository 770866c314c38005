"""Faults a review of the merged work found: each test failed before its fix."""

import pytest

from evidence.answer import best_evidence
from evidence.study_page import effect_sentence
from feedback.models import ProblemReport
from studies.citations import bibtex_entries
from tests.admin_forms import shown_form_data
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/studies/²/", "/api/v1/evidence/²/"])
def test_a_superscript_digit_as_an_id_is_not_found_not_a_500(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_huge_log_ratio_does_not_break_the_study_page(client):
    link = EvidenceFactory(
        effect_measure="log_rr",
        reported_estimate=800.0,
        reported_ci_low=799.0,
        reported_ci_high=801.0,
    )
    assert effect_sentence(link) == ""
    assert client.get(link.study.get_absolute_url()).status_code == 200


def test_bibtex_keys_stay_unique_and_valid_past_26_clashes():
    studies = StudyFactory.create_batch(
        30, authors=["Ly C"], year=2018, title="Same title"
    )
    text = bibtex_entries(studies)
    keys = [
        line.split("{", 1)[1].rstrip(",")
        for line in text.splitlines()
        if line.startswith("@")
    ]
    assert len(keys) == len(set(keys)) == 30
    assert all(key.isalnum() for key in keys), keys
    assert keys[26:28] == [keys[0] + "aa", keys[0] + "ab"]


def test_best_evidence_follows_the_verdicts_tiers_before_the_kind_of_evidence():
    claim = ClaimFactory()
    observational = EvidenceFactory(
        claim=claim, evidence_type="controlled", study__design="naturalistic"
    )
    trial = EvidenceFactory(
        claim=claim, evidence_type="self_report", study__design="rct"
    )
    case_report = EvidenceFactory(
        claim=claim, evidence_type="controlled", study__design="case_report"
    )
    assert best_evidence(claim) == [trial, observational, case_report]


def test_curators_cannot_relate_published_claims_without_review(curator_client):
    claim, other = ClaimFactory(status="published"), ClaimFactory(status="published")
    page = curator_client.get(f"/admin/evidence/claim/{claim.pk}/change/")
    assert 'name="related_claims"' not in page.content.decode()
    data = shown_form_data(page, related_claims=[other.pk])
    curator_client.post(f"/admin/evidence/claim/{claim.pk}/change/", data)
    assert not claim.related_claims.exists()


def test_curators_relate_their_drafts_freely(curator_client):
    draft = ClaimFactory(status="draft")
    page = curator_client.get(f"/admin/evidence/claim/{draft.pk}/change/")
    assert 'name="related_claims"' in page.content.decode()


def test_only_editors_see_a_readers_address(curator_client, editor_client):
    report = ProblemReport.objects.create(
        claim=ClaimFactory(status="published"),
        message="A typo.",
        email="reader@example.org",
    )
    address = f"/admin/feedback/problemreport/{report.pk}/change/"
    assert "reader@example.org" not in curator_client.get(address).content.decode()
    assert "reader@example.org" in editor_client.get(address).content.decode()
