import statistics

import pytest
from django.core.management import CommandError, call_command

from evidence.models import Claim, Direction, Evidence, EvidenceType, Status
from evidence.profile import evidence_profile
from evidence.synthetic import CLAIM_SLUG_PREFIX
from studies.models import Design, EntryMethod, Study
from tests.factories import ClaimFactory, StudyFactory

pytestmark = pytest.mark.django_db

SIZES = {"claims": 12, "studies": 150, "evidence": 600}


def generate(seed=7, **options):
    call_command("generate_synthetic", seed=seed, verbosity=0, **{**SIZES, **options})


def snapshot():
    """The generated content, without ids and timestamps."""
    claims = list(
        Claim.objects.order_by("slug").values_list(
            "slug", "statement", "topic", "status", "evidence_count", "strength_score"
        )
    )
    studies = list(
        Study.objects.order_by("doi", "title").values_list(
            "title", "authors", "year", "doi", "design", "population", "retracted"
        )
    )
    links = list(
        Evidence.objects.order_by("claim__slug", "study__title", "finding").values_list(
            "claim__slug",
            "study__title",
            "evidence_type",
            "direction",
            "finding",
            "status",
        )
    )
    return claims, studies, links


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    generate(seed=7)
    first = snapshot()
    generate(seed=7)
    assert snapshot() == first
    generate(seed=8)
    assert snapshot() != first


def test_sizes_are_as_asked_and_studies_are_marked_synthetic():
    generate()
    assert Claim.objects.count() == SIZES["claims"]
    assert Study.objects.count() == SIZES["studies"]
    assert Evidence.objects.count() == SIZES["evidence"]
    assert set(Study.objects.values_list("entry_method", flat=True)) == {
        EntryMethod.SYNTHETIC
    }
    assert all(
        slug.startswith(CLAIM_SLUG_PREFIX)
        for slug in Claim.objects.values_list("slug", flat=True)
    )


def test_links_are_skewed_towards_a_few_claims():
    generate(claims=40, studies=600, evidence=4000)
    counts = sorted(
        (claim.evidence.count() for claim in Claim.objects.all()), reverse=True
    )
    assert min(counts) >= 1
    assert counts[0] >= 8 * statistics.median(counts)


def test_every_grade_and_status_occurs():
    generate(claims=20, studies=800, evidence=3000)
    assert set(Evidence.objects.values_list("evidence_type", flat=True)) == set(
        EvidenceType.values
    )
    assert set(Evidence.objects.values_list("direction", flat=True)) == set(
        Direction.values
    )
    statuses = list(Evidence.objects.values_list("status", flat=True))
    assert set(statuses) == set(Status.values)
    assert statuses.count(Status.PUBLISHED) > 0.85 * len(statuses)
    assert set(Study.objects.values_list("design", flat=True)) == set(Design.values)


def test_stored_profiles_match_a_recount_of_counted_links():
    generate()
    for claim in Claim.objects.all():
        counts = Evidence.objects.filter(claim=claim).counted().profile_counts()
        profile = evidence_profile(counts)
        assert claim.profile_counts == profile.counts
        assert claim.evidence_count == profile.total
        assert claim.strength_score == profile.score


def test_a_database_with_curated_data_is_refused_unless_forced():
    real_study = StudyFactory(title="A curated study")
    real_claim = ClaimFactory()
    with pytest.raises(CommandError, match="not synthetic.*--force"):
        generate()
    assert not Study.objects.filter(entry_method=EntryMethod.SYNTHETIC).exists()

    generate(force=True)
    generate(force=True)  # replaces its own data, leaves the curated data alone
    assert (
        Study.objects.filter(entry_method=EntryMethod.SYNTHETIC).count()
        == SIZES["studies"]
    )
    assert Study.objects.filter(pk=real_study.pk).exists()
    assert Claim.objects.filter(pk=real_claim.pk).exists()
    assert Claim.objects.count() == SIZES["claims"] + 1


def test_more_links_than_claim_study_pairs_is_an_error():
    with pytest.raises(CommandError, match="cannot fit"):
        generate(claims=2, studies=3, evidence=7)
