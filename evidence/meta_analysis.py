"""Effect sizes of single studies and their random-effects meta-analysis.

Plain functions of numbers, with no database access: the rules that turn a
link's arm data (or a reported estimate) into an effect with its standard
error, and a set of such effects into a pooled estimate. They follow R's
metafor package, the reference implementation researchers check against:

- Hedges' g uses the exact small-sample correction (metafor's ``escalc``,
  measure ``SMD``) and the large-sample variance.
- Ratios are on the log scale; a 2×2 table with a zero cell gets 0.5 added
  to every cell.
- The pooled estimate is random effects with τ² by restricted maximum
  likelihood (REML, metafor's ``rma()`` default), a Wald 95% CI, I² from τ²
  and the typical within-study variance, Cochran's Q, and a 95% prediction
  interval for the effect in a new study.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats
from scipy.special import gammaln

Z_95 = float(stats.norm.ppf(0.975))
# Standard error from a reported 95% CI: its width is 2 × 1.96 standard errors.
CI_WIDTH_IN_SE = 3.92

CONTINUOUS_MEASURES = ("smd", "md")
BINARY_MEASURES = ("log_rr", "log_or")

REML_TOLERANCE = 1e-10
REML_MAX_ITERATIONS = 1000


class EffectInputError(ValueError):
    """Arm data or a reported estimate that cannot give an effect."""


@dataclass(frozen=True)
class Effect:
    """One study's effect on the measure's scale, with its 95% CI."""

    measure: str
    estimate: float
    se: float
    # People in the study's two arms, where known (not part of the arithmetic).
    participants: int | None = None

    @property
    def variance(self) -> float:
        return self.se**2

    @property
    def ci_low(self) -> float:
        return self.estimate - Z_95 * self.se

    @property
    def ci_high(self) -> float:
        return self.estimate + Z_95 * self.se


@dataclass(frozen=True)
class MetaAnalysis:
    """A random-effects meta-analysis (REML) of ``k`` effects."""

    measure: str
    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    tau2: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p: float
    prediction_low: float
    prediction_high: float
    weights: tuple[float, ...]
    # The studies' participants, summed over those that report them (None
    # when none does).
    participants: int | None = None
    method: str = "REML"

    @property
    def z(self) -> float:
        return self.estimate / self.se


def _hedges_correction(df: int) -> float:
    """The exact small-sample correction J(df) of Hedges (1981)."""
    return math.exp(
        gammaln(df / 2) - math.log(math.sqrt(df / 2)) - gammaln((df - 1) / 2)
    )


def effect_smd(
    *,
    mean_treatment: float,
    sd_treatment: float,
    n_treatment: int,
    mean_control: float,
    sd_control: float,
    n_control: int,
) -> Effect:
    """Hedges' g (treatment minus control) from two arms' means and SDs."""
    _check_arm(n_treatment, sd_treatment, "treatment")
    _check_arm(n_control, sd_control, "control")
    df = n_treatment + n_control - 2
    pooled_sd = math.sqrt(
        ((n_treatment - 1) * sd_treatment**2 + (n_control - 1) * sd_control**2) / df
    )
    if pooled_sd == 0:
        raise EffectInputError("Both SDs are zero: no standardised difference exists.")
    g = _hedges_correction(df) * (mean_treatment - mean_control) / pooled_sd
    variance = 1 / n_treatment + 1 / n_control + g**2 / (2 * (n_treatment + n_control))
    return Effect("smd", g, math.sqrt(variance))


def effect_md(
    *,
    mean_treatment: float,
    sd_treatment: float,
    n_treatment: int,
    mean_control: float,
    sd_control: float,
    n_control: int,
) -> Effect:
    """The raw mean difference (treatment minus control)."""
    _check_arm(n_treatment, sd_treatment, "treatment")
    _check_arm(n_control, sd_control, "control")
    variance = sd_treatment**2 / n_treatment + sd_control**2 / n_control
    if variance == 0:
        raise EffectInputError("Both SDs are zero: the difference has no variance.")
    return Effect("md", mean_treatment - mean_control, math.sqrt(variance))


def _table(
    events_treatment: int, n_treatment: int, events_control: int, n_control: int
) -> tuple[float, float, float, float]:
    for events, n, arm in (
        (events_treatment, n_treatment, "treatment"),
        (events_control, n_control, "control"),
    ):
        if n < 2:
            raise EffectInputError(f"The {arm} arm needs at least 2 participants.")
        if not 0 <= events <= n:
            raise EffectInputError(
                f"The {arm} arm's events must lie between 0 and its n ({n})."
            )
    a: float
    b: float
    c: float
    d: float
    a, b = events_treatment, n_treatment - events_treatment
    c, d = events_control, n_control - events_control
    if 0 in (a, b, c, d):
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    return a, b, c, d


def effect_log_rr(
    *, events_treatment: int, n_treatment: int, events_control: int, n_control: int
) -> Effect:
    """The log risk ratio of two arms' event counts."""
    a, b, c, d = _table(events_treatment, n_treatment, events_control, n_control)
    if a == b == 0.5 or c == d == 0.5:
        raise EffectInputError("An arm with no participants has no risk.")
    estimate = math.log((a / (a + b)) / (c / (c + d)))
    variance = 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)
    return Effect("log_rr", estimate, math.sqrt(variance))


def effect_log_or(
    *, events_treatment: int, n_treatment: int, events_control: int, n_control: int
) -> Effect:
    """The log odds ratio of two arms' event counts."""
    a, b, c, d = _table(events_treatment, n_treatment, events_control, n_control)
    estimate = math.log((a * d) / (b * c))
    variance = 1 / a + 1 / b + 1 / c + 1 / d
    return Effect("log_or", estimate, math.sqrt(variance))


def effect_reported(
    *, measure: str, estimate: float, ci_low: float, ci_high: float
) -> Effect:
    """An effect from a reported estimate and 95% CI (log scale for ratios)."""
    if not ci_low < ci_high:
        raise EffectInputError("The CI's lower bound must be below its upper bound.")
    if not ci_low <= estimate <= ci_high:
        raise EffectInputError("The CI must contain the estimate.")
    return Effect(measure, estimate, (ci_high - ci_low) / CI_WIDTH_IN_SE)


def _check_arm(n: int, sd: float, arm: str) -> None:
    if n < 2:
        raise EffectInputError(f"The {arm} arm needs at least 2 participants.")
    if sd < 0:
        raise EffectInputError(f"The {arm} arm's SD cannot be negative.")


def total_except(values: Sequence[float], index: int) -> float:
    """The sum of ``values`` without the one at ``index``, without cancellation."""
    return math.fsum(
        value for position, value in enumerate(values) if position != index
    )


def _reml_tau2(estimates: Sequence[float], variances: Sequence[float]) -> float:
    """τ² by REML, with metafor's Fisher-scoring update, truncated at zero."""
    k = len(estimates)
    weights = [1 / v for v in variances]
    mean = sum(w * y for w, y in zip(weights, estimates, strict=True)) / sum(weights)
    # Start from the Hedges (method-of-moments) estimate, as metafor does.
    tau2 = max(
        0.0,
        sum((y - sum(estimates) / k) ** 2 for y in estimates) / (k - 1)
        - sum(variances) / k,
    )
    for _ in range(REML_MAX_ITERATIONS):
        weights = [1 / (v + tau2) for v in variances]
        total = sum(weights)
        mean = sum(w * y for w, y in zip(weights, estimates, strict=True)) / total
        # P = W - w w' / sum(w), the REML projection. Its traces are summed
        # term by term: the closed forms cancel catastrophically when one
        # weight dwarfs the others.
        residual_w = [w * (y - mean) for w, y in zip(weights, estimates, strict=True)]
        others = [total_except(weights, i) for i in range(k)]
        trace_p = sum(w * rest for w, rest in zip(weights, others, strict=True)) / total
        off_diagonal = sum(
            (weights[i] * weights[j] / total) ** 2
            for i in range(k)
            for j in range(k)
            if i != j
        )
        trace_pp = off_diagonal + sum(
            (w * rest / total) ** 2 for w, rest in zip(weights, others, strict=True)
        )
        ypppy = sum(r * r for r in residual_w)
        step = (ypppy - trace_p) / trace_pp
        new_tau2 = max(0.0, tau2 + step)
        if abs(new_tau2 - tau2) < REML_TOLERANCE:
            return new_tau2
        tau2 = new_tau2
    return tau2


def meta_analysis_reml(effects: Sequence[Effect]) -> MetaAnalysis:
    """Pool ``effects`` (at least two, all on one measure) by random effects."""
    if len(effects) < 2:
        raise EffectInputError("A meta-analysis needs at least two effects.")
    measures = {effect.measure for effect in effects}
    if len(measures) != 1:
        raise EffectInputError("Effects on different measures cannot be pooled.")
    estimates = [effect.estimate for effect in effects]
    variances = [effect.variance for effect in effects]
    if any(v <= 0 for v in variances):
        raise EffectInputError("Every effect needs a positive standard error.")
    k = len(effects)

    fixed_weights = [1 / v for v in variances]
    fixed_total = sum(fixed_weights)
    fixed_mean = (
        sum(w * y for w, y in zip(fixed_weights, estimates, strict=True)) / fixed_total
    )
    q = sum(
        w * (y - fixed_mean) ** 2 for w, y in zip(fixed_weights, estimates, strict=True)
    )
    q_df = k - 1

    tau2 = _reml_tau2(estimates, variances)
    weights = [1 / (v + tau2) for v in variances]
    total = sum(weights)
    estimate = sum(w * y for w, y in zip(weights, estimates, strict=True)) / total
    se = math.sqrt(1 / total)
    # I² from τ² and the typical within-study variance (Higgins & Thompson),
    # as metafor reports it; not the Q-based (Q − df) / Q.
    typical_variance = (
        q_df
        * fixed_total
        / math.fsum(
            w * total_except(fixed_weights, i) for i, w in enumerate(fixed_weights)
        )
    )
    i2 = 100 * tau2 / (tau2 + typical_variance)
    prediction_half_width = Z_95 * math.sqrt(tau2 + se**2)
    known = [effect.participants for effect in effects if effect.participants]
    return MetaAnalysis(
        measure=measures.pop(),
        k=k,
        estimate=estimate,
        se=se,
        ci_low=estimate - Z_95 * se,
        ci_high=estimate + Z_95 * se,
        tau2=tau2,
        i2=i2,
        h2=(tau2 + typical_variance) / typical_variance,
        q=q,
        q_df=q_df,
        q_p=float(stats.chi2.sf(q, q_df)),
        prediction_low=estimate - prediction_half_width,
        prediction_high=estimate + prediction_half_width,
        weights=tuple(100 * w / total for w in weights),
        participants=sum(known) if known else None,
    )
