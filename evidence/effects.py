"""The effect size recorded on an evidence link.

One home for its vocabulary (the measures, which side of no effect favours a
claim), the rules its fields follow and the :class:`Effect` they give. The
model's validation, the API's rows, the meta-analyses and the exports all
call :func:`effect_field_errors` and :func:`link_effect`; the arithmetic
itself is in :mod:`evidence.meta_analysis`.

Fields are read from any mapping of the model's field names (a model's
``__dict__`` or a ``.values()`` row), so that lists never build instances.
"""

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import models

from .meta_analysis import (
    BINARY_MEASURES,
    CONTINUOUS_MEASURES,
    Effect,
    EffectInputError,
    effect_log_or,
    effect_log_rr,
    effect_md,
    effect_reported,
    effect_smd,
)


class EffectMeasure(models.TextChoices):
    SMD = "smd", "Standardised mean difference (Hedges' g)"
    MD = "md", "Mean difference"
    LOG_RR = "log_rr", "Log risk ratio"
    LOG_OR = "log_or", "Log odds ratio"


class EffectFavours(models.TextChoices):
    LOWER = "lower", "Lower values (an effect below no effect supports the claim)"
    HIGHER = "higher", "Higher values (an effect above no effect supports the claim)"


MEAN_FIELDS = ("mean_treatment", "sd_treatment", "mean_control", "sd_control")
EVENT_FIELDS = ("events_treatment", "events_control")
N_FIELDS = ("n_treatment", "n_control")
REPORTED_FIELDS = ("reported_estimate", "reported_ci_low", "reported_ci_high")
EFFECT_NUMBER_FIELDS = (*MEAN_FIELDS, *EVENT_FIELDS, *N_FIELDS, *REPORTED_FIELDS)
EFFECT_FIELDS = (
    "outcome",
    "comparator",
    "timepoint",
    "effect_measure",
    *EFFECT_NUMBER_FIELDS,
)
# The arm data each kind of measure is computed from, besides the arms' n.
ARM_FIELDS = {
    **{measure: MEAN_FIELDS for measure in CONTINUOUS_MEASURES},
    **{measure: EVENT_FIELDS for measure in BINARY_MEASURES},
}
FOREIGN_FIELDS = {
    **{measure: EVENT_FIELDS for measure in CONTINUOUS_MEASURES},
    **{measure: MEAN_FIELDS for measure in BINARY_MEASURES},
}


def _given(values: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    return [name for name in names if values.get(name) is not None]


def effect_field_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Field → messages for the effect fields in ``values`` (empty when valid).

    A link has no effect (no measure, no numbers), or a measure with either
    complete arm data of the measure's kind or a reported estimate with its
    95% CI (the arms' n may accompany a reported estimate).
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    measure = values.get("effect_measure") or ""
    given = _given(values, EFFECT_NUMBER_FIELDS)
    for name in given:
        if not math.isfinite(values[name]):
            add(name, "Give a finite number.")
    if errors:
        return errors
    if not measure:
        if given:
            add(
                "effect_measure",
                "Choose the effect measure these numbers are on "
                f"({', '.join(given)}), or leave the numbers empty.",
            )
        return errors

    for name in _given(values, FOREIGN_FIELDS[measure]):
        kind = "means and SDs" if name in EVENT_FIELDS else "event counts"
        add(
            name,
            f"{measure} is computed from {kind}; this field belongs to the other "
            "kind of measure. Leave it empty or change the measure.",
        )
    arm_fields = ARM_FIELDS[measure]
    arm_given = _given(values, arm_fields)
    reported_given = _given(values, REPORTED_FIELDS)
    if arm_given and reported_given:
        for name in reported_given:
            add(name, "Give arm data or a reported estimate, not both.")
    elif arm_given:
        for name in (*arm_fields, *N_FIELDS):
            if values.get(name) is None:
                add(name, "Required with the other arm data: give both arms in full.")
    elif reported_given:
        for name in REPORTED_FIELDS:
            if values.get(name) is None:
                add(name, "Give the reported estimate with both bounds of its 95% CI.")
        if len(_given(values, N_FIELDS)) == 1:
            for name in N_FIELDS:
                if values.get(name) is None:
                    add(name, "Give both arms' n, or neither.")
    else:
        add(
            "effect_measure",
            "Give the arm data or a reported estimate with its 95% CI for this "
            "measure, or leave the measure empty.",
        )

    for name in ("sd_treatment", "sd_control"):
        if values.get(name) is not None and values[name] < 0:
            add(name, "An SD cannot be negative.")
    for name in N_FIELDS:
        if values.get(name) is not None and values[name] < 2:
            add(name, "An arm needs at least 2 participants.")
    for events, n in (
        ("events_treatment", "n_treatment"),
        ("events_control", "n_control"),
    ):
        if values.get(events) is None:
            continue
        if values[events] < 0:
            add(events, "Events cannot be negative.")
        elif values.get(n) is not None and values[events] > values[n]:
            add(events, f"Events cannot exceed the arm's n ({values[n]}).")
    if len(reported_given) == len(REPORTED_FIELDS):
        estimate, low, high = (values[name] for name in REPORTED_FIELDS)
        if not low < high:
            add(
                "reported_ci_low", "The CI's lower bound must be below its upper bound."
            )
        elif not low <= estimate <= high:
            add(
                "reported_estimate",
                f"The 95% CI ({low:g} to {high:g}) must contain the estimate.",
            )
    if not errors:
        try:
            effect = link_effect(values)
        except (EffectInputError, ArithmeticError) as error:
            add("effect_measure", str(error))
        else:
            if effect is not None and not _usable(effect):
                add(
                    "effect_measure",
                    "These numbers give no usable effect (an infinite or vanishing "
                    "standard error); check their scale.",
                )
    return errors


def _usable(effect: Effect) -> bool:
    """Whether ``effect`` can be shown and pooled without overflowing."""
    numbers = (effect.estimate, effect.se, effect.ci_low, effect.ci_high)
    return (
        all(math.isfinite(value) for value in numbers)
        and effect.variance > 0
        and math.isfinite(1 / effect.variance)
    )


def link_participants(values: Mapping[str, Any]) -> int | None:
    """The people in the link's two arms, or else in its study, where known."""
    if values.get("n_treatment") and values.get("n_control"):
        return values["n_treatment"] + values["n_control"]
    return values.get("study_sample_size") or None


def link_effect(values: Mapping[str, Any]) -> Effect | None:
    """The link's :class:`Effect`, or ``None`` when it records none.

    ``values`` must pass :func:`effect_field_errors`; ``study_sample_size``
    may be given for the participants of a reported estimate without arms.
    """
    measure = values.get("effect_measure") or ""
    if not measure:
        return None
    participants = link_participants(values)
    if values.get("reported_estimate") is not None:
        effect = effect_reported(
            measure=measure,
            estimate=values["reported_estimate"],
            ci_low=values["reported_ci_low"],
            ci_high=values["reported_ci_high"],
        )
    elif measure in CONTINUOUS_MEASURES:
        compute: Callable[..., Effect] = effect_smd if measure == "smd" else effect_md
        effect = compute(**{name: values[name] for name in (*MEAN_FIELDS, *N_FIELDS)})
    else:
        compute = effect_log_rr if measure == "log_rr" else effect_log_or
        effect = compute(**{name: values[name] for name in (*EVENT_FIELDS, *N_FIELDS)})
    return Effect(effect.measure, effect.estimate, effect.se, participants)


def effect_data(effect: Effect | None) -> dict | None:
    """The API and export shape of a link's effect."""
    if effect is None:
        return None
    return {
        "measure": effect.measure,
        "estimate": effect.estimate,
        "se": effect.se,
        "ci_low": effect.ci_low,
        "ci_high": effect.ci_high,
    }


EFFECT_CSV_COLUMNS = [
    (
        "effect_measure",
        "smd, md, log_rr or log_or; empty when the link records no effect",
    ),
    ("effect_estimate", "Treatment minus control (log scale for ratios)"),
    ("effect_se", "Standard error of the estimate"),
    ("effect_ci_low", "Lower bound of the 95% CI"),
    ("effect_ci_high", "Upper bound of the 95% CI"),
]


def effect_cells(effect: Effect | None) -> list:
    """Cells of :data:`EFFECT_CSV_COLUMNS` for a link's effect."""
    data = effect_data(effect)
    if data is None:
        return ["", "", "", "", ""]
    return [data[name] for name in ("measure", "estimate", "se", "ci_low", "ci_high")]
