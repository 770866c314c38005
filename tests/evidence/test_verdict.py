"""The verdict rule, step by step (evidence/verdict.py, README, /methods/)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.verdict import LinkAppraisal, claim_verdict

# Ratings that a curator has settled, so that a test reads only the rule it is about.
SETTLED = {
    "risk_of_bias": "not_serious",
    "indirectness": "not_serious",
    "imprecision": "not_serious",
    "inconsistency": "not_serious",
    "publication_bias": "not_serious",
}


def trial(direction="supports", **grades):
    return LinkAppraisal(
        evidence_type="controlled",
        direction=direction,
        design="rct",
        **{**SETTLED, **grades},
    )


def survey(direction="supports", **grades):
    return LinkAppraisal(
        evidence_type="self_report",
        direction=direction,
        design="survey",
        **{**SETTLED, **grades},
    )


def anecdote(direction="supports"):
    return LinkAppraisal(
        evidence_type="anecdotal", direction=direction, design="testimonial"
    )


def test_no_evidence_is_unclear_and_very_low_and_says_so():
    verdict = claim_verdict([])
    assert (verdict.direction, verdict.certainty) == ("unclear", "very_low")
    assert "No published evidence" in verdict.steps[0]
    assert verdict.text == (
        "No published evidence yet, so the verdict is unclear — very low certainty"
    )


@pytest.mark.parametrize(
    ("links", "start"),
    [
        (
            [trial(), survey(), anecdote()],
            "Started high: 1 randomised or placebo-controlled trial.",
        ),
        (
            [survey(), survey()],
            "Started low: 2 non-randomised, observational or self-report studies.",
        ),
        (
            [anecdote()],
            "Started very low: 1 anecdotal account, case report or interview.",
        ),
    ],
)
def test_the_start_is_the_best_design_present(links, start):
    assert claim_verdict(links).steps[0] == start


def test_agreeing_trials_without_concerns_are_for_with_high_certainty():
    verdict = claim_verdict([trial(), trial(), trial()])
    assert (verdict.direction, verdict.certainty) == ("for", "high")
    assert verdict.text == (
        "Randomised or placebo-controlled trials mostly find for the claim — high certainty"
    )
    assert verdict.steps[-1] == "Verdict: for, high certainty."


def test_trials_finding_no_benefit_are_certainty_against_the_claim():
    verdict = claim_verdict([trial("contradicts")] * 3)
    assert (verdict.direction, verdict.certainty) == ("against", "high")
    assert "mostly find against the claim — high certainty" in verdict.text


def test_more_contradicting_trials_raise_certainty_against():
    fewer = claim_verdict([trial(), trial("contradicts"), trial("contradicts")])
    more = claim_verdict([trial()] + [trial("contradicts")] * 5)
    assert fewer.direction == more.direction == "against"
    assert fewer.certainty == "moderate"  # a third points the other way
    assert more.certainty == "high"


def test_a_split_tier_is_unclear_and_down_two():
    verdict = claim_verdict([trial(), trial("contradicts")])
    assert (verdict.direction, verdict.certainty) == ("unclear", "low")
    assert "Down two for inconsistency: the best evidence is split." in verdict.steps
    assert "are split or inconclusive on the claim" in verdict.text


def test_a_minority_the_other_way_is_inconsistency():
    verdict = claim_verdict([trial()] * 4 + [trial("contradicts")])
    assert (verdict.direction, verdict.certainty) == ("for", "moderate")
    assert (
        "Down one for inconsistency: 20% of the weighted trials point the other way."
        in verdict.steps
    )


def test_lower_designs_do_not_count_once_trials_exist():
    verdict = claim_verdict([trial(), trial()] + [survey("contradicts")] * 10)
    assert (verdict.direction, verdict.certainty) == ("for", "high")


def test_a_domain_counts_when_recorded_on_more_than_half_of_the_tier():
    half = [trial(risk_of_bias="serious"), trial()]
    assert claim_verdict(half).certainty == "high"
    most = [trial(risk_of_bias="serious"), trial(risk_of_bias="serious"), trial()]
    verdict = claim_verdict(most)
    assert verdict.certainty == "moderate"
    assert "Down one: risk of bias in 2 of 3 trials." in verdict.steps


def test_very_serious_concerns_take_it_down_two():
    verdict = claim_verdict([trial(imprecision="very_serious")] * 3)
    assert verdict.certainty == "low"
    assert "Down two: imprecision (small samples) in 3 of 3 trials." in verdict.steps


def test_indirectness_names_its_most_common_reason():
    links = [
        trial(indirectness="serious", indirectness_reasons=("healthy_volunteers",)),
        trial(
            indirectness="serious",
            indirectness_reasons=("healthy_volunteers", "full_dose"),
        ),
    ]
    verdict = claim_verdict(links)
    assert verdict.certainty == "moderate"
    assert (
        "Down one: in 2 of 2 trials participants were healthy volunteers rather than patients."
        in verdict.steps
    )


def test_direct_evidence_sets_indirect_evidence_aside():
    links = [
        trial(),
        trial(),
        trial(
            direction="contradicts",
            indirectness="serious",
            indirectness_reasons=("full_dose",),
        ),
    ]
    verdict = claim_verdict(links)
    assert (verdict.direction, verdict.certainty) == ("for", "high")
    assert (
        "Set aside 1 trial with indirect evidence, because 2 give direct evidence."
        in verdict.steps
    )


def test_imprecision_not_assessed_is_judged_from_the_participants():
    small = claim_verdict(
        [trial(imprecision="not_assessed", sample_size=60)] * 3,
    )
    assert small.certainty == "moderate"
    assert any(
        step.startswith("Down one: imprecision, judged from the data")
        and "180 participants in 3 trials" in step
        for step in small.steps
    )
    large = claim_verdict([trial(imprecision="not_assessed", sample_size=200)] * 3)
    assert large.certainty == "high"
    assert any("600 participants" in step for step in large.steps)


def test_unknown_sample_sizes_count_as_none_and_say_so():
    verdict = claim_verdict([trial(imprecision="not_assessed")] * 2)
    assert verdict.certainty == "moderate"
    assert any("sample size unknown for 2" in step for step in verdict.steps)


def test_domains_not_assessed_are_named_in_the_steps():
    verdict = claim_verdict(
        [
            LinkAppraisal(
                evidence_type="controlled",
                direction="supports",
                design="rct",
                sample_size=500,
            )
        ]
        * 2
    )
    assert verdict.certainty == "high"
    assert (
        "Not assessed for most of the trials: risk of bias, indirectness, suspected "
        "publication bias; the data alone cannot show these, so they do not rate it down."
        in verdict.steps
    )


def test_a_single_trial_is_never_high():
    verdict = claim_verdict([trial(sample_size=1000)])
    assert verdict.certainty == "moderate"
    assert "Down to moderate: a single trial is never high certainty." in verdict.steps


def test_large_effects_raise_observational_evidence():
    verdict = claim_verdict(
        [survey(large_effect=True), survey(large_effect=True), survey()]
    )
    assert verdict.certainty == "moderate"
    assert "Up one: large effects in 2 of 3 studies." in verdict.steps


def test_no_upgrade_after_a_downgrade_or_from_high():
    assert (
        claim_verdict([survey(large_effect=True, risk_of_bias="serious")]).certainty
        == "very_low"
    )
    assert claim_verdict([trial(large_effect=True)] * 2).certainty == "high"


def test_anecdotes_alone_stay_very_low_even_with_large_effects():
    verdict = claim_verdict([anecdote()] * 5)
    assert (verdict.direction, verdict.certainty) == ("for", "very_low")


def test_the_strength_no_longer_caps_certainty():
    # Two agreeing trials and many contradicting surveys: the strength of all
    # the evidence is against, but the trials decide.
    verdict = claim_verdict([trial(), trial()] + [survey("contradicts")] * 40)
    assert (verdict.direction, verdict.certainty) == ("for", "high")
    assert not any(step.startswith("Capped") for step in verdict.steps)


# --- Invariants (claims without a pooled effect estimate) ---------------------

RATINGS = st.sampled_from(["not_assessed", "not_serious", "serious", "very_serious"])
links = st.builds(
    LinkAppraisal,
    evidence_type=st.sampled_from(["controlled", "self_report", "anecdotal"]),
    direction=st.sampled_from(["supports", "contradicts", "mixed"]),
    design=st.sampled_from(
        ["rct", "controlled", "cohort", "survey", "animal", "case_report", ""]
    ),
    sample_size=st.one_of(st.none(), st.integers(min_value=1, max_value=2000)),
    risk_of_bias=RATINGS,
    indirectness=RATINGS,
    indirectness_reasons=st.just(()),
    imprecision=RATINGS,
    inconsistency=RATINGS,
    publication_bias=RATINGS,
    large_effect=st.booleans(),
    dose_response=st.booleans(),
)
controlled = links.filter(lambda link: link.evidence_type == "controlled")
anecdotes = st.builds(
    LinkAppraisal,
    evidence_type=st.just("anecdotal"),
    direction=st.sampled_from(["supports", "contradicts", "mixed"]),
    design=st.sampled_from(["testimonial", "case_report", "qualitative", ""]),
    large_effect=st.booleans(),
    dose_response=st.booleans(),
)
claims = st.lists(links, max_size=8)
PROPERTY = settings(max_examples=50, deadline=None)


@PROPERTY
@given(claims)
def test_same_links_give_the_same_verdict(items):
    assert claim_verdict(items) == claim_verdict(list(items))
    assert claim_verdict(items) == claim_verdict(reversed(items))


@PROPERTY
@given(claims, anecdotes)
def test_adding_an_anecdote_never_changes_certainty(items, extra):
    assert claim_verdict([*items, extra]).certainty == claim_verdict(items).certainty


@PROPERTY
@given(claims, controlled)
def test_a_supporting_controlled_link_never_turns_for_into_against(items, extra):
    if claim_verdict(items).direction == "for":
        extra = LinkAppraisal(**{**extra.__dict__, "direction": "supports"})
        assert claim_verdict([*items, extra]).direction != "against"


@PROPERTY
@given(claims, controlled)
def test_a_contradicting_controlled_link_never_turns_against_into_for(items, extra):
    if claim_verdict(items).direction == "against":
        extra = LinkAppraisal(**{**extra.__dict__, "direction": "contradicts"})
        assert claim_verdict([*items, extra]).direction != "for"


@PROPERTY
@given(controlled, st.lists(links.filter(lambda link: link.design != "rct")))
def test_certainty_is_never_high_from_one_trial(one, others):
    one = LinkAppraisal(**{**one.__dict__, "design": "rct"})
    assert claim_verdict([one, *others]).certainty != "high"
