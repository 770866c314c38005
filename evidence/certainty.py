"""GRADE-style certainty of a claim, with every step in words.

The rule, documented in the README ("How certainty is computed"):

1. Start from the best design among the claim's counted links (published,
   study not retracted): randomised or placebo-controlled trials start
   **high**; other controlled, observational and self-report studies start
   **low**; anecdotes, case reports and interviews start **very low**. Only the
   links of that starting tier are rated further. Within the tier, links with
   direct evidence win: when some have no serious indirectness, the indirect
   ones are set aside.
2. Down one when 20% or more of the tier (mixed counting half) contradicts the
   claim, down two when half or more does.
3. For each of GRADE's domains — risk of bias, indirectness, imprecision,
   inconsistency, publication bias — down one when more than half of the tier
   has it recorded as serious, down two when more than half has it as very
   serious.
4. Up one for a large effect, and up one for a dose-response gradient, when
   recorded on more than half of a tier that started low and was not
   downgraded.
5. The strength of all the evidence (evidence/profile.py) caps the result:
   at most low when the strength is inconclusive or against the claim, at most
   moderate when it is weak.

An editor may override the result with a reason (Claim.certainty_override);
both values are shown.
"""

from collections import Counter
from dataclasses import dataclass, field

LEVELS = ("very_low", "low", "moderate", "high")
LEVEL_LABELS = {
    "very_low": "Very low",
    "low": "Low",
    "moderate": "Moderate",
    "high": "High",
}
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS, start=1)}

RANDOMISED_DESIGNS = {"rct"}
ANECDOTAL_DESIGNS = {"qualitative", "case_report", "testimonial"}

TIER_NOUNS = {
    "high": (
        "randomised or placebo-controlled trial",
        "randomised or placebo-controlled trials",
    ),
    "low": (
        "non-randomised, observational or self-report study",
        "non-randomised, observational or self-report studies",
    ),
    "very_low": (
        "anecdotal account, case report or interview",
        "anecdotal accounts, case reports or interviews",
    ),
}

SERIOUS, VERY_SERIOUS = "serious", "very_serious"
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
CONTRADICTION_DOWN_ONE, CONTRADICTION_DOWN_TWO = 0.2, 0.5


@dataclass(frozen=True)
class LinkAppraisal:
    """What the rule needs of one counted evidence link."""

    evidence_type: str
    direction: str
    design: str = ""
    risk_of_bias: str = ""
    indirectness: str = ""
    indirectness_reasons: tuple = ()
    imprecision: str = ""
    inconsistency: str = ""
    publication_bias: str = ""
    large_effect: bool = False
    dose_response: bool = False


@dataclass(frozen=True)
class Certainty:
    level: str
    steps: list = field(default_factory=list)

    @property
    def label(self):
        return LEVEL_LABELS[self.level]

    @property
    def rank(self):
        return LEVEL_RANK[self.level]


def starting_level(link):
    if link.evidence_type == "anecdotal" or link.design in ANECDOTAL_DESIGNS:
        return "very_low"
    if link.design in RANDOMISED_DESIGNS:
        return "high"
    return "low"


def _move(level, steps):
    rank = max(1, min(4, LEVEL_RANK[level] + steps))
    return LEVELS[rank - 1]


def _noun(tier, number):
    singular, plural = TIER_NOUNS[tier]
    return f"{number} {singular if number == 1 else plural}"


def _short_noun(tier, number):
    if tier == "high":
        return "trial" if number == 1 else "trials"
    return "study" if number == 1 else "studies"


def _verb(number, singular, plural):
    return singular if number == 1 else plural


def _majority(count, total):
    return count * 2 > total


def certainty_assess(links, *, strength=None):
    """The :class:`Certainty` of a claim from its counted links.

    ``links`` are :class:`LinkAppraisal` objects; ``strength`` is the claim's
    strength key from evidence/profile.py (``None`` to skip the cap).
    """
    links = list(links)
    if not links:
        return Certainty(
            "very_low",
            [
                "No published evidence is linked to this claim, so certainty is very low."
            ],
        )

    start = max((starting_level(link) for link in links), key=LEVEL_RANK.get)
    tier = [link for link in links if starting_level(link) == start]
    steps = [f"Started {LEVEL_LABELS[start].lower()}: {_noun(start, len(tier))}."]

    direct = [link for link in tier if link.indirectness not in (SERIOUS, VERY_SERIOUS)]
    if direct and len(direct) < len(tier):
        set_aside = len(tier) - len(direct)
        steps.append(
            f"Set aside {set_aside} {_short_noun(start, set_aside)} with indirect evidence, "
            f"because {len(direct)} {_verb(len(direct), 'gives', 'give')} direct evidence."
        )
        tier = direct
    total = len(tier)
    noun = _short_noun(start, total)
    level, downgraded = start, False

    contradicting = sum(
        1
        if link.direction == "contradicts"
        else 0.5
        if link.direction == "mixed"
        else 0
        for link in tier
    )
    share = contradicting / total
    if share >= CONTRADICTION_DOWN_ONE:
        down = 2 if share >= CONTRADICTION_DOWN_TWO else 1
        against = sum(1 for link in tier if link.direction == "contradicts")
        mixed = sum(1 for link in tier if link.direction == "mixed")
        parts = []
        if against:
            parts.append(
                f"{against} of {total} {noun} {_verb(against, 'contradicts', 'contradict')} the claim"
            )
        if mixed:
            parts.append(
                f"{mixed} of {total} {_verb(mixed, 'has', 'have')} mixed results"
            )
        detail = " and ".join(parts)
        if down == 2:
            detail = f"the best evidence mostly goes against the claim ({detail})"
        level, downgraded = _move(level, -down), True
        steps.append(f"Down {'two' if down == 2 else 'one'}: {detail}.")

    for domain, name in DOMAINS.items():
        serious = [
            link for link in tier if getattr(link, domain) in (SERIOUS, VERY_SERIOUS)
        ]
        if not _majority(len(serious), total):
            continue
        very = sum(1 for link in serious if getattr(link, domain) == VERY_SERIOUS)
        down = 2 if _majority(very, total) else 1
        if domain == "indirectness":
            reasons = Counter(
                reason for link in serious for reason in link.indirectness_reasons
            )
            if reasons:
                reason, number = reasons.most_common(1)[0]
                detail = f"in {number} of {total} {noun} {INDIRECTNESS_PHRASES.get(reason, reason)}"
            else:
                detail = f"indirect evidence in {len(serious)} of {total} {noun}"
        else:
            detail = f"{name} in {len(serious)} of {total} {noun}"
        level, downgraded = _move(level, -down), True
        steps.append(f"Down {'two' if down == 2 else 'one'}: {detail}.")

    if start != "high" and not downgraded:
        for attribute, phrase in (
            ("large_effect", "large effects"),
            ("dose_response", "a dose-response gradient"),
        ):
            number = sum(1 for link in tier if getattr(link, attribute))
            if _majority(number, total) and level != "high":
                level = _move(level, 1)
                steps.append(f"Up one: {phrase} in {number} of {total} {noun}.")

    cap = {"none": "low", "inconclusive": "low", "weak": "moderate"}.get(strength)
    if strength and strength.endswith("_against"):
        cap = "low"
    if cap and LEVEL_RANK[level] > LEVEL_RANK[cap]:
        level = cap
        steps.append(
            f"Capped at {LEVEL_LABELS[cap].lower()}: across all its evidence the claim's strength is "
            f"{strength.replace('_', ' ')}."
        )
    steps.append(f"Certainty: {LEVEL_LABELS[level].lower()}.")
    return Certainty(level, steps)
