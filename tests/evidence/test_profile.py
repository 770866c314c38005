"""The strength rule, as documented in the README."""

import pytest

from evidence.profile import counts_from_rows, evidence_profile


def profile_of(**cells):
    """``controlled_supports=3`` → a profile with three supporting controlled links."""
    rows = []
    for cell, number in cells.items():
        evidence_type, direction = cell.rsplit("_", 1)
        rows.append((evidence_type, direction, number))
    return evidence_profile(counts_from_rows(rows))


def test_no_evidence_is_its_own_strength_not_zero_support():
    profile = profile_of()
    assert profile.total == 0
    assert profile.strength == "none"
    assert profile.reasons == ["No published evidence is linked to this claim yet."]


def test_fifty_contradicting_links_never_score_above_fifty_agreeing_ones():
    agreeing = profile_of(controlled_supports=50)
    contradicting = profile_of(controlled_contradicts=50)
    assert contradicting.score < agreeing.score
    assert contradicting.strength == "strong_against"
    assert agreeing.strength == "strong"


def test_adding_contradicting_evidence_lowers_strength_instead_of_raising_it():
    agreeing = profile_of(controlled_supports=50)
    argued_over = profile_of(controlled_supports=50, controlled_contradicts=50)
    assert argued_over.score < agreeing.score
    assert argued_over.score == 0
    assert argued_over.strength == "inconclusive"
    assert argued_over.contested


@pytest.mark.parametrize("contradicting", [1, 5, 10, 25, 49])
def test_every_contradicting_link_pulls_the_score_down(contradicting):
    fewer = profile_of(controlled_supports=50, controlled_contradicts=contradicting - 1)
    more = profile_of(controlled_supports=50, controlled_contradicts=contradicting)
    assert more.score <= fewer.score


def test_more_agreeing_evidence_raises_confidence():
    assert (
        profile_of(controlled_supports=1).score
        < profile_of(controlled_supports=5).score
    )


def test_self_report_alone_is_capped_at_moderate_and_says_why():
    profile = profile_of(self_report_supports=200)
    assert profile.score == 50
    assert profile.strength == "moderate"
    assert any(
        "Capped at 50" in reason and "self-report" in reason
        for reason in profile.reasons
    )


def test_anecdotes_alone_are_capped_at_weak():
    profile = profile_of(anecdotal_supports=1000)
    assert profile.score == 20
    assert profile.strength == "weak"


def test_controlled_contradiction_outweighs_many_self_reports():
    profile = profile_of(self_report_supports=4, controlled_contradicts=2)
    assert profile.score < 0


def test_mixed_findings_count_half_each_way():
    profile = profile_of(controlled_mixed=10)
    assert profile.weight_for == profile.weight_against == 5
    assert profile.score == 0


def test_reasons_state_counts_per_type_in_words():
    profile = profile_of(
        controlled_supports=2, controlled_contradicts=3, self_report_supports=1
    )
    assert profile.reasons[0] == "6 published links: 5 controlled, 1 self-report."
    assert "Controlled evidence: 2 support, 3 contradict." in profile.reasons
    assert any(
        "of the weighted evidence points the other way" in reason
        for reason in profile.reasons
    )


def test_profile_counts_by_type_and_direction():
    profile = profile_of(
        controlled_supports=2, anecdotal_supports=1, self_report_mixed=4
    )
    assert profile.by_type() == {"controlled": 2, "self_report": 4, "anecdotal": 1}
    assert profile.by_direction() == {"supports": 3, "contradicts": 0, "mixed": 4}
    assert profile.as_dict()["total"] == 7


def test_unknown_types_and_directions_in_rows_are_ignored():
    counts = counts_from_rows([("controlled", "supports", 2), ("bogus", "supports", 9)])
    assert evidence_profile(counts).total == 2
