"""Each claim's counted effects pooled into one meta-analysis per measure.

Whenever two or more counted links of a claim (published, study not
retracted) record an effect on the same measure, their effects are pooled by
random effects (REML, :func:`evidence.meta_analysis.meta_analysis_reml`).
The result is stored on the claim by ``services.claim_refresh`` (lists, CSVs
and releases read it without touching links). Rules that need the numbers
themselves take them from the same computation: :func:`claim_pooled` (what
``claim_refresh`` computes once and stores), :func:`pooled_by_claim` (the
bulk refresh) or :func:`claim_meta_analyses`.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from django.db.models import F, QuerySet

from .effects import EFFECT_NUMBER_FIELDS, EffectMeasure, link_effect
from .meta_analysis import EffectInputError, MetaAnalysis, meta_analysis_reml

if TYPE_CHECKING:
    from .models import Claim, Evidence
from .models import Evidence
from .verdict import PooledEffect

MEASURE_ORDER = {measure: index for index, measure in enumerate(EffectMeasure.values)}
# The pooled values as the API, the CSVs and the releases carry them.
POOLED_FIELDS = (
    "measure",
    "k",
    "participants",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "tau2",
    "i2",
    "q",
    "q_df",
    "q_p",
    "prediction_low",
    "prediction_high",
    "method",
)
ROW_FIELDS = ("id", "claim_id", "effect_measure", *EFFECT_NUMBER_FIELDS)


def _rows(links: "QuerySet[Evidence]") -> "QuerySet[Evidence, dict[str, Any]]":
    """``values()`` rows of ``links`` (counted, with an effect) for pooling."""
    return (
        links.exclude(effect_measure="")
        .values(*ROW_FIELDS, study_sample_size=F("study__sample_size"))
        .order_by("claim_id", "effect_measure", "id")
    )


@dataclass(frozen=True)
class Pooled:
    """One meta-analysis with the ids of its links, in the order of its
    weights, and their estimates."""

    analysis: MetaAnalysis
    link_ids: tuple[int, ...]
    estimates: tuple[float, ...] = ()


def pooled(rows: Iterable[Mapping[str, Any]]) -> list[Pooled]:
    """Meta-analyses of one claim's counted link ``rows``, one per measure
    with two or more effects."""
    by_measure = defaultdict(list)
    for row in rows:
        effect = link_effect(row)
        if effect is not None:
            by_measure[effect.measure].append((row["id"], effect))
    results = []
    for measure in sorted(by_measure, key=MEASURE_ORDER.__getitem__):
        entries = sorted(by_measure[measure], key=itemgetter(0))
        if len(entries) < 2:
            continue
        try:
            analysis = meta_analysis_reml([effect for _, effect in entries])
        except (EffectInputError, ArithmeticError):
            continue  # numbers the link rules let through but no pooling can use
        if all(
            math.isfinite(getattr(analysis, name))
            for name in POOLED_FIELDS
            if name not in ("measure", "k", "q_df", "participants", "method")
        ):
            results.append(
                Pooled(
                    analysis,
                    tuple(link_id for link_id, _ in entries),
                    tuple(effect.estimate for _, effect in entries),
                )
            )
    return results


def main_first(k: int, measure: str) -> tuple[int, int]:
    """Sort key of a claim's main meta-analysis: the most studies, then the
    measure listed first. The verdict weighs it; the flat CSV columns show it."""
    return (k, -MEASURE_ORDER[measure])


def main_pooled_effect(results: Iterable[Pooled]) -> PooledEffect | None:
    """What the verdict rule weighs of a claim's meta-analyses: the one with
    the most studies (the one the flat CSV columns show), or ``None``."""
    results = list(results)
    if not results:
        return None
    main = max(
        results,
        key=lambda result: main_first(result.analysis.k, result.analysis.measure),
    )
    analysis = main.analysis
    return PooledEffect(
        measure=analysis.measure,
        k=analysis.k,
        estimate=analysis.estimate,
        ci_low=analysis.ci_low,
        ci_high=analysis.ci_high,
        i2=analysis.i2,
        participants=analysis.participants,
        study_estimates=main.estimates,
    )


def pooled_stored(results: Iterable[Pooled]) -> list[dict]:
    """What a claim stores in ``meta_analyses`` for its pooled ``results``:
    the pooled values, and each link's weight in percent."""
    return [
        {
            **{name: getattr(result.analysis, name) for name in POOLED_FIELDS},
            "links": [
                {"id": link_id, "weight": weight}
                for link_id, weight in zip(
                    result.link_ids, result.analysis.weights, strict=True
                )
            ],
        }
        for result in results
    ]


def claim_pooled(*, claim_id: int) -> list[Pooled]:
    """The claim's meta-analyses with their links (one query)."""
    return pooled(_rows(Evidence.objects.filter(claim_id=claim_id).counted()))


def claim_meta_analyses(*, claim_id: int) -> list[MetaAnalysis]:
    """The claim's meta-analyses, from its counted links (one query)."""
    return [result.analysis for result in claim_pooled(claim_id=claim_id)]


def pooled_by_claim(claims: "QuerySet[Claim]") -> dict[int, list[Pooled]]:
    """:func:`pooled` of every claim in the ``claims`` queryset that has a
    meta-analysis, by claim id (one query for all)."""
    rows = _rows(Evidence.objects.filter(claim__in=claims.values("pk")).counted())
    return {
        claim_id: results
        for claim_id, group in groupby(
            rows.iterator(chunk_size=5000), key=itemgetter("claim_id")
        )
        if (results := pooled(group))
    }


def public_meta_analyses(stored: list[dict]) -> list[dict]:
    """The API shape of a claim's stored meta-analyses."""
    return [
        {
            **{name: entry[name] for name in POOLED_FIELDS},
            "links": entry["links"],
        }
        for entry in stored
    ]


# --- Flat columns (the API claims CSV and the release's claims.csv) ----------

FLAT_FIELDS = tuple(name for name in POOLED_FIELDS if name != "method")
FLAT_COLUMNS = [
    ("meta_analyses", "Number of meta-analyses (one per effect measure)"),
    *(
        (
            f"meta_{name}",
            "The meta-analysis with the most studies: " + name.replace("_", " "),
        )
        for name in FLAT_FIELDS
    ),
]


def flat_meta_analysis(stored: list[dict]) -> list:
    """Cells of :data:`FLAT_COLUMNS`: the count, then the largest analysis
    (empty cells when there is none)."""
    if not stored:
        return [0, *("" for _ in FLAT_FIELDS)]
    largest = max(stored, key=lambda entry: main_first(entry["k"], entry["measure"]))
    return [
        len(stored),
        *("" if largest[name] is None else largest[name] for name in FLAT_FIELDS),
    ]
