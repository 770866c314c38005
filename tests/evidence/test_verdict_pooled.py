"""GRADE from the numbers: with a pooled estimate, its side of no effect sets
the verdict's direction, its CI and participants judge imprecision, and its I²
with the studies' estimates judges inconsistency (issue 18, item 4)."""

import pytest

from evidence.models import Claim
from evidence.verdict import LinkAppraisal, PooledEffect, claim_verdict
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

TRIALS = [
    LinkAppraisal(
        evidence_type="controlled",
        direction="supports",
        design="rct",
        sample_size=300,
        risk_of_bias="not_serious",
        indirectness="not_serious",
        publication_bias="not_serious",
    )
    for _ in range(3)
]


def pooled(estimate=-5.0, ci=(-8.0, -2.0), i2=10.0, participants=900, studies=None):
    return PooledEffect(
        measure="md",
        k=3,
        estimate=estimate,
        ci_low=ci[0],
        ci_high=ci[1],
        i2=i2,
        participants=participants,
        study_estimates=tuple(studies or (estimate - 1, estimate, estimate + 1)),
    )


def test_the_pooled_estimate_on_the_favoured_side_reads_for_and_stays_high():
    verdict = claim_verdict(TRIALS, pooled=pooled(), favours="lower")

    assert (verdict.direction, verdict.certainty) == ("for", "high")
    assert any(
        "from the pooled estimate: mean difference -5.00" in s for s in verdict.steps
    )
    assert "for the claim" in verdict.pooled_note


def test_the_pooled_estimate_overrules_the_links_votes():
    # Every link was graded "supports", but the pooled effect is on the side
    # that goes against the claim: the numbers decide.
    verdict = claim_verdict(TRIALS, pooled=pooled(), favours="higher")

    assert verdict.direction == "against"
    assert "against the claim" in verdict.pooled_note


def test_without_a_favoured_side_the_votes_decide_and_the_steps_say_why():
    verdict = claim_verdict(TRIALS, pooled=pooled(), favours="")

    assert verdict.direction == "for"
    assert verdict.pooled_note == ""
    assert any("does not say which sign" in step for step in verdict.steps)


@pytest.mark.parametrize(
    ("effect", "reason"),
    [
        (pooled(ci=(-8.0, 1.0)), "its 95% CI crosses no effect"),
        (pooled(participants=250), "250 participants, fewer than 400"),
    ],
)
def test_imprecision_is_judged_from_the_pooled_estimate(effect, reason):
    verdict = claim_verdict(TRIALS, pooled=effect, favours="lower")

    assert verdict.certainty == "moderate"
    assert any(reason in step for step in verdict.steps)


def test_heterogeneous_studies_on_both_sides_of_no_effect_are_inconsistent():
    split = pooled(i2=72.0, studies=(-9.0, -4.0, 2.0))
    same_side = pooled(i2=72.0, studies=(-9.0, -4.0, -1.0))

    assert claim_verdict(TRIALS, pooled=split, favours="lower").certainty == "moderate"
    assert claim_verdict(TRIALS, pooled=same_side, favours="lower").certainty == "high"


@pytest.mark.django_db
def test_a_verdict_moved_by_a_pooled_estimate_cuts_a_version_saying_so():
    claim = ClaimFactory(effect_favours_claim="higher")
    for estimate, low, high in ((-6.6, -10.2, -2.9), (-12.3, -17.5, -7.2)):
        EvidenceFactory(
            claim=claim,
            study=StudyFactory(design="rct", sample_size=300),
            direction="supports",
            effect_measure="md",
            reported_estimate=estimate,
            reported_ci_low=low,
            reported_ci_high=high,
        )

    claim.refresh_from_db()
    latest = claim.versions.order_by("-number").first()
    assert claim.verdict_direction == "against"
    assert "pooled estimate" in latest.note
    assert "against the claim" in latest.note
    assert Claim.objects.get(pk=claim.pk).meta_analyses[0]["k"] == 2
