"""HTML fragments the evidence admin shows: profile bars and tables, verdict previews."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from ..vocabulary import DIRECTIONS, EVIDENCE_TYPES, TYPE_LABELS

SUPPORTS, CONTRADICTS, MIXED = DIRECTIONS


def profile_bar(profile):
    """A compact supports / mixed / contradicts bar with the counts as text."""
    by_direction = profile.by_direction()
    if not profile.total:
        return mark_safe('<span class="ea-muted">no published evidence</span>')
    segments = format_html_join(
        "",
        '<span class="ea-bar-{}" style="flex-grow:{}" title="{} {}"></span>',
        (
            (direction, by_direction[direction], by_direction[direction], direction)
            for direction in DIRECTIONS
            if by_direction[direction]
        ),
    )
    return format_html(
        '<span class="ea-bar" aria-hidden="true">{}</span> '
        "<span>{} for, {} against, {} mixed (links counted) · strength {}</span>",
        segments,
        by_direction[SUPPORTS],
        by_direction[CONTRADICTS],
        by_direction[MIXED],
        profile.strength_label.lower(),
    )


def profile_table(profile):
    rows = format_html_join(
        "",
        "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                TYPE_LABELS[etype],
                *(profile.count(etype, direction) for direction in DIRECTIONS),
            )
            for etype in EVIDENCE_TYPES
        ),
    )
    reasons = format_html_join(
        "", "<li>{}</li>", ((reason,) for reason in profile.reasons)
    )
    return format_html(
        "<p><strong>{}</strong> (score {})</p>"
        "<table><thead><tr><th>Published links</th><th>Supports</th><th>Contradicts</th>"
        "<th>Mixed</th></tr></thead><tbody>{}</tbody></table><ul>{}</ul>",
        profile.strength_label,
        profile.score,
        rows,
        reasons,
    )


def verdict_changes_html(changes, *, verb):
    """Each claim's verdict now → after ``verb`` (publishing, accepting)."""
    if not changes:
        return "No claim's verdict depends on it."
    rows = format_html_join(
        "",
        "<li>{}: <strong>{} → {}</strong>{}</li>",
        (
            (
                change.claim.statement,
                change.before,
                change.after,
                "" if change.moved else " (unchanged)",
            )
            for change in changes
        ),
    )
    return format_html("<p>Verdict now → after {}:</p><ul>{}</ul>", verb, rows)
