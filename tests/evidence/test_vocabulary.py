"""The evidence vocabulary is the one source of every graded value and label."""

import pytest

from evidence import profile, verdict, vocabulary
from evidence.models import Claim, ClaimVersion, Evidence
from evidence.templatetags.atlas import type_weight

FIELDS = [
    (Evidence, "evidence_type", vocabulary.EvidenceType),
    (Evidence, "direction", vocabulary.Direction),
    (Evidence, "risk_of_bias", vocabulary.DomainRating),
    (Evidence, "imprecision", vocabulary.DomainRating),
    (Claim, "certainty", vocabulary.Certainty),
    (Claim, "certainty_computed", vocabulary.Certainty),
    (Claim, "verdict_direction", vocabulary.VerdictDirection),
    (ClaimVersion, "certainty", vocabulary.Certainty),
    (ClaimVersion, "verdict_direction", vocabulary.VerdictDirection),
]


@pytest.mark.parametrize(("model", "name", "choices"), FIELDS)
def test_every_model_choice_has_exactly_one_label_and_every_label_one_choice(
    model, name, choices
):
    field_choices = model._meta.get_field(name).choices
    assert field_choices == choices.choices
    values = [value for value, _ in field_choices]
    labels = [label for _, label in field_choices]
    assert len(set(values)) == len(values)
    assert len(set(labels)) == len(labels)


def test_the_tables_of_values_and_labels_follow_the_choices():
    assert vocabulary.EVIDENCE_TYPES == tuple(vocabulary.EvidenceType.values)
    assert vocabulary.DIRECTIONS == tuple(vocabulary.Direction.values)
    assert vocabulary.LEVELS == ("very_low", "low", "moderate", "high")
    assert vocabulary.TYPE_LABELS == {
        "controlled": "Controlled",
        "self_report": "Self-report",
        "anecdotal": "Anecdotal",
    }
    assert set(vocabulary.VERDICT_LABELS) == set(vocabulary.VERDICT_DIRECTIONS)


def test_the_rules_weigh_and_cap_every_evidence_type_and_no_other():
    assert set(profile.TYPE_WEIGHTS) == set(vocabulary.EVIDENCE_TYPES)
    assert set(profile.TYPE_CEILINGS) == set(vocabulary.EVIDENCE_TYPES)
    assert set(verdict.TIER_NOUNS) <= set(vocabulary.LEVELS)


def test_a_label_inside_a_sentence_is_the_same_label_lowercased_at_the_start():
    assert vocabulary.in_sentence("Self-report") == "self-report"
    assert vocabulary.in_sentence("Very low") == "very low"
    assert vocabulary.listed(["a", "b", "c"]) == "a, b or c"


def test_the_strength_reason_states_the_weights_the_rule_uses(monkeypatch):
    counts = {"controlled": {"supports": 1}}
    reasons = profile.evidence_profile(counts).reasons
    assert any(
        "a controlled link weighs 1, self-report 0.25, anecdotal 0.05" in r
        for r in reasons
    )

    monkeypatch.setitem(profile.TYPE_WEIGHTS, "self_report", 0.4)
    reasons = profile.evidence_profile(counts).reasons
    assert any("self-report 0.4," in reason for reason in reasons)
    assert type_weight("self_report") == "0.4"


@pytest.mark.django_db
def test_the_home_page_states_the_weights_of_the_rule(client, monkeypatch):
    monkeypatch.setitem(profile.TYPE_WEIGHTS, "anecdotal", 0.07)
    body = client.get("/").content.decode()
    assert "an anecdote 0.07" in body


def test_the_api_count_tables_have_one_field_per_type_and_direction():
    from evidence.serializers import (
        CountsByDirectionSerializer,
        CountsByTypeSerializer,
        CountTableSerializer,
    )

    assert tuple(CountTableSerializer().fields) == vocabulary.EVIDENCE_TYPES
    assert tuple(CountsByTypeSerializer().fields) == vocabulary.EVIDENCE_TYPES
    assert tuple(CountsByDirectionSerializer().fields) == vocabulary.DIRECTIONS


def test_the_verdicts_design_tiers_name_study_designs_that_exist():
    from studies.models import Design

    assert verdict.RANDOMISED_DESIGNS <= set(Design.values)
    assert verdict.ANECDOTAL_DESIGNS <= set(Design.values)
    assert not verdict.RANDOMISED_DESIGNS & verdict.ANECDOTAL_DESIGNS
