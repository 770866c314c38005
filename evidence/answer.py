"""The answer a claim page opens with: its best evidence, whatever its direction.

The full list groups links by direction (supports, contradicts, mixed); a
reader asking "does it work?" needs first the few links that decide, which are
the best-designed ones, in the order of the verdict's tiers
(evidence/verdict.py): randomised trials, then other studies, then anecdotes
and anecdotal designs; within a tier, controlled before self-report.
"""

import re

from django.conf import settings
from django.db.models import Case, F, IntegerField, Value, When

from dataversion import caching

from .models import Evidence, EvidenceType
from .models.links import evidence_type_rank
from .verdict import ANECDOTAL_DESIGNS, RANDOMISED_DESIGNS

# Links shown in the "best evidence" block.
BEST_EVIDENCE_SHOWN = 5
# A finding longer than this is cut at a word for its one line.
FINDING_LINE_CHARS = 160

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")


def verdict_tier():
    """The tier the verdict starts a link at (evidence/verdict.py
    ``starting_level``), as a rank: 0 for randomised trials, 2 for anecdotes
    and anecdotal designs, 1 for the rest."""
    return Case(
        When(evidence_type=EvidenceType.ANECDOTAL, then=Value(2)),
        When(study__design__in=sorted(ANECDOTAL_DESIGNS), then=Value(2)),
        When(study__design__in=sorted(RANDOMISED_DESIGNS), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def best_evidence(claim, *, shown=BEST_EVIDENCE_SHOWN):
    """The ``shown`` best-designed counted links of ``claim``, best first: by
    the verdict's tier, then kind of evidence, then the larger and newer study."""
    return list(
        Evidence.objects.counted()
        .filter(claim=claim)
        .select_related("study")
        .order_by(
            verdict_tier(),
            evidence_type_rank(),
            F("study__sample_size").desc(nulls_last=True),
            F("study__year").desc(nulls_last=True),
            "-id",
        )[:shown]
    )


def claim_best_evidence(claim):
    """:func:`best_evidence` of ``claim``, found once until data changes
    (ordering all of a claim's links by tier costs a query to compile and,
    for the largest claims, to sort)."""
    return caching.remember(
        "best-evidence",
        str(claim.pk),
        lambda: best_evidence(claim),
        settings.COUNT_CACHE_SECONDS,
    )


def finding_line(finding, limit=FINDING_LINE_CHARS):
    """The first sentence of ``finding``, cut at a word when still too long."""
    text = " ".join(finding.split())
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0].rstrip(",;:—–- ")
    return f"{cut}…"
