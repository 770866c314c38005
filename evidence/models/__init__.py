"""The evidence app's models, one module per kind of record; every public
name is importable from ``evidence.models`` as before (migrations name
``evidence.models.validate_indirectness_reasons``).

- :mod:`.claims` — claims, their slugs and slug aliases;
- :mod:`.links` — evidence links between claims and studies, and suggested
  revisions of published work;
- :mod:`.versions` — published claim versions and open-data releases.
"""

from ..effects import EffectFavours, EffectMeasure
from ..vocabulary import (
    Certainty,
    Direction,
    DomainRating,
    EvidenceType,
    VerdictDirection,
)
from .claims import (
    SLUG_MAX_LENGTH,
    STATEMENT_MAX_LENGTH,
    Claim,
    ClaimQuerySet,
    ClaimSlugAlias,
    Status,
    Topic,
    unique_slug_for,
    visible_statuses,
)
from .links import (
    EFFECT_CONSTRAINTS,
    Evidence,
    EvidenceQuerySet,
    IndirectnessReason,
    Revision,
    RevisionQuerySet,
    RevisionStatus,
    validate_indirectness_reasons,
)
from .versions import ClaimVersion, ClaimVersionQuerySet, Release

__all__ = [
    "EFFECT_CONSTRAINTS",
    "SLUG_MAX_LENGTH",
    "STATEMENT_MAX_LENGTH",
    "Certainty",
    "Claim",
    "ClaimQuerySet",
    "ClaimSlugAlias",
    "ClaimVersion",
    "ClaimVersionQuerySet",
    "Direction",
    "DomainRating",
    "EffectFavours",
    "EffectMeasure",
    "Evidence",
    "EvidenceQuerySet",
    "EvidenceType",
    "IndirectnessReason",
    "Release",
    "Revision",
    "RevisionQuerySet",
    "RevisionStatus",
    "Status",
    "Topic",
    "VerdictDirection",
    "unique_slug_for",
    "validate_indirectness_reasons",
    "visible_statuses",
]
