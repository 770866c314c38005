from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.reverse import reverse

from core.api import ModelValidationMixin
from studies.models import Study
from studies.serializers import StudyBriefSerializer

from .effects import EFFECT_FIELDS, effect_data
from .models import (
    Certainty,
    Claim,
    ClaimVersion,
    EffectMeasure,
    Evidence,
    IndirectnessReason,
    Release,
    Revision,
    VerdictDirection,
)
from .profile import STRENGTH_LABELS
from .services import version_links
from .synthesis import public_meta_analyses
from .vocabulary import DIRECTIONS, EVIDENCE_TYPES
from .workflow import (
    REMOVAL_REASON_FIELD,
    editor_only_fields,
    is_editor,
    status_change_check,
)

CLAIM_EVIDENCE_PREVIEW = 20


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


class WorkflowMixin:
    """Status changes go through evidence.workflow (403 when an editor is needed)."""

    def validate(self, attrs):
        new_status = attrs.get("status")
        request = self.context.get("request")
        if new_status is not None and request is not None:
            instance = self.instance or self.Meta.model()
            reason_field = REMOVAL_REASON_FIELD[instance._meta.model_name]
            status_change_check(
                user=request.user,
                instance=instance,
                new_status=new_status,
                comment=attrs.get(
                    "review_comment", getattr(self.instance, "review_comment", "")
                ),
                reason=attrs.get(
                    reason_field, getattr(self.instance, reason_field, "")
                ),
            )
        return super().validate(attrs)


DOMAIN_HELP = (
    "GRADE: not_assessed (the default; the rule then judges what the data allows), "
    "not_serious, serious or very_serious."
)
GRADE_FIELDS_HELP = {
    "risk_of_bias": DOMAIN_HELP,
    "indirectness": DOMAIN_HELP,
    "indirectness_reasons": (
        "Why the evidence is indirect: any of animal_or_in_vitro, healthy_volunteers, "
        "full_dose, surrogate_outcome."
    ),
    "imprecision": DOMAIN_HELP,
    "inconsistency": DOMAIN_HELP,
    "publication_bias": DOMAIN_HELP,
    "large_effect": "A reason to trust the evidence more.",
    "dose_response": "A dose-response gradient: a reason to trust the evidence more.",
}

_ARM = "Arm data: give all of it for both arms, for a measure of its kind"
EFFECT_FIELDS_HELP = {
    "outcome": "The outcome of the effect, e.g. depression severity (MADRS).",
    "comparator": "What the treatment is compared with, e.g. placebo.",
    "timepoint": "When the outcome was measured, e.g. week 3.",
    "effect_measure": (
        "smd (Hedges' g), md (mean difference), log_rr or log_or; treatment minus "
        "control. Needs arm data or a reported estimate."
    ),
    **{
        f"{what}_{arm}": f"{_ARM} ({kind})."
        for what, kind in (
            ("mean", "smd, md"),
            ("sd", "smd, md; not negative"),
            ("events", "log_rr, log_or; at most the arm's n"),
        )
        for arm in ("treatment", "control")
    },
    **{
        f"n_{arm}": "Participants in the arm (at least 2); may accompany a reported estimate."
        for arm in ("treatment", "control")
    },
    "reported_estimate": (
        "Instead of arm data: the reported estimate on the measure's scale (log "
        "scale for ratios), inside its 95% CI."
    ),
    "reported_ci_low": "Lower bound of the reported 95% CI.",
    "reported_ci_high": "Upper bound of the reported 95% CI.",
}

WORKFLOW_FIELDS_HELP = {
    "status": "draft, in_review (curators); published, retracted (editors).",
    "review_comment": "An editor's note when sending the item back to draft.",
    "retraction_reason": "Required when an editor retracts published work.",
}


class EvidenceSerializer(
    WorkflowMixin, ModelValidationMixin, serializers.ModelSerializer
):
    claim = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Claim.objects.all(),
        help_text="Slug of the claim.",
        error_messages={"does_not_exist": "No claim has the slug “{value}”."},
    )
    claim_id = serializers.IntegerField(
        read_only=True, help_text="Permanent id of the claim (its slug may change)."
    )
    claim_link = serializers.SerializerMethodField()
    study = serializers.PrimaryKeyRelatedField(
        queryset=Study.objects.all(),
        help_text="Id of the study.",
        error_messages={"does_not_exist": "No study has the id {pk_value}."},
    )
    study_brief = StudyBriefSerializer(source="study", read_only=True)
    finding = serializers.CharField(
        max_length=10_000, help_text="What the study found for this claim."
    )
    quote = serializers.CharField(max_length=5_000, required=False, allow_blank=True)
    indirectness_reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=IndirectnessReason.choices),
        required=False,
        help_text=GRADE_FIELDS_HELP["indirectness_reasons"],
    )
    added_by = serializers.StringRelatedField(
        allow_null=True,
        help_text="Who added the link; null when not recorded (seed data, deleted users).",
    )
    effect = serializers.SerializerMethodField(
        help_text="The effect computed from the arm data or the reported estimate; "
        "null when the link records none."
    )

    class Meta:
        model = Evidence
        fields = [
            "id",
            "claim",
            "claim_id",
            "claim_link",
            "study",
            "study_brief",
            "evidence_type",
            "direction",
            "finding",
            "quote",
            "risk_of_bias",
            "indirectness",
            "indirectness_reasons",
            "imprecision",
            "inconsistency",
            "publication_bias",
            "large_effect",
            "dose_response",
            *EFFECT_FIELDS,
            "effect",
            "status",
            "review_comment",
            "retraction_reason",
            "added_by",
            "created",
            "updated",
        ]
        read_only_fields = ["added_by", "created", "updated"]
        extra_kwargs = {
            name: {"help_text": text}
            for name, text in {
                **GRADE_FIELDS_HELP,
                **WORKFLOW_FIELDS_HELP,
                **EFFECT_FIELDS_HELP,
            }.items()
        }

    @extend_schema_field(EffectSerializer(allow_null=True))
    def get_effect(self, evidence):
        return effect_data(evidence.effect)

    def get_fields(self):
        fields = super().get_fields()
        # A link cites only a study its writer may see (not a withdrawn one,
        # for a curator).
        request = self.context.get("request")
        fields["study"].queryset = Study.objects.visible_to(
            getattr(request, "user", None)
        )
        return fields

    @extend_schema_field(serializers.URLField)
    def get_claim_link(self, evidence):
        return reverse(
            "api:claim-detail",
            args=[evidence.claim.slug],
            request=self.context.get("request"),
        )


class ClaimSerializer(WorkflowMixin, ModelValidationMixin, serializers.ModelSerializer):
    slug = serializers.SlugField(
        max_length=120,
        required=False,
        help_text="Permanent; derived from the statement when not given. Cannot be changed.",
    )
    description = serializers.CharField(
        max_length=10_000, required=False, allow_blank=True
    )
    verdict = serializers.SerializerMethodField()
    evidence_summary = serializers.SerializerMethodField()
    certainty_detail = serializers.SerializerMethodField()
    meta_analyses = serializers.SerializerMethodField(
        help_text="A random-effects meta-analysis (REML) per effect measure shared "
        "by two or more counted links; empty when there is none."
    )
    links = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "slug",
            "statement",
            "description",
            "topic",
            "status",
            "review_comment",
            "retraction_reason",
            "verdict",
            "certainty",
            "certainty_detail",
            "direction_override",
            "certainty_override",
            "certainty_override_reason",
            "evidence_summary",
            "effect_favours_claim",
            "meta_analyses",
            "version",
            "links",
            "created",
            "updated",
        ]
        read_only_fields = ["id", "certainty", "version", "created", "updated"]
        extra_kwargs = {
            **{
                name: {"help_text": text} for name, text in WORKFLOW_FIELDS_HELP.items()
            },
            "id": {
                "help_text": "Permanent id: unlike the slug it never changes. "
                "`/api/v1/claims/{id}/` and `?claim={id}` accept it."
            },
            "certainty": {
                "help_text": "The headline certainty, equal to verdict.certainty: an editor's "
                "override if any, else the computed value."
            },
            "direction_override": {
                "help_text": "Editors only: replaces the computed direction of the verdict; "
                "needs certainty_override_reason."
            },
            "certainty_override": {
                "help_text": "Editors only; needs certainty_override_reason."
            },
            "certainty_override_reason": {
                "help_text": "Editors only: why the computed direction or certainty is overridden."
            },
            "version": {
                "help_text": "Number of the latest published version (0: never published)."
            },
            "effect_favours_claim": {
                "help_text": "Which side of no effect supports the claim: lower or "
                "higher values of the effect (empty: not stated)."
            },
        }

    def validate_slug(self, value):
        if self.instance is not None and value != self.instance.slug:
            if not is_editor(self.context["request"].user, "claim"):
                raise serializers.ValidationError(
                    "A claim's slug is permanent: citations link to it. Only editors rename, "
                    "and the old slug then redirects."
                )
        return value

    def validate(self, attrs):
        # A slug change by a curator is refused by validate_slug already.
        locked = editor_only_fields(
            self.context["request"].user, "claim", existing=self.instance is not None
        )
        if any(
            name in attrs and attrs[name] != getattr(self.instance, name, "")
            for name in locked
        ):
            raise PermissionDenied("Only editors can override the computed verdict.")
        return super().validate(attrs)

    @extend_schema_field(VerdictSerializer)
    def get_verdict(self, claim):
        return verdict_data(claim)

    @extend_schema_field(CertaintyDetailSerializer)
    def get_certainty_detail(self, claim):
        return certainty_detail(claim)

    @extend_schema_field(MetaAnalysisSerializer(many=True))
    def get_meta_analyses(self, claim):
        return public_meta_analyses(claim.meta_analyses)

    @extend_schema_field(EvidenceSummarySerializer)
    def get_evidence_summary(self, claim):
        return evidence_summary(claim.profile)

    @extend_schema_field(ClaimLinksSerializer)
    def get_links(self, claim):
        request = self.context.get("request")
        html = claim.get_absolute_url()
        return {
            "self": reverse("api:claim-detail", args=[claim.slug], request=request),
            "html": request.build_absolute_uri(html) if request else html,
            "evidence": reverse("api:evidence-list", request=request)
            + f"?claim={claim.slug}",
            "versions": reverse(
                "api:claim-versions", args=[claim.slug], request=request
            ),
            "statement": reverse(
                "api:claim-statement", args=[claim.slug], request=request
            ),
        }


class ClaimDetailSerializer(ClaimSerializer):
    evidence = serializers.SerializerMethodField(
        help_text=f"The first {CLAIM_EVIDENCE_PREVIEW} evidence links; follow links.evidence for all."
    )

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "evidence"]

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, claim):
        preview = getattr(claim, "evidence_preview", [])
        return EvidenceSerializer(preview, many=True, context=self.context).data


class RevisionSerializer(serializers.ModelSerializer):
    claim = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="Slug of the revised claim; null for a revised evidence link or study.",
    )
    proposed_by = serializers.StringRelatedField()
    reviewed_by = serializers.StringRelatedField(
        allow_null=True,
        help_text="The editor who accepted or rejected it; null while pending.",
    )

    class Meta:
        model = Revision
        fields = [
            "id",
            "claim",
            "evidence",
            "study",
            "changes",
            "original",
            "status",
            "proposed_by",
            "proposed_at",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
        ]
        read_only_fields = fields


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField(
        help_text="Why the request conflicts with the stored state."
    )


class RemovalSerializer(serializers.Serializer):
    """The query parameters of a removal (DELETE)."""

    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RevisionReviewSerializer(serializers.Serializer):
    review_comment = serializers.CharField(
        max_length=5_000, help_text="Why the revision is rejected."
    )


class VersionLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the evidence link.")
    study = serializers.IntegerField(help_text="Id of the study.")
    citation = serializers.CharField()
    evidence_type = serializers.ChoiceField(choices=EVIDENCE_TYPES)
    direction = serializers.ChoiceField(choices=DIRECTIONS)
    study_retracted = serializers.BooleanField()


class ClaimVersionSerializer(serializers.ModelSerializer):
    permalink = serializers.SerializerMethodField(
        help_text="The reader page of this version."
    )
    links_added = VersionLinkSerializer(many=True)
    links_removed = VersionLinkSerializer(many=True)
    links_changed = VersionLinkSerializer(
        many=True, help_text="Links regraded since the previous version."
    )
    changes = serializers.DictField(
        child=serializers.ListField(
            child=serializers.CharField(), min_length=2, max_length=2
        ),
        help_text="Claim field (statement, status, certainty…) → [before, after].",
    )

    class Meta:
        model = ClaimVersion
        fields = [
            "number",
            "created",
            "statement",
            "description",
            "topic",
            "status",
            "certainty",
            "certainty_computed",
            "certainty_steps",
            "certainty_override_reason",
            "verdict_direction",
            "verdict_text",
            "strength_score",
            "strength",
            "evidence_count",
            "summary",
            "note",
            "changes",
            "links_added",
            "links_removed",
            "links_changed",
            "permalink",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField)
    def get_permalink(self, version):
        request = self.context.get("request")
        url = reverse(
            "evidence:claim-version", args=[version.claim.slug, version.number]
        )
        return request.build_absolute_uri(url) if request else url


class ClaimVersionDetailSerializer(ClaimVersionSerializer):
    links = serializers.SerializerMethodField(
        help_text="Every published link at this version."
    )

    class Meta(ClaimVersionSerializer.Meta):
        fields = [*ClaimVersionSerializer.Meta.fields, "links"]
        read_only_fields = fields

    @extend_schema_field(VersionLinkSerializer(many=True))
    def get_links(self, version):
        return sorted(version_links(version).values(), key=lambda entry: entry["id"])


class ReleaseSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = [
            "name",
            "created",
            "size",
            "sha256",
            "licence",
            "counts",
            "withdrawn",
            "withdrawn_note",
            "download",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "withdrawn": {
                "help_text": "True when the release was withdrawn (it held text "
                "that was never public); its zip stays downloadable, for those "
                "who cited it."
            },
            "withdrawn_note": {
                "help_text": "Why it was withdrawn, and which release replaces it."
            },
        }

    @extend_schema_field(serializers.URLField)
    def get_download(self, release):
        request = self.context.get("request")
        url = release.get_absolute_url()
        return request.build_absolute_uri(url) if request else url
