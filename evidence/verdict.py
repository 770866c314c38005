"""A claim's verdict: a direction, GRADE certainty in that direction, and one
sentence saying both, with every step of the rule in words.

This module is the one home of the rule; its values and labels (directions,
levels, ratings) are evidence/vocabulary.py's. The README ("The verdict") and
the /methods/ page explain it.

1. **Deciding tier.** Start from the best design among the claim's counted
   links (published, study not retracted): randomised or placebo-controlled
   trials start **high**; other controlled, observational and self-report
   studies start **low**; anecdotes, case reports and interviews start
   **very low**. Only the links of that tier decide. Within it, links with
   direct evidence win: when some have no serious indirectness, the indirect
   ones are set aside.
2. **Direction.** The weighted share of the tier (type weights of
   evidence/profile.py; a mixed finding counts half each way): two thirds or
   more for the claim → "for", two thirds or more against it → "against",
   otherwise "unclear". Certainty is certainty *in that direction*: trials
   finding no benefit are evidence against a claim of benefit, and more of
   them raise the certainty that it does not hold.
3. **Inconsistency.** Down one when 20% or more of the tier points the other
   way, down two when the tier is split (direction unclear); or as the
   curators rated it, whichever is lower.
4. **GRADE's other domains** — risk of bias, indirectness, imprecision,
   publication bias — down one when more than half of the tier has it rated
   serious, down two when very serious. Unless curators rated imprecision
   serious, or not serious, on most of the tier, the rule judges it from the
   data: fewer than 400 participants in the tier's studies (an unknown sample
   size counts as none) → down one.
5. **Upgrades**: up one for a large effect, and one for a dose-response
   gradient, when recorded on more than half of a tier of non-anecdotal
   studies that started low and was not downgraded.
6. **One study is never high**: a tier of a single study is at most moderate.

The strength of all the evidence (evidence/profile.py) no longer moves the
verdict: it is one of the reasons shown under "why". An editor may override
the direction and/or the certainty with a reason (Claim.direction_override,
Claim.certainty_override); the stored verdict then carries the override.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .profile import TYPE_WEIGHTS, format_weight
from .vocabulary import (
    LEVEL_LABELS,
    LEVEL_RANK,
    LEVELS,
    Certainty,
    Direction,
    DomainRating,
    EvidenceType,
    VerdictDirection,
    in_sentence,
)

# Rewritten with each change of the rule (with its number); `manage.py
# refresh_claims` puts it in the note of every version it cuts because the
# verdict moved.
RULE_CHANGE = (
    "verdict rule 2 — a verdict has a direction (for, against, unclear) and "
    "certainty in that direction; the strength no longer caps certainty; domains "
    "not assessed are judged from the data (fewer than 400 participants: down one "
    "for imprecision) and one study is never high"
)

HIGH, MODERATE, LOW, VERY_LOW = (level.value for level in Certainty)
FOR, AGAINST, UNCLEAR = (direction.value for direction in VerdictDirection)
SUPPORTS, CONTRADICTS, MIXED = (direction.value for direction in Direction)
# Share of the deciding tier's weight needed for a clear direction.
CLEAR_SHARE = 2 / 3
# Share pointing the other way from which results count as inconsistent.
INCONSISTENT_SHARE = 0.2
# Participants below which a tier's result is imprecise (GRADE's optimal
# information size rule of thumb), when curators did not assess imprecision.
MIN_PARTICIPANTS = 400
# I² from which studies whose estimates fall on both sides of no effect are
# inconsistent (GRADE: substantial heterogeneity).
INCONSISTENT_I2 = 50
MEASURE_NAMES = {
    "smd": "standardised mean difference (Hedges' g)",
    "md": "mean difference",
    "log_rr": "log risk ratio",
    "log_or": "log odds ratio",
}

RANDOMISED_DESIGNS = {"rct"}
ANECDOTAL_DESIGNS = {"qualitative", "case_report", "testimonial"}

TIER_NOUNS = {
    HIGH: (
        "randomised or placebo-controlled trial",
        "randomised or placebo-controlled trials",
    ),
    LOW: (
        "non-randomised, observational or self-report study",
        "non-randomised, observational or self-report studies",
    ),
    VERY_LOW: (
        "anecdotal account, case report or interview",
        "anecdotal accounts, case reports or interviews",
    ),
}

NOT_ASSESSED, NOT_SERIOUS, SERIOUS, VERY_SERIOUS = (
    rating.value for rating in DomainRating
)
DOMAINS = {
    "risk_of_bias": "risk of bias",
    "indirectness": "indirectness",
    "imprecision": "imprecision (small samples)",
    "inconsistency": "inconsistency between results",
    "publication_bias": "suspected publication bias",
}
INDIRECTNESS_PHRASES = {
    "animal_or_in_vitro": "the work was in animals or cells rather than people",
    "healthy_volunteers": "participants were healthy volunteers rather than patients",
    "full_dose": "a full dose was studied rather than a microdose",
    "surrogate_outcome": "the outcome was a surrogate (such as an imaging measure) rather than the claimed effect",
}


@dataclass(frozen=True)
class LinkAppraisal:
    """What the rule needs of one counted evidence link."""

    evidence_type: str
    direction: str
    design: str = ""
    sample_size: int | None = None
    risk_of_bias: str = NOT_ASSESSED
    indirectness: str = NOT_ASSESSED
    indirectness_reasons: tuple = ()
    imprecision: str = NOT_ASSESSED
    inconsistency: str = NOT_ASSESSED
    publication_bias: str = NOT_ASSESSED
    large_effect: bool = False
    dose_response: bool = False


@dataclass(frozen=True)
class PooledEffect:
    """What the rule needs of a claim's main meta-analysis (the one with the
    most studies): the pooled estimate with its 95% CI on the measure's scale
    (0 is no effect; log scale for ratios), I², the participants, and each
    study's own estimate."""

    measure: str
    k: int
    estimate: float
    ci_low: float
    ci_high: float
    i2: float
    participants: int | None
    study_estimates: tuple[float, ...]

    def described(self) -> str:
        return (
            f"{MEASURE_NAMES.get(self.measure, self.measure)} {self.estimate:.2f} "
            f"(95% CI {self.ci_low:.2f} to {self.ci_high:.2f}) from {self.k} studies"
        )


@dataclass(frozen=True)
class Verdict:
    """A claim's verdict: ``direction`` with ``certainty`` in it, the
    ``basis`` (the deciding tier, e.g. "Randomised or placebo-controlled
    trials"), the ``text`` saying both, and the rule's ``steps`` in words."""

    direction: str
    certainty: str
    basis: str
    text: str
    steps: list = field(default_factory=list)
    # Set when a pooled estimate decided the direction: the note of the
    # version a moved verdict cuts.
    pooled_note: str = ""


def verdict_text(*, basis: str, direction: str, certainty: str) -> str:
    """The verdict in one plain sentence, e.g. "Randomised or
    placebo-controlled trials mostly find against the claim — low certainty"."""
    level = f"{in_sentence(LEVEL_LABELS[certainty])} certainty"
    if not basis:
        return f"No published evidence yet, so the verdict is unclear — {level}"
    finding = {
        FOR: "mostly find for the claim",
        AGAINST: "mostly find against the claim",
        UNCLEAR: "are split or inconclusive on the claim",
    }[direction]
    return f"{basis} {finding} — {level}"


def starting_level(link: LinkAppraisal) -> str:
    if link.evidence_type == EvidenceType.ANECDOTAL or link.design in ANECDOTAL_DESIGNS:
        return VERY_LOW
    if link.design in RANDOMISED_DESIGNS:
        return HIGH
    return LOW


def _move(level: str, steps: int) -> str:
    rank = max(1, min(4, LEVEL_RANK[level] + steps))
    return LEVELS[rank - 1]


def _noun(tier: str, number: int) -> str:
    singular, plural = TIER_NOUNS[tier]
    return f"{number} {singular if number == 1 else plural}"


def _short_noun(tier: str, number: int) -> str:
    if tier == HIGH:
        return "trial" if number == 1 else "trials"
    return "study" if number == 1 else "studies"


def _verb(number: int, singular: str, plural: str) -> str:
    return singular if number == 1 else plural


def _majority(count: int, total: int) -> bool:
    return count * 2 > total


def _serious(rating: str) -> bool:
    return rating in (SERIOUS, VERY_SERIOUS)


def claim_verdict(
    links: Iterable[LinkAppraisal],
    *,
    pooled: PooledEffect | None = None,
    favours: str = "",
) -> Verdict:
    """The :class:`Verdict` of a claim from its counted links (the rule above).

    With a ``pooled`` estimate, the numbers decide: its side of no effect sets
    the direction (``favours``: which sign supports the claim, ``lower`` or
    ``higher``; without it the links' votes still do), its CI and
    participants judge imprecision, and its I² with the studies' estimates
    judges inconsistency.
    """
    links = list(links)
    if not links:
        return Verdict(
            UNCLEAR,
            VERY_LOW,
            "",
            verdict_text(basis="", direction=UNCLEAR, certainty=VERY_LOW),
            [
                "No published evidence is linked to this claim, so certainty is very low."
            ],
        )

    start = max((starting_level(link) for link in links), key=LEVEL_RANK.__getitem__)
    tier = [link for link in links if starting_level(link) == start]
    steps = [f"Started {in_sentence(LEVEL_LABELS[start])}: {_noun(start, len(tier))}."]
    basis = TIER_NOUNS[start][1].capitalize()

    direct = [link for link in tier if not _serious(link.indirectness)]
    if direct and len(direct) < len(tier):
        set_aside = len(tier) - len(direct)
        steps.append(
            f"Set aside {set_aside} {_short_noun(start, set_aside)} with indirect evidence, "
            f"because {len(direct)} {_verb(len(direct), 'gives', 'give')} direct evidence."
        )
        tier = direct
    total = len(tier)
    noun = _short_noun(start, total)
    most = f"the {noun}" if total == 1 else f"most of the {noun}"
    level, downgraded = start, False

    weight_for = weight_against = 0.0
    for link in tier:
        weight = TYPE_WEIGHTS.get(link.evidence_type, 1.0)
        share_for = {SUPPORTS: 1, CONTRADICTS: 0, MIXED: 0.5}[link.direction]
        weight_for += weight * share_for
        weight_against += weight * (1 - share_for)
    # Shares rounded so that 4 for and 1 against is exactly 20% against.
    share_for = round(weight_for / (weight_for + weight_against), 9)
    share_against = round(weight_against / (weight_for + weight_against), 9)
    if share_for >= round(CLEAR_SHARE, 9):
        direction, minority = FOR, share_against
    elif share_against >= round(CLEAR_SHARE, 9):
        direction, minority = AGAINST, share_for
    else:
        direction, minority = UNCLEAR, min(share_for, share_against)
    counts = Counter(link.direction for link in tier)
    tally = ", ".join(
        f"{counts[key]} {word}"
        for key, word in (
            (SUPPORTS, _verb(counts[SUPPORTS], "supports", "support")),
            (CONTRADICTS, _verb(counts[CONTRADICTS], "contradicts", "contradict")),
            (MIXED, "mixed"),
        )
        if counts[key]
    )
    steps.append(
        f"Direction {direction}: of {total} {noun}, {tally} "
        f"(weighted {format_weight(weight_for)} for, {format_weight(weight_against)} against)."
    )
    pooled_note = ""
    if pooled is not None:
        if favours in ("lower", "higher") and pooled.estimate != 0:
            favoured = (pooled.estimate < 0) == (favours == "lower")
            direction = FOR if favoured else AGAINST
            pooled_note = (
                f"Verdict from the pooled estimate: {pooled.described()}, "
                f"{'for' if favoured else 'against'} the claim."
            )
            steps.append(
                f"Direction {direction} from the pooled estimate: {pooled.described()}; "
                f"{favours} values support the claim."
            )
        else:
            steps.append(
                f"The pooled estimate ({pooled.described()}) does not set the direction: "
                "the claim does not say which sign of the effect supports it."
            )

    # Inconsistency: the data's own minority share, or the curators' rating.
    if pooled is not None:
        both_sides = any(value < 0 for value in pooled.study_estimates) and any(
            value > 0 for value in pooled.study_estimates
        )
        data_down = 1 if pooled.i2 >= INCONSISTENT_I2 and both_sides else 0
    else:
        data_down = (
            2 if direction == UNCLEAR else 1 if minority >= INCONSISTENT_SHARE else 0
        )
    rated = [link for link in tier if _serious(link.inconsistency)]
    very = sum(1 for link in rated if link.inconsistency == VERY_SERIOUS)
    rated_down = (
        (2 if _majority(very, total) else 1) if _majority(len(rated), total) else 0
    )
    if data_down >= rated_down and data_down:
        if pooled is not None:
            detail = (
                f"I² = {pooled.i2:.0f}% with study estimates on both sides of no effect"
            )
        elif direction == UNCLEAR:
            detail = "the best evidence is split"
        else:
            detail = (
                f"{round(minority * 100)}% of the weighted {noun} point the other way"
            )
        level, downgraded = _move(level, -data_down), True
        steps.append(
            f"Down {'two' if data_down == 2 else 'one'} for inconsistency: {detail}."
        )
    elif rated_down:
        level, downgraded = _move(level, -rated_down), True
        steps.append(
            f"Down {'two' if rated_down == 2 else 'one'}: inconsistency between results "
            f"in {len(rated)} of {total} {noun}."
        )

    if pooled is not None and not data_down and not rated_down:
        steps.append(
            f"Inconsistency judged from the numbers: I² = {pooled.i2:.0f}%, "
            "not rated down."
        )
    if pooled is not None:
        crosses = pooled.ci_low < 0 < pooled.ci_high
        participants = pooled.participants or 0
        reasons = []
        if crosses:
            reasons.append("its 95% CI crosses no effect")
        if participants < MIN_PARTICIPANTS:
            reasons.append(
                f"{participants} participants, fewer than {MIN_PARTICIPANTS}"
            )
        if reasons:
            level, downgraded = _move(level, -1), True
            steps.append(
                "Down one: imprecision, judged from the pooled estimate: "
                + " and ".join(reasons)
                + "."
            )
        else:
            steps.append(
                "Imprecision judged from the pooled estimate: its CI excludes no "
                f"effect and {participants} participants, not rated down."
            )

    not_assessed = []
    for domain, name in DOMAINS.items():
        if domain == "inconsistency" or (domain == "imprecision" and pooled):
            continue
        serious = [link for link in tier if _serious(getattr(link, domain))]
        unrated = sum(1 for link in tier if getattr(link, domain) == NOT_ASSESSED)
        if _majority(len(serious), total):
            very = sum(1 for link in serious if getattr(link, domain) == VERY_SERIOUS)
            down = 2 if _majority(very, total) else 1
            if domain == "indirectness":
                reason_counts = Counter(
                    reason for link in serious for reason in link.indirectness_reasons
                )
                if reason_counts:
                    reason, number = reason_counts.most_common(1)[0]
                    detail = f"in {number} of {total} {noun} {INDIRECTNESS_PHRASES.get(reason, reason)}"
                else:
                    detail = f"indirect evidence in {len(serious)} of {total} {noun}"
            else:
                detail = f"{name} in {len(serious)} of {total} {noun}"
            level, downgraded = _move(level, -down), True
            steps.append(f"Down {'two' if down == 2 else 'one'}: {detail}.")
        elif domain == "imprecision" and not _majority(
            sum(1 for link in tier if link.imprecision == NOT_SERIOUS), total
        ):
            participants = sum(link.sample_size or 0 for link in tier)
            unknown = sum(1 for link in tier if not link.sample_size)
            known = f" (sample size unknown for {unknown})" if unknown else ""
            if participants < MIN_PARTICIPANTS:
                level, downgraded = _move(level, -1), True
                steps.append(
                    f"Down one: imprecision, judged from the data because curators did not "
                    f"rate it for {most}: "
                    f"{participants} participants in {total} {noun}{known}, fewer than "
                    f"{MIN_PARTICIPANTS}."
                )
            else:
                steps.append(
                    f"Imprecision judged from the data because curators did not rate it "
                    f"for {most}: "
                    f"{participants} participants in {total} {noun}, enough not to rate down."
                )
        elif _majority(unrated, total):
            not_assessed.append(name)
    if not_assessed:
        steps.append(
            f"Not assessed for {most}: {', '.join(not_assessed)}; "
            "the data alone cannot show these, so they do not rate it down."
        )

    if start == LOW and not downgraded:
        for attribute, phrase in (
            ("large_effect", "large effects"),
            ("dose_response", "a dose-response gradient"),
        ):
            number = sum(1 for link in tier if getattr(link, attribute))
            if _majority(number, total) and level != HIGH:
                level = _move(level, 1)
                steps.append(f"Up one: {phrase} in {number} of {total} {noun}.")

    if total == 1 and level == HIGH:
        level = MODERATE
        steps.append(f"Down to moderate: a single {noun} is never high certainty.")
    text = verdict_text(basis=basis, direction=direction, certainty=level)
    steps.append(f"Verdict: {direction}, {in_sentence(LEVEL_LABELS[level])} certainty.")
    return Verdict(direction, level, basis, text, steps, pooled_note)


# The paragraph of /methods/ that explains each kind of step, by what the step
# says; the first that matches wins.
STEP_PARAGRAPHS = (
    ("not-assessed", lambda step: step.startswith("Not assessed")),
    ("tiers", lambda step: step.startswith("Started")),
    ("direct", lambda step: step.startswith("Set aside")),
    ("direction", lambda step: step.startswith("Direction")),
    ("domain-inconsistency", lambda step: "inconsistency" in step),
    ("domain-imprecision", lambda step: "imprecision" in step.lower()),
    ("domain-risk_of_bias", lambda step: "risk of bias in" in step),
    ("domain-publication_bias", lambda step: "publication bias in" in step),
    (
        "domain-indirectness",
        lambda step: (
            step.startswith("Down")
            and any(
                phrase in step
                for phrase in [*INDIRECTNESS_PHRASES.values(), "indirect evidence in"]
            )
        ),
    ),
    ("upgrades", lambda step: step.startswith("Up one")),
    ("single-study", lambda step: "never high" in step),
)


def step_paragraph(step: str) -> str:
    """The id of the /methods/ paragraph that explains ``step`` of a verdict."""
    return next((anchor for anchor, says in STEP_PARAGRAPHS if says(step)), "verdict")
