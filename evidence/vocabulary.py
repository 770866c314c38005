"""The evidence vocabulary: every value a link or a claim is graded with, and
the one label of each value.

Curators grade each link between a claim and a study by its evidence type and
the way it points (its direction); the verdict gives each claim a verdict
direction, a GRADE certainty level and ratings of GRADE's domains. The model
fields take their choices from here, and so do the verdict and strength rules
(evidence/verdict.py, evidence/profile.py), the serializers, filters, template
tags, CSV and releases: a value or a label is never typed again elsewhere
(tests/evidence/test_vocabulary.py holds them to the model fields).

Labels are written once, as they start a sentence or a table cell
("Self-report"); :func:`in_sentence` gives the form used inside a sentence
("self-report").

The order of each class is the order of its values everywhere: evidence types
and certainty levels strongest first. Migrations keep their own literal
copies of the choices, as Django writes them.
"""

from django.db import models


class EvidenceType(models.TextChoices):
    """The kind of evidence a link is, strongest first."""

    CONTROLLED = "controlled", "Controlled"
    SELF_REPORT = "self_report", "Self-report"
    ANECDOTAL = "anecdotal", "Anecdotal"


class Direction(models.TextChoices):
    """The way a link's finding points for its claim."""

    SUPPORTS = "supports", "Supports"
    CONTRADICTS = "contradicts", "Contradicts"
    MIXED = "mixed", "Mixed"


class Certainty(models.TextChoices):
    """GRADE's certainty levels, highest first."""

    HIGH = "high", "High"
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"
    VERY_LOW = "very_low", "Very low"


class VerdictDirection(models.TextChoices):
    """The direction of a claim's verdict."""

    FOR = "for", "For"
    AGAINST = "against", "Against"
    UNCLEAR = "unclear", "Unclear"


class DomainRating(models.TextChoices):
    """A curator's rating of one of GRADE's domains for a link."""

    NOT_ASSESSED = "not_assessed", "Not assessed"
    NOT_SERIOUS = "not_serious", "Not serious"
    SERIOUS = "serious", "Serious (down one)"
    VERY_SERIOUS = "very_serious", "Very serious (down two)"


# Values in their order, for tables and loops.
EVIDENCE_TYPES = tuple(EvidenceType.values)
DIRECTIONS = tuple(Direction.values)
VERDICT_DIRECTIONS = tuple(VerdictDirection.values)
# Certainty levels lowest first, and each level's rank (1 = very low).
LEVELS = tuple(reversed(Certainty.values))
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS, start=1)}

# Value → label.
TYPE_LABELS = dict(EvidenceType.choices)
DIRECTION_LABELS = dict(Direction.choices)
LEVEL_LABELS = dict(Certainty.choices)
VERDICT_LABELS = dict(VerdictDirection.choices)


def in_sentence(label: str) -> str:
    """A label as written inside a sentence: "Self-report" → "self-report"."""
    return label[:1].lower() + label[1:]


def listed(values: tuple[str, ...] | list[str], conjunction: str = "or") -> str:
    """Values in words: ``a, b or c``."""
    values = list(values)
    if len(values) < 2:
        return "".join(values)
    return f"{', '.join(values[:-1])} {conjunction} {values[-1]}"
