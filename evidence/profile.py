"""The evidence profile of a claim and the strength rule.

One place computes both, from the counts of a claim's published evidence links
by evidence type and direction; the admin, the API and the reader pages all
call :func:`evidence_profile`. It no longer decides anything: the verdict
(evidence/verdict.py) does, and the strength is one of its reasons.

Why a balance rather than a sum: a score that adds up links rewards a claim
for being argued about. Here contrary evidence always pulls the score towards
zero, so fifty contradicting links can never make a claim look stronger than
fifty agreeing ones.
"""

from dataclasses import dataclass, field, replace

from .vocabulary import (
    DIRECTIONS,
    EVIDENCE_TYPES,
    TYPE_LABELS,
    Direction,
    EvidenceType,
    in_sentence,
)

SUPPORTS, CONTRADICTS, MIXED = (direction.value for direction in Direction)

# How much one link of each type weighs against the others.
TYPE_WEIGHTS = {
    EvidenceType.CONTROLLED.value: 1.0,
    EvidenceType.SELF_REPORT.value: 0.25,
    EvidenceType.ANECDOTAL.value: 0.05,
}

# The strongest score a claim can reach when the best evidence on its winning
# side is of this type: self-report alone is at most moderate, anecdotes weak.
TYPE_CEILINGS = {
    EvidenceType.CONTROLLED.value: 100,
    EvidenceType.SELF_REPORT.value: 50,
    EvidenceType.ANECDOTAL.value: 20,
}

# Weighted evidence at which confidence in the balance reaches one half.
HALF_CONFIDENCE_WEIGHT = 2.0

# Share of weighted evidence on the minority side from which a claim is
# called contested.
CONTESTED_SHARE = 0.25

STRENGTH_BANDS = (
    (60, "strong", "Strong support"),
    (35, "moderate", "Moderate support"),
    (10, "weak", "Weak support"),
    (-9, "inconclusive", "Inconclusive"),
    (-34, "weak_against", "Weak evidence against"),
    (-59, "moderate_against", "Moderate evidence against"),
    (-100, "strong_against", "Strong evidence against"),
)

STRENGTH_LABELS = {
    "none": "No evidence",
    **{key: label for _, key, label in STRENGTH_BANDS},
}


def empty_counts():
    return {
        etype: {direction: 0 for direction in DIRECTIONS} for etype in EVIDENCE_TYPES
    }


def counts_from_rows(rows):
    """Build a type × direction count table from ``(type, direction, n)`` rows."""
    counts = empty_counts()
    for evidence_type, direction, number in rows:
        if evidence_type in counts and direction in counts[evidence_type]:
            counts[evidence_type][direction] += number
    return counts


@dataclass(frozen=True)
class EvidenceProfile:
    counts: dict
    total: int
    weight_for: float
    weight_against: float
    score: int
    strength: str
    strength_label: str
    contested: bool
    reasons: list = field(default_factory=list)

    def count(self, evidence_type, direction):
        return self.counts[evidence_type][direction]

    def by_type(self):
        return {etype: sum(self.counts[etype].values()) for etype in EVIDENCE_TYPES}

    def by_direction(self):
        return {
            direction: sum(self.counts[etype][direction] for etype in EVIDENCE_TYPES)
            for direction in DIRECTIONS
        }

    def weighted_by_direction(self):
        """Direction → the weight of its links (TYPE_WEIGHTS), as the verdict
        weighs them: what the compact bars draw."""
        return {
            direction: sum(
                TYPE_WEIGHTS[etype] * self.counts[etype][direction]
                for etype in EVIDENCE_TYPES
            )
            for direction in DIRECTIONS
        }

    def as_dict(self):
        return {
            "total": self.total,
            "counts": self.counts,
            "by_type": self.by_type(),
            "by_direction": self.by_direction(),
            "score": self.score,
            "strength": self.strength,
            "strength_label": self.strength_label,
            "contested": self.contested,
            "reasons": list(self.reasons),
        }


def _band(score):
    for threshold, key, label in STRENGTH_BANDS:
        if score >= threshold:
            return key, label
    return STRENGTH_BANDS[-1][1:]


def _plural(number, singular, plural=None):
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


def format_weight(value):
    return f"{value:.2f}".rstrip("0").rstrip(".")


def weights_in_words(weights=None):
    """What each evidence type weighs, in words, from ``weights`` (by default
    :data:`TYPE_WEIGHTS`): "a controlled link weighs 1, self-report 0.25,
    anecdotal 0.05" — written from the weights so that it never goes stale."""
    weights = TYPE_WEIGHTS if weights is None else weights
    first, *others = EVIDENCE_TYPES
    return ", ".join(
        [
            f"a {in_sentence(TYPE_LABELS[first])} link weighs {format_weight(weights[first])}"
        ]
        + [
            f"{in_sentence(TYPE_LABELS[etype])} {format_weight(weights[etype])}"
            for etype in others
        ]
    )


def evidence_profile(counts):
    """Return the :class:`EvidenceProfile` for a type × direction count table.

    ``counts`` maps each evidence type to a mapping of direction → number of
    published links (see :func:`counts_from_rows`); missing cells count as 0.
    """
    table = empty_counts()
    for etype, row in (counts or {}).items():
        for direction, number in (row or {}).items():
            if etype in table and direction in table[etype]:
                table[etype][direction] = int(number or 0)

    total = sum(sum(row.values()) for row in table.values())
    if total == 0:
        return EvidenceProfile(
            counts=table,
            total=0,
            weight_for=0.0,
            weight_against=0.0,
            score=0,
            strength="none",
            strength_label="No evidence",
            contested=False,
            reasons=["No published evidence is linked to this claim yet."],
        )

    weight_for = weight_against = 0.0
    for etype, row in table.items():
        weight = TYPE_WEIGHTS[etype]
        weight_for += weight * (row[SUPPORTS] + row[MIXED] / 2)
        weight_against += weight * (row[CONTRADICTS] + row[MIXED] / 2)
    weight_all = weight_for + weight_against

    balance = (weight_for - weight_against) / weight_all
    confidence = weight_all / (weight_all + HALF_CONFIDENCE_WEIGHT)
    raw_score = 100 * balance * confidence

    winning = SUPPORTS if balance >= 0 else CONTRADICTS
    best_on_winning_side = next(
        (
            etype
            for etype in EVIDENCE_TYPES
            if table[etype][winning] + table[etype][MIXED] > 0
        ),
        EVIDENCE_TYPES[-1],
    )
    ceiling = TYPE_CEILINGS[best_on_winning_side]
    capped = abs(raw_score) > ceiling
    score = round(max(-ceiling, min(ceiling, raw_score)))
    strength, strength_label = _band(score)
    minority_share = min(weight_for, weight_against) / weight_all
    contested = minority_share >= CONTESTED_SHARE

    by_type = {etype: sum(table[etype].values()) for etype in EVIDENCE_TYPES}
    reasons = [
        f"{_plural(total, 'published link')}: "
        + ", ".join(
            f"{by_type[etype]} {in_sentence(TYPE_LABELS[etype])}"
            for etype in EVIDENCE_TYPES
            if by_type[etype]
        )
        + "."
    ]
    for etype in EVIDENCE_TYPES:
        row = table[etype]
        if by_type[etype]:
            parts = [
                f"{row[direction]} {label}"
                for direction, label in (
                    (SUPPORTS, "support"),
                    (CONTRADICTS, "contradict"),
                    (MIXED, "mixed"),
                )
                if row[direction]
            ]
            reasons.append(f"{TYPE_LABELS[etype]} evidence: {', '.join(parts)}.")
    reasons.append(
        f"Weighted, {format_weight(weight_for)} for and {format_weight(weight_against)} "
        f"against ({weights_in_words()}; a mixed finding counts half each way)."
    )
    if contested:
        reasons.append(
            f"{round(minority_share * 100)}% of the weighted evidence points the other "
            "way, which pulls the strength towards zero."
        )
    if confidence < 0.5:
        reasons.append(
            "Little evidence in total, so even a one-sided balance gives a low strength."
        )
    if capped:
        reasons.append(
            f"Capped at {ceiling}: the best evidence on the "
            f"{'supporting' if winning == SUPPORTS else 'contradicting'} side is "
            f"{in_sentence(TYPE_LABELS[best_on_winning_side])}, which alone cannot make it stronger."
        )
    return EvidenceProfile(
        counts=table,
        total=total,
        weight_for=weight_for,
        weight_against=weight_against,
        score=score,
        strength=strength,
        strength_label=strength_label,
        contested=contested,
        reasons=reasons,
    )


def stored_profile(counts, *, score, strength):
    """The profile of stored ``counts`` with the stored ``score`` and
    ``strength`` band: what readers see is what the last refresh wrote, so the
    pages, the API, its CSV and the releases never disagree on it."""
    profile = evidence_profile(counts)
    return replace(
        profile,
        score=score,
        strength=strength or profile.strength,
        strength_label=STRENGTH_LABELS.get(strength, profile.strength_label),
    )
