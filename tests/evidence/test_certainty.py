"""The certainty rule, step by step (evidence/certainty.py, README)."""

import pytest

from evidence.certainty import LinkAppraisal, certainty_assess


def trial(direction="supports", **grades):
    return LinkAppraisal(
        evidence_type="controlled", direction=direction, design="rct", **grades
    )


def survey(direction="supports", **grades):
    return LinkAppraisal(
        evidence_type="self_report", direction=direction, design="survey", **grades
    )


def anecdote(direction="supports"):
    return LinkAppraisal(
        evidence_type="anecdotal", direction=direction, design="testimonial"
    )


def test_no_evidence_is_very_low_and_says_so():
    result = certainty_assess([])
    assert result.level == "very_low"
    assert "No published evidence" in result.steps[0]


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
    assert certainty_assess(links).steps[0] == start


def test_agreeing_trials_without_concerns_stay_high():
    result = certainty_assess([trial(), trial(), trial()])
    assert result.level == "high"
    assert result.steps == [
        "Started high: 3 randomised or placebo-controlled trials.",
        "Certainty: high.",
    ]


def test_lower_designs_do_not_count_once_trials_exist():
    result = certainty_assess([trial(), trial()] + [survey("contradicts")] * 10)
    assert result.level == "high"


def test_some_contradicting_trials_take_it_down_one():
    result = certainty_assess(
        [trial(), trial(), trial(), trial("contradicts"), trial("contradicts")]
    )
    assert result.level == "moderate"
    assert "Down one: 2 of 5 trials contradict the claim." in result.steps


def test_mostly_contradicting_trials_take_it_down_two():
    result = certainty_assess(
        [trial(), trial("contradicts"), trial("contradicts"), trial("mixed")]
    )
    assert result.level == "low"
    assert result.steps[1] == (
        "Down two: the best evidence mostly goes against the claim "
        "(2 of 4 trials contradict the claim and 1 of 4 has mixed results)."
    )


def test_a_domain_counts_when_recorded_on_more_than_half_of_the_tier():
    half = [trial(risk_of_bias="serious"), trial()]
    assert certainty_assess(half).level == "high"
    most = [trial(risk_of_bias="serious"), trial(risk_of_bias="serious"), trial()]
    result = certainty_assess(most)
    assert result.level == "moderate"
    assert "Down one: risk of bias in 2 of 3 trials." in result.steps


def test_very_serious_concerns_take_it_down_two():
    result = certainty_assess([trial(imprecision="very_serious")] * 3)
    assert result.level == "low"
    assert "Down two: imprecision (small samples) in 3 of 3 trials." in result.steps


def test_indirectness_names_its_most_common_reason():
    links = [
        trial(indirectness="serious", indirectness_reasons=("healthy_volunteers",)),
        trial(
            indirectness="serious",
            indirectness_reasons=("healthy_volunteers", "full_dose"),
        ),
    ]
    result = certainty_assess(links)
    assert result.level == "moderate"
    assert (
        "Down one: in 2 of 2 trials participants were healthy volunteers rather than patients."
        in result.steps
    )


def test_direct_evidence_sets_indirect_evidence_aside():
    links = [
        trial(),
        trial(
            direction="contradicts",
            indirectness="serious",
            indirectness_reasons=("full_dose",),
        ),
    ]
    result = certainty_assess(links)
    assert result.level == "high"
    assert (
        "Set aside 1 trial with indirect evidence, because 1 gives direct evidence."
        in result.steps
    )


def test_steps_accumulate_and_stop_at_very_low():
    links = [
        trial(
            "contradicts",
            risk_of_bias="serious",
            imprecision="serious",
            indirectness="serious",
        ),
        trial(
            "contradicts",
            risk_of_bias="serious",
            imprecision="serious",
            indirectness="serious",
        ),
    ]
    result = certainty_assess(links)
    assert result.level == "very_low"
    assert [step.split(":")[0] for step in result.steps] == [
        "Started high",
        "Down two",
        "Down one",
        "Down one",
        "Down one",
        "Certainty",
    ]


def test_large_effects_raise_observational_evidence():
    result = certainty_assess(
        [survey(large_effect=True), survey(large_effect=True), survey()]
    )
    assert result.level == "moderate"
    assert "Up one: large effects in 2 of 3 studies." in result.steps


def test_no_upgrade_after_a_downgrade_or_from_high():
    assert (
        certainty_assess([survey(large_effect=True, risk_of_bias="serious")]).level
        == "very_low"
    )
    assert certainty_assess([trial(large_effect=True)]).level == "high"


@pytest.mark.parametrize(
    ("strength", "cap"),
    [
        ("inconclusive", "low"),
        ("weak_against", "low"),
        ("strong_against", "low"),
        ("weak", "moderate"),
        ("strong", None),
    ],
)
def test_the_strength_of_all_evidence_caps_the_result(strength, cap):
    result = certainty_assess([trial(), trial()], strength=strength)
    if cap is None:
        assert result.level == "high"
    else:
        assert result.level == cap
        assert any(step.startswith(f"Capped at {cap}") for step in result.steps)


def test_every_result_ends_with_its_level_in_words():
    result = certainty_assess([survey("contradicts")])
    assert result.steps[-1] == f"Certainty: {result.label.lower()}."
