"""Nested read-only shapes of a claim: its evidence profile, verdict, certainty
and pooled effects, with the functions that build them from the stored claim."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from ..models import (
    Certainty,
    EffectMeasure,
    VerdictDirection,
)
from ..profile import STRENGTH_LABELS


class CountsByDirectionSerializer(serializers.Serializer):
    supports = serializers.IntegerField()
    contradicts = serializers.IntegerField()
    mixed = serializers.IntegerField()


class CountsByTypeSerializer(serializers.Serializer):
    controlled = serializers.IntegerField()
    self_report = serializers.IntegerField()
    anecdotal = serializers.IntegerField()


class CountTableSerializer(serializers.Serializer):
    controlled = CountsByDirectionSerializer()
    self_report = CountsByDirectionSerializer()
    anecdotal = CountsByDirectionSerializer()


class StrengthSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=list(STRENGTH_LABELS))
    label = serializers.CharField()
    score = serializers.IntegerField(min_value=-100, max_value=100)
    contested = serializers.BooleanField(
        help_text="At least a quarter of the weighted evidence points the other way."
    )
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Each step of the rule, in words."
    )


@extend_schema_serializer(deprecate_fields=["strength"])
class EvidenceSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Published links.")
    counts = CountTableSerializer(
        help_text="Published links by evidence type, then direction."
    )
    by_type = CountsByTypeSerializer()
    by_direction = CountsByDirectionSerializer()
    strength = StrengthSerializer(
        help_text="Deprecated: the claim's `verdict` is the answer; the strength "
        "is one of its reasons. Kept for existing clients."
    )


def evidence_summary(profile):
    """The API shape of an evidence profile (see evidence/profile.py)."""
    return {
        "total": profile.total,
        "counts": profile.counts,
        "by_type": profile.by_type(),
        "by_direction": profile.by_direction(),
        "strength": {
            "key": profile.strength,
            "label": profile.strength_label,
            "score": profile.score,
            "contested": profile.contested,
            "reasons": profile.reasons,
        },
    }


class ClaimLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    html = serializers.URLField(help_text="The claim's page for readers.")
    evidence = serializers.URLField(
        help_text="All of the claim's evidence links, filterable and paginated."
    )
    versions = serializers.URLField(help_text="The claim's numbered, citable versions.")
    statement = serializers.URLField(
        help_text="The claim as a GA4GH-style statement with evidence lines (JSON)."
    )


class EffectSerializer(serializers.Serializer):
    measure = serializers.ChoiceField(choices=EffectMeasure.choices)
    estimate = serializers.FloatField(
        help_text="Treatment minus control, on the measure's scale (log scale for ratios)."
    )
    se = serializers.FloatField(help_text="Standard error of the estimate.")
    ci_low = serializers.FloatField(help_text="95% CI, estimate − 1.96 SE.")
    ci_high = serializers.FloatField(help_text="95% CI, estimate + 1.96 SE.")


class MetaAnalysisLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the evidence link.")
    weight = serializers.FloatField(help_text="Its weight in the pooled estimate, %.")


class MetaAnalysisSerializer(serializers.Serializer):
    measure = serializers.ChoiceField(choices=EffectMeasure.choices)
    k = serializers.IntegerField(help_text="Number of pooled links (studies).")
    participants = serializers.IntegerField(
        allow_null=True,
        help_text="Participants of the pooled studies that report them (arms' n, "
        "else the study's sample size); null when none does.",
    )
    estimate = serializers.FloatField(help_text="Pooled estimate (random effects).")
    se = serializers.FloatField()
    ci_low = serializers.FloatField(help_text="Wald 95% CI.")
    ci_high = serializers.FloatField()
    tau2 = serializers.FloatField(help_text="Between-study variance τ² (REML).")
    i2 = serializers.FloatField(
        help_text="I² in percent (0–100), from τ² as metafor computes it."
    )
    q = serializers.FloatField(help_text="Cochran's Q.")
    q_df = serializers.IntegerField(help_text="Degrees of freedom of Q (k − 1).")
    q_p = serializers.FloatField(help_text="p-value of Q.")
    prediction_low = serializers.FloatField(
        help_text="95% prediction interval for the effect in a new study."
    )
    prediction_high = serializers.FloatField()
    method = serializers.ChoiceField(choices=["REML"])
    links = MetaAnalysisLinkSerializer(many=True)


class VerdictSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(
        choices=VerdictDirection.choices,
        help_text="Where the deciding evidence points: for, against or unclear.",
    )
    certainty = serializers.ChoiceField(
        choices=Certainty.choices,
        help_text="GRADE certainty in that direction (equal to the claim's `certainty`).",
    )
    text = serializers.CharField(help_text="The verdict in one plain sentence.")


def verdict_data(claim):
    """The API shape of a claim's stored verdict (overrides included)."""
    return {
        "direction": claim.verdict_direction,
        "certainty": claim.certainty,
        "text": claim.verdict_text,
    }


class CertaintyOverrideSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Certainty.choices)
    reason = serializers.CharField()


class CertaintyDetailSerializer(serializers.Serializer):
    computed = serializers.ChoiceField(
        choices=Certainty.choices, help_text="What the rule gives."
    )
    steps = serializers.ListField(
        child=serializers.CharField(), help_text="Each step of the rule, in words."
    )
    override = CertaintyOverrideSerializer(
        allow_null=True, help_text="An editor's override, which becomes the headline."
    )
    direction_computed = serializers.ChoiceField(
        choices=VerdictDirection.choices, help_text="The direction the rule gives."
    )


def certainty_detail(claim):
    return {
        "computed": claim.certainty_computed,
        "direction_computed": claim.verdict_direction_computed,
        "steps": claim.certainty_steps,
        "override": (
            {
                "level": claim.certainty_override,
                "reason": claim.certainty_override_reason,
            }
            if claim.certainty_override
            else None
        ),
    }
