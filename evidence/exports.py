"""A claim as a statement that other tools can read without our schema.

Follows the idea of the GA4GH Variant Annotation specification (VA-Spec): a
``Statement`` with a direction and a strength, supported by ``EvidenceLine``
objects that each carry their evidence items. Evidence Atlas groups its links
into one evidence line per evidence type and direction.
"""

from django.urls import reverse

from core.formats import api_datetime

from .vocabulary import (
    DIRECTIONS,
    EVIDENCE_TYPES,
    TYPE_LABELS,
    Direction,
    VerdictDirection,
    in_sentence,
)

# A link's direction in VA-Spec's words.
VA_DIRECTION = {
    Direction.SUPPORTS.value: "supports",
    Direction.CONTRADICTS.value: "disputes",
    Direction.MIXED.value: "neutral",
}
SPEC_NOTE = "Adapted from the GA4GH VA-Spec Statement and EvidenceLine model."


def _absolute(request, path):
    return request.build_absolute_uri(path) if request else path


# The claim's verdict direction in VA-Spec's words.
STATEMENT_DIRECTION = {
    VerdictDirection.FOR.value: "supports",
    VerdictDirection.AGAINST.value: "disputes",
    VerdictDirection.UNCLEAR.value: "neutral",
}


def _evidence_item(link, request):
    study = link.study
    identifiers = []
    if study.doi:
        identifiers.append(f"doi:{study.doi}")
    if study.pmid:
        identifiers.append(f"pmid:{study.pmid}")
    return {
        "type": "Document",
        "id": _absolute(request, study.get_absolute_url()),
        "name": study.citation,
        "identifiers": identifiers,
        "urls": [url for url in (study.source_url,) if url],
        "studyDesign": study.design or None,
        "population": study.population or None,
        "sampleSize": study.sample_size,
        "retracted": study.retracted,
        "finding": link.finding,
    }


def claim_va_statement(claim, links, *, request=None):
    """The claim as a VA-style ``Statement`` dict.

    ``links`` are the claim's counted evidence links with their studies
    loaded (``select_related("study")``).
    """
    lines = {}
    for link in links:
        lines.setdefault((link.evidence_type, link.direction), []).append(link)
    permalink = (
        reverse("evidence:claim-version", args=[claim.slug, claim.version])
        if claim.version
        else claim.get_absolute_url()
    )
    evidence_lines = [
        {
            "type": "EvidenceLine",
            "id": f"{claim.slug}:{evidence_type}:{direction}",
            "directionOfEvidenceProvided": VA_DIRECTION[direction],
            "strengthOfEvidenceProvided": {
                "primaryCoding": {
                    "code": evidence_type,
                    "system": "evidence-atlas:evidence-type",
                },
                "name": in_sentence(TYPE_LABELS[evidence_type]),
            },
            "hasEvidenceItems": [
                _evidence_item(link, request)
                for link in lines[(evidence_type, direction)]
            ],
        }
        for evidence_type in EVIDENCE_TYPES
        for direction in DIRECTIONS
        if (evidence_type, direction) in lines
    ]
    return {
        "id": _absolute(request, permalink),
        "type": "Statement",
        "conformsTo": SPEC_NOTE,
        "description": claim.statement,
        "subjectTopic": claim.topic,
        "direction": STATEMENT_DIRECTION[claim.verdict_direction],
        "strength": {
            "primaryCoding": {"code": claim.certainty, "system": "GRADE certainty"},
            "name": claim.get_certainty_display(),
        },
        "verdict": claim.verdict_text,
        "score": claim.strength_score,
        "specifiedBy": {
            "type": "Method",
            "name": "Evidence Atlas verdict rule (GRADE-style certainty in a direction)",
            "steps": claim.certainty_steps,
            "override": (
                {
                    "direction": claim.direction_override or None,
                    "level": claim.certainty_override or None,
                    "reason": claim.certainty_override_reason,
                }
                if claim.verdict_overridden
                else None
            ),
        },
        "version": claim.version,
        "dateUpdated": api_datetime(claim.updated),
        "hasEvidenceLines": evidence_lines,
    }
