"""The evidence of a claim over time, laid out for a server-rendered SVG.

One mark per study — coloured by direction, sized by sample size, shaped by
evidence type, in a row per evidence type — so that a reader sees at a glance
whether better studies came later and what they found. When a claim has more
links than fit, marks are binned by year and type into small stacked bars.
"""

import math
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count

from dataversion import caching

from .models import Evidence
from .vocabulary import (
    DIRECTION_LABELS,
    DIRECTIONS,
    EVIDENCE_TYPES,
    TYPE_LABELS,
    EvidenceType,
    in_sentence,
)

MAX_MARKS = 120
WIDTH = 720
ROW_HEIGHT = 70
LEFT = 96
RIGHT = 16
TOP = 12
AXIS_HEIGHT = 28
UNDATED = "n.d."
SHAPES = {
    EvidenceType.CONTROLLED.value: "circle",
    EvidenceType.SELF_REPORT.value: "square",
    EvidenceType.ANECDOTAL.value: "triangle",
}
# Each shape as a character, for the legend.
SYMBOLS = {"circle": "●", "square": "■", "triangle": "▲"}


@dataclass
class Mark:
    x: float
    y: float
    size: float
    shape: str
    direction: str
    label: str
    url: str = ""

    @property
    def side(self):
        """Side of the square mark, about the area of a circle of the same size."""
        return self.size * 1.8

    @property
    def corner_x(self):
        return self.x - self.side / 2

    @property
    def corner_y(self):
        return self.y - self.side / 2

    @property
    def points(self):
        """Corner points of the triangle mark, for SVG ``points``."""
        half = self.size
        return f"{self.x:.1f},{self.y - half:.1f} {self.x - half:.1f},{self.y + half:.1f} {self.x + half:.1f},{self.y + half:.1f}"


@dataclass
class Bar:
    x: float
    y: float
    height: float
    direction: str
    label: str


@dataclass
class Timeline:
    width: int
    height: int
    rows: list
    ticks: list
    marks: list = field(default_factory=list)
    bars: list = field(default_factory=list)
    binned: bool = False
    total: int = 0
    table: list = field(default_factory=list)

    @property
    def empty(self):
        return self.total == 0


def _columns(years):
    """x position of every year present (and of undated studies, last)."""
    dated = sorted(year for year in years if year is not None)
    keys = list(range(dated[0], dated[-1] + 1)) if dated else []
    if None in years:
        keys.append(None)
    span = WIDTH - LEFT - RIGHT
    step = span / max(len(keys), 1)
    return {key: LEFT + step * (index + 0.5) for index, key in enumerate(keys)}, step


def _ticks(columns):
    dated = [year for year in columns if year is not None]
    every = max(1, math.ceil(len(dated) / 8))
    ticks = [
        {"x": columns[year], "label": str(year)}
        for year in dated
        if (year - dated[0]) % every == 0
    ]
    if None in columns:
        ticks.append({"x": columns[None], "label": UNDATED})
    return ticks


def _rows():
    return [
        {
            "type": etype,
            "label": TYPE_LABELS[etype],
            "symbol": SYMBOLS[SHAPES[etype]],
            "y": TOP + ROW_HEIGHT * index,
            "middle": TOP + ROW_HEIGHT * (index + 0.5),
        }
        for index, etype in enumerate(EVIDENCE_TYPES)
    ]


def _size(sample_size):
    if not sample_size:
        return 4.0
    return min(12.0, 3.0 + 2.2 * math.log10(sample_size))


def claim_timeline(claim_id):
    """The timeline of a claim's counted links, laid out once until data changes.

    Laying it out reads all of them (a count, then the marks or counts by
    year): 200 ms on every view of a claim with 80,000 links, otherwise.
    """
    return caching.remember(
        "timeline",
        str(claim_id),
        lambda: evidence_timeline(Evidence.objects.filter(claim_id=claim_id).counted()),
        settings.COUNT_CACHE_SECONDS,
    )


def evidence_timeline(links):
    """Lay out ``links`` (a queryset of one claim's counted evidence links)."""
    rows = _rows()
    height = TOP + ROW_HEIGHT * len(rows) + AXIS_HEIGHT
    total = links.count()
    if not total:
        return Timeline(WIDTH, height, rows, [])
    row_middle = {row["type"]: row["middle"] for row in rows}
    if total > MAX_MARKS:
        return _binned(links, rows, row_middle, height, total)

    entries = list(
        links.values(
            "evidence_type",
            "direction",
            "study_id",
            "study__year",
            "study__title",
            "study__sample_size",
            "study__authors",
        ).order_by("study__year", "study_id")
    )
    columns, _ = _columns({entry["study__year"] for entry in entries})
    per_cell = Counter(
        (entry["study__year"], entry["evidence_type"]) for entry in entries
    )
    stacks = {}
    marks, table = [], []
    for entry in entries:
        key = (entry["study__year"], entry["evidence_type"])
        position = stacks.get(key, 0)
        stacks[key] = position + 1
        # Marks sharing a year and type fan out around the row's middle,
        # closer together when many share it, never leaving the row.
        spacing = min(9.0, (ROW_HEIGHT - 16) / per_cell[key])
        offset = ((position + 1) // 2) * (1 if position % 2 else -1) * spacing
        year = entry["study__year"]
        authors = entry["study__authors"] or []
        who = (
            f"{authors[0]}{' et al.' if len(authors) > 1 else ''}"
            if authors
            else entry["study__title"][:40]
        )
        label = (
            f"{who} ({year or UNDATED}): "
            f"{in_sentence(TYPE_LABELS[entry['evidence_type']])}, "
            f"{in_sentence(DIRECTION_LABELS[entry['direction']])}"
            + (
                f", n = {entry['study__sample_size']}"
                if entry["study__sample_size"]
                else ""
            )
        )
        marks.append(
            Mark(
                x=columns[year],
                y=row_middle[entry["evidence_type"]] + offset,
                size=_size(entry["study__sample_size"]),
                shape=SHAPES[entry["evidence_type"]],
                direction=entry["direction"],
                label=label,
                url=f"/studies/{entry['study_id']}/",
            )
        )
        table.append(
            {
                "year": year or UNDATED,
                "label": label,
                "url": f"/studies/{entry['study_id']}/",
            }
        )
    return Timeline(
        WIDTH, height, rows, _ticks(columns), marks=marks, total=total, table=table
    )


def _binned(links, rows, row_middle, height, total):
    counts = (
        links.order_by()
        .values_list("study__year", "evidence_type", "direction")
        .annotate(number=Count("id"))
    )
    cells = {}
    for year, evidence_type, direction, number in counts:
        cells.setdefault((year, evidence_type), {})[direction] = number
    columns, step = _columns({year for year, _ in cells})
    biggest = max(sum(cell.values()) for cell in cells.values())
    bars, table = [], []
    for (year, evidence_type), cell in sorted(
        cells.items(),
        key=lambda item: (item[0][0] is None, item[0][0] or 0, item[0][1]),
    ):
        bottom = row_middle[evidence_type] + ROW_HEIGHT * 0.4
        for direction in DIRECTIONS:
            number = cell.get(direction, 0)
            if not number:
                continue
            height_px = (ROW_HEIGHT * 0.8) * number / biggest
            bottom -= height_px
            label = (
                f"{year or UNDATED}, {in_sentence(TYPE_LABELS[evidence_type])}: "
                f"{number} {in_sentence(DIRECTION_LABELS[direction])}"
            )
            bars.append(
                Bar(
                    x=columns[year] - max(step * 0.35, 1),
                    y=bottom,
                    height=height_px,
                    direction=direction,
                    label=label,
                )
            )
            table.append({"year": year or UNDATED, "label": label, "url": ""})
    timeline = Timeline(
        WIDTH,
        height,
        rows,
        _ticks(columns),
        bars=bars,
        binned=True,
        total=total,
        table=table,
    )
    timeline.bar_width = max(step * 0.7, 2)
    return timeline
