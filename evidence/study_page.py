"""What a study's page says about each claim it bears on, in words.

Per published link: the GRADE judgements (one line per domain, its reasons
for indirectness, its reasons to trust the evidence more), the outcome,
comparator and time point, and the effect size with its 95% interval. Kept
out of the view so that the wording is tested without a page.
"""

import math
from dataclasses import dataclass, field

from .models import DomainRating
from .verdict import DOMAINS, INDIRECTNESS_PHRASES, MEASURE_NAMES

# Ratios are stored on the log scale; readers get the ratio itself.
RATIO_NAMES = {"log_rr": "risk ratio", "log_or": "odds ratio"}
DOMAIN_TITLES = {
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision",
    "publication_bias": "Publication bias",
}
RATING_WORDS = {
    DomainRating.NOT_ASSESSED: "not assessed yet",
    DomainRating.NOT_SERIOUS: "no serious concern",
    DomainRating.SERIOUS: "serious concern: certainty down one level",
    DomainRating.VERY_SERIOUS: "very serious concern: certainty down two levels",
}
assert set(DOMAIN_TITLES) == set(DOMAINS)


@dataclass
class Judgement:
    domain: str
    title: str
    rating: str
    words: str
    reasons: list = field(default_factory=list)


def judgements(link):
    """The link's GRADE judgements, one per domain, in words."""
    rows = []
    for domain, title in DOMAIN_TITLES.items():
        rating = getattr(link, domain)
        reasons = []
        if domain == "indirectness":
            reasons = [
                INDIRECTNESS_PHRASES[reason]
                for reason in link.indirectness_reasons or []
                if reason in INDIRECTNESS_PHRASES
            ]
        rows.append(
            Judgement(domain, title, rating, RATING_WORDS.get(rating, rating), reasons)
        )
    return rows


def upgrades(link):
    """GRADE's reasons to trust the link more, in words."""
    reasons = []
    if link.large_effect:
        reasons.append("a large effect")
    if link.dose_response:
        reasons.append("a dose-response gradient")
    return reasons


def _number(value):
    return f"{value:.2f}".replace("-", "−")


def effect_sentence(link):
    """ "Standardised mean difference (Hedges' g) −0.45 (95% CI −0.90 to 0.00)", or ""."""
    effect = link.effect
    if effect is None or not all(
        math.isfinite(v) for v in (effect.estimate, effect.ci_low, effect.ci_high)
    ):
        return ""
    if effect.measure in RATIO_NAMES:
        name = RATIO_NAMES[effect.measure]
        try:
            values = [
                math.exp(v) for v in (effect.estimate, effect.ci_low, effect.ci_high)
            ]
        except OverflowError:  # a log ratio no real study reports
            return ""
    else:
        name = MEASURE_NAMES.get(effect.measure, effect.measure)
        values = [effect.estimate, effect.ci_low, effect.ci_high]
    estimate, low, high = (_number(v) for v in values)
    return f"{name[0].upper()}{name[1:]} {estimate} (95% CI {low} to {high})"


@dataclass
class LinkOnPage:
    link: object
    judgements: list
    upgrades: list
    effect: str


def links_on_page(links):
    """Each link with what the page shows about it."""
    return [
        LinkOnPage(link, judgements(link), upgrades(link), effect_sentence(link))
        for link in links
    ]
