"""The evidence of a claim over time, laid out for a server-rendered SVG.

One mark per study, in a band per evidence type, at its year of publication:
its shape and colour say which way it points (▲ supports, ▼ contradicts,
◆ mixed), its area is proportional to the sample size (a size legend below),
and marks that would touch are moved apart within their band (a "beeswarm"),
so that none hides another. Undated studies sit in a column of their own,
apart from the year axis. When a claim has more links than fit, links are
counted by year and type into stacked bars, each band with a count axis.

Every chart is laid out twice: a wide drawing for desktops and a narrow one
for phones (the page shows one of them), so that labels are at least 12 px
tall on a 375 px screen without making the desktop drawing enormous. The
marks are not links and take no keyboard focus: the table beside the chart
is the accessible version, with a link per study.
"""

import math
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from dataversion import caching

from .models import Evidence
from .vocabulary import (
    DIRECTION_LABELS,
    DIRECTIONS,
    EVIDENCE_TYPES,
    TYPE_LABELS,
    in_sentence,
)

MAX_MARKS = 120
# Drawing widths in SVG units; labels are FONT units tall in both, and the
# page shows the narrow drawing below 48rem (see atlas.css), where it is
# scaled to at least ~310 px: 14 × 310 / 340 ≈ 12.8 px.
WIDTHS = {"wide": 720, "narrow": 340}
FONT = 14
PAD = 8
LABEL_HEIGHT = 22  # the band's label, above its marks
BAND_PAD = 6
MIN_BAND = 34
GAP = 1.5  # between two marks' outlines
AXIS_HEIGHT = 30
UNDATED_WIDTH = 64
UNDATED = "Undated"
# Area proportional to sample size: radius = R_PER_ROOT × √n. A mark never
# gets smaller than MIN_RADIUS (n ≤ 144), so that a small study stays visible.
R_PER_ROOT = 0.25
MIN_RADIUS = 3.0
# Radius of the mark of a study whose sample size is not reported (hollow).
UNKNOWN_RADIUS = 4.0
LEGEND_SIZES = (100, 1000, 10000)
# Triangles and diamonds have the area of the circle of the same radius.
TRIANGLE_FACTOR = math.sqrt(4 * math.pi / (3 * math.sqrt(3)))  # circumradius
DIAMOND_FACTOR = math.sqrt(math.pi / 2)  # half-diagonal
# Supports, contradicts, mixed (evidence/vocabulary.py's order).
SHAPES = dict(zip(DIRECTIONS, ("up", "down", "diamond"), strict=True))
SHAPE_SYMBOLS = dict(zip(DIRECTIONS, ("▲", "▼", "◆"), strict=True))
BAR_BAND = 84  # plot height of a band of bars
COUNT_AXIS_WIDTH = 44


def radius(sample_size):
    """The radius of a mark whose area is proportional to ``sample_size``."""
    if not sample_size:
        return UNKNOWN_RADIUS
    return max(MIN_RADIUS, R_PER_ROOT * math.sqrt(sample_size))


def _outline(shape, r):
    """The mark's half-extent: the radius of the circle around its shape."""
    return r * (DIAMOND_FACTOR if shape == "diamond" else TRIANGLE_FACTOR)


def shape_points(shape, x, y, r):
    """SVG ``points`` of a mark of ``shape`` centred on (x, y), area πr²."""
    if shape == "diamond":
        d = r * DIAMOND_FACTOR
        corners = [(x, y - d), (x + d, y), (x, y + d), (x - d, y)]
    else:
        R = r * TRIANGLE_FACTOR
        flip = 1 if shape == "up" else -1
        corners = [
            (x, y - flip * R),
            (x + R * math.sqrt(3) / 2, y + flip * R / 2),
            (x - R * math.sqrt(3) / 2, y + flip * R / 2),
        ]
    return " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in corners)


@dataclass
class Mark:
    x: float
    y: float
    radius: float
    shape: str
    direction: str
    label: str
    known_size: bool = True
    url: str = ""

    @property
    def extent(self):
        return _outline(self.shape, self.radius)

    @property
    def points(self):
        return shape_points(self.shape, self.x, self.y, self.radius)


@dataclass
class Bar:
    x: float
    y: float
    height: float
    direction: str
    label: str


@dataclass
class Layout:
    """One drawing of the chart, ``width`` SVG units wide."""

    name: str
    width: int
    height: float = 0
    bands: list = field(default_factory=list)
    ticks: list = field(default_factory=list)
    marks: list = field(default_factory=list)
    bars: list = field(default_factory=list)
    bar_width: float = 0
    axis: dict = field(default_factory=dict)
    undated: dict | None = None
    legend: list = field(default_factory=list)
    legend_y: float = 0


@dataclass
class Timeline:
    layouts: list = field(default_factory=list)
    binned: bool = False
    total: int = 0
    table: list = field(default_factory=list)

    @property
    def empty(self):
        return self.total == 0

    @property
    def wide(self):
        return self.layouts[0]

    @property
    def narrow(self):
        return self.layouts[1]


# --- Placement ---------------------------------------------------------------


def dodge(marks):
    """Give each mark (with ``x`` set) a vertical offset from its band's
    middle so that no two marks overlap: the offset nearest zero that keeps
    the circles around their shapes apart. Sets ``mark.y`` to the offset."""
    placed = []
    for mark in marks:
        reach = mark.extent
        candidates = [0.0]
        for other in placed:
            distance = reach + other.extent + GAP
            dx = abs(other.x - mark.x)
            if dx < distance:
                dy = math.sqrt(distance**2 - dx**2)
                candidates += [other.y + dy, other.y - dy]
        for y in sorted(candidates, key=lambda value: (abs(value), value)):
            if all(
                math.hypot(other.x - mark.x, other.y - y)
                >= reach + other.extent + GAP - 1e-6
                for other in placed
            ):
                mark.y = y
                break
        placed.append(mark)


def _year_scale(years, left, right):
    """x of a year, and the ticks of the year axis between ``left`` and ``right``."""
    if not years:
        return (lambda year: left), []
    first, last = min(years), max(years)
    if first == last:
        first, last = first - 1, last + 1
    span = right - left

    def x(year):
        return left + span * (year - first) / (last - first)

    every = next(
        (
            step
            for step in (1, 2, 5, 10, 20, 25, 50)
            if span / ((last - first) / step + 1) >= 3.4 * FONT
        ),
        100,
    )
    start = math.ceil(first / every) * every
    ticks = [
        {"x": x(year), "label": str(year)}
        for year in range(start, last + 1, every)
        if year >= first
    ]
    return x, ticks


def _plot_span(width, has_undated, left=PAD):
    right = width - PAD - (UNDATED_WIDTH if has_undated else 0)
    # Room for half a big mark, or half a year label, at either end.
    return left + 20, right - 28, right


def _legend(layout, top):
    """The size legend under the axis: example marks of LEGEND_SIZES and a
    hollow one for an unreported size, wrapped onto a second line when the
    drawing is narrow. Returns the bottom of the legend."""
    examples = [(radius(size), f"{size:,}", False) for size in LEGEND_SIZES]
    examples.append((UNKNOWN_RADIUS, "not reported", True))
    line_height = 2 * radius(LEGEND_SIZES[-1]) + 6
    items, x = [], PAD
    line_top = top + FONT + 8
    for r, label, hollow in examples:
        needed = 2 * r + 5 + len(label) * FONT * 0.6
        if x > PAD and x + needed > layout.width - PAD:
            x, line_top = PAD, line_top + line_height
        items.append(
            {
                "x": x + r,
                "y": line_top + line_height / 2,
                "r": r,
                "text_x": x + 2 * r + 5,
                "label": label,
                "hollow": hollow,
            }
        )
        x += needed + 14
    layout.legend = items
    layout.legend_y = top + FONT
    return line_top + line_height + PAD


# --- Marks -------------------------------------------------------------------


def _mark_layout(name, width, entries):
    years = {entry["year"] for entry in entries if entry["year"] is not None}
    has_undated = any(entry["year"] is None for entry in entries)
    left, right, undated_left = _plot_span(width, has_undated)
    year_x, ticks = _year_scale(years, left, right)
    layout = Layout(name, width, ticks=ticks)
    by_type = {etype: [] for etype in EVIDENCE_TYPES}
    for entry in entries:
        x = (
            undated_left + UNDATED_WIDTH / 2
            if entry["year"] is None
            else year_x(entry["year"])
        )
        by_type[entry["evidence_type"]].append(
            Mark(
                x=x,
                y=0,
                radius=radius(entry["sample_size"]),
                shape=SHAPES[entry["direction"]],
                direction=entry["direction"],
                label=entry["label"],
                known_size=bool(entry["sample_size"]),
                url=entry["url"],
            )
        )
    top = PAD
    for etype in EVIDENCE_TYPES:
        marks = by_type[etype]
        # Big marks first, so that small ones settle around them.
        marks.sort(key=lambda mark: (-mark.radius, mark.x))
        dodge(marks)
        above = max((-(m.y - m.extent) for m in marks), default=MIN_BAND / 2)
        below = max((m.y + m.extent for m in marks), default=MIN_BAND / 2)
        above, below = max(above, MIN_BAND / 2), max(below, MIN_BAND / 2)
        middle = top + LABEL_HEIGHT + BAND_PAD + above
        for mark in marks:
            mark.y += middle
        height = LABEL_HEIGHT + 2 * BAND_PAD + above + below
        layout.bands.append(
            {
                "type": etype,
                "label": f"{TYPE_LABELS[etype]} ({len(marks)})",
                "y": top,
                "height": height,
                "label_y": top + FONT + 3,
            }
        )
        layout.marks += marks
        top += height
    axis_y = top
    layout.axis = {"y": axis_y, "left": left - 20, "right": right + 20}
    if has_undated:
        layout.undated = {
            "x": undated_left + UNDATED_WIDTH / 2,
            "line_x": undated_left,
            "top": PAD,
            "bottom": axis_y,
        }
    for tick in layout.ticks:
        tick["y"] = axis_y + FONT + 6
    layout.height = _legend(layout, axis_y + AXIS_HEIGHT)
    return layout


def _who(entry):
    authors = entry["study__authors"] or []
    if authors:
        return f"{authors[0]}{' et al.' if len(authors) > 1 else ''}"
    return entry["study__title"][:40]


def evidence_timeline(links):
    """Lay out ``links`` (a queryset of one claim's counted evidence links)."""
    total = links.count()
    if not total:
        return Timeline()
    if total > MAX_MARKS:
        return _binned(links, total)
    rows = links.values(
        "evidence_type",
        "direction",
        "study_id",
        "study__year",
        "study__title",
        "study__sample_size",
        "study__authors",
    ).order_by("study__year", "study_id")
    entries, table = [], []
    for row in rows:
        year, size = row["study__year"], row["study__sample_size"]
        label = (
            f"{_who(row)} ({year or 'undated'}): "
            f"{in_sentence(TYPE_LABELS[row['evidence_type']])}, "
            f"{in_sentence(DIRECTION_LABELS[row['direction']])}"
            + (f", n = {size:,}" if size else ", sample size not reported")
        )
        url = f"/studies/{row['study_id']}/"
        entries.append(
            {
                "year": year,
                "evidence_type": row["evidence_type"],
                "direction": row["direction"],
                "sample_size": size,
                "label": label,
                "url": url,
            }
        )
        table.append({"year": year or UNDATED, "label": label, "url": url})
    # Undated rows last in the table, as on the chart.
    table.sort(key=lambda row: row["year"] == UNDATED)
    layouts = [_mark_layout(name, width, entries) for name, width in WIDTHS.items()]
    return Timeline(layouts=layouts, total=total, table=table)


# --- Bars --------------------------------------------------------------------


def _count_ticks(biggest):
    """Round counts for a band's axis: 0, a middle value and the top."""
    step = next(
        s
        for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10**4)
        + tuple(10**k for k in range(5, 12))
        if biggest / s <= 4
    )
    top = math.ceil(biggest / step) * step
    return top, list(range(0, top + 1, step))


def _bar_layout(name, width, cells, biggest):
    years = {year for year, _ in cells if year is not None}
    has_undated = any(year is None for year, _ in cells)
    left, right, undated_left = _plot_span(
        width, has_undated, left=PAD + COUNT_AXIS_WIDTH
    )
    year_x, ticks = _year_scale(years, left, right)
    span_years = (max(years) - min(years) + 1) if years else 1
    layout = Layout(name, width, ticks=ticks)
    layout.bar_width = max(min((right - left) / span_years * 0.7, 24), 2)
    top_count, count_ticks = _count_ticks(biggest)
    top = PAD
    for etype in EVIDENCE_TYPES:
        plot_top = top + LABEL_HEIGHT + BAND_PAD
        bottom = plot_top + BAR_BAND
        scale = BAR_BAND / top_count
        layout.bands.append(
            {
                "type": etype,
                "label": TYPE_LABELS[etype],
                "y": top,
                "height": LABEL_HEIGHT + 2 * BAND_PAD + BAR_BAND,
                "label_y": top + FONT + 3,
                "count_axis": {
                    "x": left - 20 - layout.bar_width / 2 - 4,
                    "top": plot_top,
                    "bottom": bottom,
                    "ticks": [
                        {"y": bottom - count * scale, "label": str(count)}
                        for count in count_ticks
                    ],
                },
            }
        )
        for (year, cell_type), cell in sorted(
            cells.items(), key=lambda item: (item[0][0] is None, item[0][0] or 0)
        ):
            if cell_type != etype:
                continue
            x = undated_left + UNDATED_WIDTH / 2 if year is None else year_x(year)
            stack = bottom
            for direction in DIRECTIONS:
                number = cell.get(direction, 0)
                if not number:
                    continue
                height = number * scale
                stack -= height
                layout.bars.append(
                    Bar(
                        x=x - layout.bar_width / 2,
                        y=stack,
                        height=height,
                        direction=direction,
                        label=f"{year or UNDATED}, {in_sentence(TYPE_LABELS[etype])}: "
                        f"{number} {in_sentence(DIRECTION_LABELS[direction])}",
                    )
                )
        top += LABEL_HEIGHT + 2 * BAND_PAD + BAR_BAND
    layout.axis = {"y": top, "left": left - 20, "right": right + 20}
    if has_undated:
        layout.undated = {
            "x": undated_left + UNDATED_WIDTH / 2,
            "line_x": undated_left,
            "top": PAD,
            "bottom": top,
        }
    for tick in layout.ticks:
        tick["y"] = top + FONT + 6
    layout.height = top + AXIS_HEIGHT + PAD
    return layout


def _binned(links, total):
    counts = (
        links.order_by()
        .values_list("study__year", "evidence_type", "direction")
        .annotate(number=Count("id"))
    )
    cells = {}
    for year, evidence_type, direction, number in counts:
        cells.setdefault((year, evidence_type), {})[direction] = number
    biggest = max(sum(cell.values()) for cell in cells.values())
    table = [
        {
            "year": year or UNDATED,
            "label": f"{year or UNDATED}, {in_sentence(TYPE_LABELS[evidence_type])}: "
            f"{number} {in_sentence(DIRECTION_LABELS[direction])}",
            "url": "",
        }
        for (year, evidence_type), cell in sorted(
            cells.items(),
            key=lambda item: (item[0][0] is None, item[0][0] or 0, item[0][1]),
        )
        for direction in DIRECTIONS
        if (number := cell.get(direction, 0))
    ]
    layouts = [
        _bar_layout(name, width, cells, biggest) for name, width in WIDTHS.items()
    ]
    return Timeline(layouts=layouts, binned=True, total=total, table=table)


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


def claim_timeline_html(claim_id) -> SafeString:
    """The claim page's timeline figure (``includes/evidence_timeline.html``),
    rendered once until data changes.

    Its SVG is hundreds of numbers through ``floatformat``: 15 to 40 ms of
    template work on every view otherwise. It holds only published data
    (no reader, no query string), so one copy serves every reader.
    """
    html = caching.remember(
        "timeline-html",
        f"{claim_id}:{get_language()}",
        lambda: str(
            render_to_string(
                "includes/evidence_timeline.html",
                {"timeline": claim_timeline(claim_id)},
            )
        ),
        settings.COUNT_CACHE_SECONDS,
    )
    return mark_safe(html)  # escaped by the template that rendered it
