"""The column contract of every CSV the app writes about claims, evidence
links and versions: the API's list exports (``format=csv``) and the data
releases' files use these columns and these row functions, so the same
resource has the same columns wherever it is downloaded (studies: see
studies/exports.py; tests/test_api_csv.py ties them together).

Row functions give typed values; :func:`core.renderers.csv_cell` spells
them one way: ``true``/``false``, empty for null (``None``), timestamps in
the API's format, lists joined with ``; ``. The verdict and effect-size
columns come from evidence/synthesis.py and evidence/effects.py.
"""

from .effects import EFFECT_CSV_COLUMNS, effect_cells
from .synthesis import FLAT_COLUMNS, flat_meta_analysis
from .vocabulary import (
    DIRECTIONS,
    EVIDENCE_TYPES,
    VERDICT_DIRECTIONS,
    Certainty,
    DomainRating,
    listed,
)

GRADE_RATINGS = f"GRADE: {listed(DomainRating.values)}"

PROFILE_COLUMNS = [
    (
        f"{evidence_type}_{direction}",
        f"Counted links of type {evidence_type} with direction {direction}",
    )
    for evidence_type in EVIDENCE_TYPES
    for direction in DIRECTIONS
]

CLAIM_COLUMNS = [
    ("id", "Permanent integer identifier (never changes, unlike the slug)"),
    ("slug", "Identifier in addresses; the claim's page is /claims/<slug>/"),
    ("statement", "The claim"),
    ("description", "Context for the claim"),
    ("topic", "mechanism, effect or risk"),
    ("status", "draft, in_review, published or retracted (releases: published)"),
    (
        "verdict_direction",
        f"Where the deciding evidence points: {listed(VERDICT_DIRECTIONS)} "
        "(an editor's override if any)",
    ),
    (
        "certainty",
        f"Certainty in that direction: {listed(Certainty.values)} "
        "(an editor's override if any)",
    ),
    ("verdict_text", "The verdict in one plain sentence"),
    ("verdict_direction_computed", "Direction computed by the documented rule"),
    ("certainty_computed", "Certainty computed by the documented GRADE-style rule"),
    ("certainty_steps", "Each step of the rule, in words, separated by ' | '"),
    (
        "certainty_override_reason",
        "Why an editor overrode the computed direction or certainty, if they did",
    ),
    (
        "strength",
        "Strength band of all evidence (one reason under the verdict, not the verdict)",
    ),
    ("strength_score", "Strength of all evidence, -100 (against) to 100 (for)"),
    ("evidence_count", "Counted evidence links (published, study not retracted)"),
    *PROFILE_COLUMNS,
    ("version", "Number of the claim's latest published version"),
    ("updated", "When the claim was last changed (UTC, ISO 8601)"),
    *FLAT_COLUMNS,
]
EVIDENCE_COLUMNS = [
    ("id", "Evidence link identifier"),
    ("claim", "Slug of the claim"),
    ("claim_id", "Permanent identifier of the claim"),
    ("study", "Identifier of the study"),
    ("study_citation", "The study in one line: authors (year). Title. Journal."),
    ("study_year", "Publication year of the study; empty for undated sources"),
    ("study_doi", "DOI of the study, lower case; empty when it has none"),
    ("study_pmid", "PubMed ID of the study; empty when it has none"),
    ("study_sample_size", "Participants (or units) studied; empty when not reported"),
    ("study_design", "Design of the study (see studies.csv); empty when not recorded"),
    (
        "study_population",
        "clinical, healthy, animal, cells or other; empty when not recorded",
    ),
    ("study_dose", "micro, macro or na (not applicable); empty when not recorded"),
    ("evidence_type", listed(EVIDENCE_TYPES)),
    ("direction", listed(DIRECTIONS)),
    ("finding", "What the study found for this claim, in the curator's words"),
    ("risk_of_bias", GRADE_RATINGS),
    ("indirectness", GRADE_RATINGS),
    (
        "indirectness_reasons",
        "animal_or_in_vitro, healthy_volunteers, full_dose, surrogate_outcome; separated by '; '",
    ),
    ("imprecision", GRADE_RATINGS),
    ("inconsistency", GRADE_RATINGS),
    ("publication_bias", GRADE_RATINGS),
    ("large_effect", "true if recorded as a reason to trust it more, else false"),
    ("dose_response", "true if recorded as a reason to trust it more, else false"),
    (
        "study_retracted",
        "true if the study was retracted (the link is then not counted), else false",
    ),
    ("status", "draft, in_review, published or retracted (releases: published)"),
    ("created", "When the link was added (UTC, ISO 8601)"),
    ("updated", "When the link was last changed (UTC, ISO 8601)"),
    ("outcome", "The outcome of the effect, e.g. depression severity (MADRS)"),
    ("comparator", "What the treatment was compared with"),
    ("timepoint", "When the outcome was measured"),
    *EFFECT_CSV_COLUMNS,
]
META_ANALYSIS_COLUMNS = [
    ("claim", "Slug of the claim"),
    *(
        (name, meaning)
        for name, meaning in (
            ("measure", "smd, md, log_rr or log_or"),
            ("k", "Number of pooled links"),
            ("participants", "Participants of the pooled studies that report them"),
            ("estimate", "Pooled estimate (random effects, REML)"),
            ("se", "Standard error of the pooled estimate"),
            ("ci_low", "Wald 95% CI, lower bound"),
            ("ci_high", "Wald 95% CI, upper bound"),
            ("tau2", "Between-study variance tau² (REML)"),
            ("i2", "I² in percent, from tau² (as metafor)"),
            ("q", "Cochran's Q"),
            ("q_df", "Degrees of freedom of Q"),
            ("q_p", "p-value of Q"),
            ("prediction_low", "95% prediction interval, lower bound"),
            ("prediction_high", "95% prediction interval, upper bound"),
            ("method", "REML"),
        )
    ),
    ("links", "Pooled evidence link ids with their weights in percent, 'id:weight; …'"),
]
VERSION_COLUMNS = [
    ("claim", "Slug of the claim"),
    ("number", "Version number"),
    ("created", "When the version was made (UTC, ISO 8601)"),
    ("statement", "The statement at that version"),
    (
        "verdict_direction",
        "Direction of the verdict at that version (empty before verdicts had one)",
    ),
    ("certainty", "Headline certainty at that version"),
    ("verdict_text", "The verdict in one sentence at that version"),
    ("strength_score", "Strength score stored at that version"),
    ("evidence_count", "Counted links at that version"),
    ("summary", "What changed since the previous version"),
    ("note", "Why the version was made when no person changed the claim"),
]


def claim_row(claim):
    """The cells of :data:`CLAIM_COLUMNS` for ``claim``."""
    counts = claim.profile.counts
    return [
        claim.pk,
        claim.slug,
        claim.statement,
        claim.description or None,
        claim.topic,
        claim.status,
        claim.verdict_direction,
        claim.certainty,
        claim.verdict_text,
        claim.verdict_direction_computed,
        claim.certainty_computed,
        " | ".join(claim.certainty_steps),
        claim.certainty_override_reason if claim.verdict_overridden else None,
        claim.strength,
        claim.strength_score,
        claim.evidence_count,
        *(
            counts[evidence_type][direction]
            for evidence_type in EVIDENCE_TYPES
            for direction in DIRECTIONS
        ),
        claim.version,
        claim.updated,
        *flat_meta_analysis(claim.meta_analyses),
    ]


def evidence_row(link):
    """The cells of :data:`EVIDENCE_COLUMNS` for ``link`` (its claim and
    study loaded with it)."""
    study = link.study
    return [
        link.pk,
        link.claim.slug,
        link.claim_id,
        link.study_id,
        study.citation,
        study.year,
        study.doi or None,
        study.pmid or None,
        study.sample_size,
        study.design or None,
        study.population or None,
        study.dose or None,
        link.evidence_type,
        link.direction,
        link.finding,
        link.risk_of_bias,
        link.indirectness,
        link.indirectness_reasons or [],
        link.imprecision,
        link.inconsistency,
        link.publication_bias,
        link.large_effect,
        link.dose_response,
        study.retracted,
        link.status,
        link.created,
        link.updated,
        link.outcome or None,
        link.comparator or None,
        link.timepoint or None,
        *effect_cells(link.effect),
    ]


def version_row(version):
    """The cells of :data:`VERSION_COLUMNS` for ``version``."""
    return [
        version.claim.slug,
        version.number,
        version.created,
        version.statement,
        version.verdict_direction or None,
        version.certainty,
        version.verdict_text,
        version.strength_score,
        version.evidence_count,
        version.summary or None,
        version.note or None,
    ]
