"""A claim's meta-analyses laid out as forest plots for a server-rendered SVG.

One row per pooled study (its estimate and 95% CI, a square whose area is
its weight, its outcome), the pooled estimate as a diamond with its
prediction interval, and a line at no effect whose sides say which favours
the claim. The drawing is narrow (320 units, 13-unit text) and stacks each
row's text above its line, so that on a 375 px phone, inside the page's
margins (about 310 px), no text is smaller than 12 px;
the same numbers are in a table beside it.
"""

import math
from dataclasses import dataclass, field

from django.urls import reverse

from .effects import EffectMeasure
from .models import Evidence

WIDTH = 320
PAD = 8
PLOT_LEFT = PAD + 4
PLOT_RIGHT = WIDTH - PAD - 4
ROW_HEIGHT = 78
LINE_OFFSET = 64  # the study's line, below its three lines of text
POOLED_HEIGHT = 96
POOLED_LINE_OFFSET = 80
TOP = 8
AXIS_HEIGHT = 84
LABEL_CHARS = 44
LARGEST_SQUARE = 18.0
SMALLEST_SQUARE = 5.0
SIDE_WORDS = {
    "lower": ("favours the claim", "against the claim"),
    "higher": ("against the claim", "favours the claim"),
}


def _shortened(text, limit=LABEL_CHARS):
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def number(value):
    """A number as the plot and its table print it (a real minus sign)."""
    return f"{value:.2f}".replace("-", "−")


def interval(low, high):
    return f"{number(low)} to {number(high)}"


def _nice_step(span):
    raw = span / 4
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power


@dataclass
class ForestRow:
    label: str
    outcome: str
    outcome_full: str
    estimate: float
    ci_low: float
    ci_high: float
    weight: float
    url: str
    top: float = 0.0
    x: float = 0.0
    x_low: float = 0.0
    x_high: float = 0.0
    side: float = 0.0

    @property
    def numbers(self):
        return f"{number(self.estimate)} ({interval(self.ci_low, self.ci_high)})"

    @property
    def line_y(self):
        return self.top + LINE_OFFSET

    @property
    def corner_x(self):
        return self.x - self.side / 2

    @property
    def corner_y(self):
        return self.line_y - self.side / 2


@dataclass
class Forest:
    measure: str
    measure_label: str
    analysis: dict
    rows: list
    favours: str
    download_url: str
    width: int = WIDTH
    height: int = 0
    pooled_top: float = 0.0
    axis_y: float = 0.0
    zero_x: float = 0.0
    ticks: list = field(default_factory=list)
    diamond: str = ""
    prediction: tuple = (0.0, 0.0)
    left_words: str = ""
    right_words: str = ""
    plot_right: float = 0.0

    @property
    def pooled_numbers(self):
        a = self.analysis
        return f"{number(a['estimate'])} ({interval(a['ci_low'], a['ci_high'])})"

    @property
    def pooled_label(self):
        a = self.analysis
        people = f", {a['participants']} participants" if a["participants"] else ""
        return f"Pooled, {a['k']} studies{people}"

    @property
    def heterogeneity(self):
        a = self.analysis
        return f"I² = {a['i2']:.0f}%, τ² = {number(a['tau2'])}"

    @property
    def pooled_line_y(self):
        return self.pooled_top + POOLED_LINE_OFFSET

    @property
    def prediction_interval(self):
        a = self.analysis
        return interval(a["prediction_low"], a["prediction_high"])


def _lay_out(forest):
    a = forest.analysis
    values = [0.0, a["prediction_low"], a["prediction_high"], a["ci_low"], a["ci_high"]]
    for row in forest.rows:
        values += [row.ci_low, row.ci_high]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    low, high = low - span * 0.05, high + span * 0.05

    def x_of(value):
        return PLOT_LEFT + (value - low) / (high - low) * (PLOT_RIGHT - PLOT_LEFT)

    biggest = max(row.weight for row in forest.rows)
    for index, row in enumerate(forest.rows):
        row.top = TOP + ROW_HEIGHT * index
        row.x, row.x_low, row.x_high = (
            x_of(row.estimate),
            x_of(row.ci_low),
            x_of(row.ci_high),
        )
        # The square's area is proportional to the weight.
        row.side = max(
            SMALLEST_SQUARE, LARGEST_SQUARE * math.sqrt(row.weight / biggest)
        )
    forest.pooled_top = TOP + ROW_HEIGHT * len(forest.rows)
    y = forest.pooled_line_y
    left, centre, right = x_of(a["ci_low"]), x_of(a["estimate"]), x_of(a["ci_high"])
    forest.diamond = (
        f"{left:.1f},{y:.1f} {centre:.1f},{y - 8:.1f} "
        f"{right:.1f},{y:.1f} {centre:.1f},{y + 8:.1f}"
    )
    forest.prediction = (x_of(a["prediction_low"]), x_of(a["prediction_high"]))
    forest.axis_y = forest.pooled_top + POOLED_HEIGHT
    forest.zero_x = x_of(0.0)
    step = _nice_step(high - low)
    tick = math.ceil(low / step) * step
    while tick <= high:
        forest.ticks.append({"x": x_of(tick), "label": f"{tick:g}".replace("-", "−")})
        tick += step
    forest.height = int(forest.axis_y + AXIS_HEIGHT)
    forest.plot_right = PLOT_RIGHT
    words = SIDE_WORDS.get(forest.favours)
    if words:
        forest.left_words = f"← lower: {words[0]}"
        forest.right_words = f"higher: {words[1]} →"
    return forest


def claim_forests(claim):
    """A :class:`Forest` per stored meta-analysis of ``claim`` (one query)."""
    stored = claim.meta_analyses or []
    if not stored:
        return []
    ids = [link["id"] for entry in stored for link in entry["links"]]
    links = Evidence.objects.filter(pk__in=ids).select_related("study").in_bulk()
    forests = []
    for entry in stored:
        rows = []
        for link_entry in entry["links"]:
            link = links.get(link_entry["id"])
            effect = link.effect if link is not None else None
            if effect is None:
                continue  # changed since the last refresh; the next one redraws
            outcome = ", ".join(
                part for part in (link.outcome, link.comparator, link.timepoint) if part
            )
            rows.append(
                ForestRow(
                    label=link.study.citation_short,
                    outcome=_shortened(outcome or "Outcome not named"),
                    outcome_full=outcome or "Outcome not named",
                    estimate=effect.estimate,
                    ci_low=effect.ci_low,
                    ci_high=effect.ci_high,
                    weight=link_entry["weight"],
                    url=link.study.get_absolute_url(),
                )
            )
        if not rows:
            continue
        measure = entry["measure"]
        forests.append(
            _lay_out(
                Forest(
                    measure=measure,
                    measure_label=EffectMeasure(measure).label,
                    analysis=entry,
                    rows=rows,
                    favours=claim.effect_favours_claim,
                    download_url=reverse(
                        "evidence:claim-forest", args=[claim.slug, measure]
                    ),
                )
            )
        )
    return forests
