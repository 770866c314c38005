import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from evidence.models import Claim, Evidence, Status
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

pytestmark = pytest.mark.django_db


def test_slug_is_derived_from_the_statement():
    claim = ClaimFactory(statement="Compound X lowers anxiety in adults")
    assert claim.slug == "compound-x-lowers-anxiety-in-adults"


def test_slug_stays_when_the_statement_is_edited():
    claim = ClaimFactory(statement="Compound X lowers anxiety")
    claim.statement = "Compound X lowers anxiety and stress"
    claim.save()
    claim.refresh_from_db()
    assert claim.slug == "compound-x-lowers-anxiety"


def test_claims_with_the_same_statement_get_distinct_slugs():
    first = ClaimFactory(statement="Same words")
    second = ClaimFactory(statement="Same words")
    assert first.slug != second.slug
    assert second.slug == "same-words-2"


def test_empty_statement_is_refused():
    with pytest.raises(ValidationError, match="cannot be blank"):
        ClaimFactory(statement="   ")
    assert not Claim.objects.exists()


def test_new_claims_and_links_start_as_drafts():
    assert Claim(statement="x", topic="effect").status == Status.DRAFT
    assert Evidence().status == Status.DRAFT


def test_one_link_per_claim_and_study():
    link = EvidenceFactory()
    with pytest.raises(ValidationError, match="already linked to this claim"):
        EvidenceFactory(claim=link.claim, study=link.study)
    assert Evidence.objects.count() == 1


def test_database_refuses_a_second_link_even_past_validation():
    link = EvidenceFactory()
    duplicate = Evidence(
        claim=link.claim,
        study=link.study,
        evidence_type="controlled",
        direction="supports",
        finding="again",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.bulk_create([duplicate])


def test_unknown_evidence_type_is_refused():
    with pytest.raises(ValidationError, match="evidence_type"):
        EvidenceFactory(evidence_type="hearsay")


def test_database_refuses_unknown_direction():
    claim, study = ClaimFactory(), StudyFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.bulk_create(
            [
                Evidence(
                    claim=claim,
                    study=study,
                    evidence_type="controlled",
                    direction="sideways",
                    finding="x",
                )
            ]
        )


def test_profile_follows_published_links_as_they_change():
    claim = ClaimFactory()
    link = EvidenceFactory(claim=claim, direction="supports")
    EvidenceFactory(claim=claim, direction="contradicts", evidence_type="self_report")
    EvidenceFactory(claim=claim, status=Status.DRAFT)
    claim.refresh_from_db()
    assert claim.evidence_count == 2
    assert claim.profile.count("controlled", "supports") == 1
    assert claim.profile.count("self_report", "contradicts") == 1

    link.direction = "contradicts"
    link.save()
    claim.refresh_from_db()
    assert claim.profile.count("controlled", "supports") == 0
    assert claim.profile.count("controlled", "contradicts") == 1
    assert claim.strength_score == claim.profile.score < 0

    link.delete()
    claim.refresh_from_db()
    assert claim.evidence_count == 1


def test_moving_a_link_to_another_claim_refreshes_both_profiles():
    first, second = ClaimFactory(), ClaimFactory()
    link = EvidenceFactory(claim=first)
    link = Evidence.objects.get(pk=link.pk)
    link.claim = second
    link.save()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.evidence_count, second.evidence_count) == (0, 1)


def test_unpublishing_a_link_removes_it_from_the_profile():
    link = EvidenceFactory()
    link.status = Status.IN_REVIEW
    link.save()
    link.claim.refresh_from_db()
    assert link.claim.evidence_count == 0


def test_published_links_exclude_those_of_unpublished_claims():
    EvidenceFactory(claim=ClaimFactory(status=Status.DRAFT))
    visible = EvidenceFactory()
    assert list(Evidence.objects.published()) == [visible]


def test_strongest_first_orders_by_evidence_type_then_newest_study():
    claim = ClaimFactory()
    anecdote = EvidenceFactory(claim=claim, evidence_type="anecdotal")
    old_trial = EvidenceFactory(claim=claim, study=StudyFactory(year=2001))
    survey = EvidenceFactory(claim=claim, evidence_type="self_report")
    undated_trial = EvidenceFactory(claim=claim, study=StudyFactory(year=None))
    new_trial = EvidenceFactory(claim=claim, study=StudyFactory(year=2024))
    ordered = list(Evidence.objects.filter(claim=claim).strongest_first())
    assert ordered == [new_trial, old_trial, undated_trial, survey, anecdote]
