"""Effect sizes and REML random-effects pooling, checked against R's metafor."""

import csv
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.meta_analysis import (
    Effect,
    EffectInputError,
    effect_log_or,
    effect_log_rr,
    effect_md,
    effect_reported,
    effect_smd,
    meta_analysis_reml,
)

BCG = Path(__file__).parent / "data" / "bcg_trials.csv"

# metafor's documented results for rma(yi, vi, data = dat.bcg), measure "RR"
# (shared/data/meta/README.md; Viechtbauer 2010, J Stat Softw 36(3)).
METAFOR_BCG = {
    "estimate": -0.7145,
    "se": 0.1798,
    "z": -3.9744,
    "ci_low": -1.0669,
    "ci_high": -0.3622,
    "tau2": 0.3132,
    "i2": 92.22,
    "h2": 12.86,
    "q": 152.2330,
    "prediction_low": -1.8667,
    "prediction_high": 0.4376,
}


def bcg_effects():
    with BCG.open(newline="") as handle:
        return [
            effect_log_rr(
                events_treatment=int(row["events_treatment"]),
                n_treatment=int(row["n_treatment"]),
                events_control=int(row["events_control"]),
                n_control=int(row["n_control"]),
            )
            for row in csv.DictReader(handle)
        ]


def test_reml_reproduces_metafor_on_the_bcg_trials_to_four_decimals():
    result = meta_analysis_reml(bcg_effects())

    assert result.k == 13
    assert result.q_df == 12
    assert result.method == "REML"
    for name, expected in METAFOR_BCG.items():
        places = 2 if name in ("i2", "h2") else 4
        assert round(getattr(result, name), places) == expected, name
    assert result.q_p < 1e-20
    assert sum(result.weights) == pytest.approx(100)


def test_i2_comes_from_tau2_not_from_q():
    result = meta_analysis_reml(bcg_effects())
    q_based = 100 * (result.q - result.q_df) / result.q

    assert round(q_based, 2) == 92.12
    assert round(result.i2, 2) == 92.22


def test_hedges_g_on_hand_checked_arm_data():
    # d = (10 - 8) / 2 = 1; J(18) = Γ(9) / (√9 · Γ(8.5)) = 0.957646;
    # var = 1/10 + 1/10 + g² / 40.
    effect = effect_smd(
        mean_treatment=10,
        sd_treatment=2,
        n_treatment=10,
        mean_control=8,
        sd_control=2,
        n_control=10,
    )

    assert effect.estimate == pytest.approx(0.957646, abs=1e-6)
    assert effect.se == pytest.approx(math.sqrt(0.2 + 0.957646**2 / 40), abs=1e-6)


def test_mean_difference_and_its_standard_error():
    effect = effect_md(
        mean_treatment=-12.3,
        sd_treatment=6,
        n_treatment=36,
        mean_control=-5.1,
        sd_control=8,
        n_control=16,
    )

    assert effect.estimate == pytest.approx(-7.2)
    assert effect.se == pytest.approx(math.sqrt(36 / 36 + 64 / 16))


def test_a_zero_cell_adds_one_half_to_every_cell():
    rr = effect_log_rr(
        events_treatment=0, n_treatment=20, events_control=4, n_control=20
    )
    odds = effect_log_or(
        events_treatment=0, n_treatment=20, events_control=4, n_control=20
    )

    assert rr.estimate == pytest.approx(math.log((0.5 / 21) / (4.5 / 21)))
    assert rr.se == pytest.approx(math.sqrt(1 / 0.5 - 1 / 21 + 1 / 4.5 - 1 / 21))
    assert odds.estimate == pytest.approx(math.log((0.5 * 16.5) / (20.5 * 4.5)))


def test_a_reported_ci_gives_the_standard_error():
    effect = effect_reported(measure="md", estimate=-12.3, ci_low=-16.9, ci_high=-7.7)

    assert effect.se == pytest.approx(9.2 / 3.92)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: effect_reported(measure="md", estimate=5, ci_low=-1, ci_high=2),
            "contain the estimate",
        ),
        (
            lambda: effect_smd(
                mean_treatment=1,
                sd_treatment=-1,
                n_treatment=10,
                mean_control=0,
                sd_control=1,
                n_control=10,
            ),
            "SD cannot be negative",
        ),
        (
            lambda: effect_log_rr(
                events_treatment=11, n_treatment=10, events_control=1, n_control=10
            ),
            "between 0 and its n",
        ),
        (
            lambda: effect_md(
                mean_treatment=1,
                sd_treatment=1,
                n_treatment=1,
                mean_control=0,
                sd_control=1,
                n_control=10,
            ),
            "at least 2 participants",
        ),
        (lambda: meta_analysis_reml([Effect("md", 1, 1)]), "at least two"),
        (
            lambda: meta_analysis_reml([Effect("md", 1, 1), Effect("smd", 1, 1)]),
            "different measures",
        ),
    ],
)
def test_impossible_input_is_refused_with_a_reason(call, message):
    with pytest.raises(EffectInputError, match=message):
        call()


effects = st.lists(
    st.tuples(
        st.floats(min_value=-5, max_value=5, allow_nan=False),
        st.floats(min_value=0.01, max_value=3, allow_nan=False),
    ),
    min_size=2,
    max_size=12,
)


@settings(max_examples=50, deadline=None)
@given(effects)
def test_the_pooled_estimate_lies_between_the_smallest_and_largest_study(pairs):
    result = meta_analysis_reml([Effect("smd", y, se) for y, se in pairs])
    estimates = [y for y, _ in pairs]

    assert min(estimates) - 1e-9 <= result.estimate <= max(estimates) + 1e-9
    assert result.tau2 >= 0
    assert 0 <= result.i2 < 100
    assert result.ci_low < result.estimate < result.ci_high
    assert result.prediction_low <= result.ci_low


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.floats(min_value=-1, max_value=1, allow_nan=False), min_size=1, max_size=8
    ),
    st.floats(min_value=-1, max_value=1, allow_nan=False),
)
def test_with_no_heterogeneity_a_study_with_vanishing_variance_pulls_the_estimate(
    others, precise
):
    # Studies far less precise than their spread give τ² = 0; one study with a
    # vanishing variance then decides the pooled estimate.
    imprecise = [Effect("md", y, 10.0) for y in others]
    result = meta_analysis_reml([*imprecise, Effect("md", precise, 1e-5)])

    assert result.tau2 == 0
    assert result.estimate == pytest.approx(precise, abs=1e-6)
