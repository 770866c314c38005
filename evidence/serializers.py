from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from config.api import ModelValidationMixin
from studies.models import Study
from studies.serializers import StudyBriefSerializer

from .models import Claim, Evidence, Revision
from .workflow import status_change_check

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
    key = serializers.ChoiceField(
        choices=[
            "none",
            "strong",
            "moderate",
            "weak",
            "inconclusive",
            "weak_against",
            "moderate_against",
            "strong_against",
        ]
    )
    label = serializers.CharField()
    score = serializers.IntegerField(min_value=-100, max_value=100)
    contested = serializers.BooleanField(
        help_text="At least a quarter of the weighted evidence points the other way."
    )
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Each step of the rule, in words."
    )


class EvidenceSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Published links.")
    counts = CountTableSerializer(
        help_text="Published links by evidence type, then direction."
    )
    by_type = CountsByTypeSerializer()
    by_direction = CountsByDirectionSerializer()
    strength = StrengthSerializer()


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


class WorkflowMixin:
    """Status changes go through evidence.workflow (403 when an editor is needed)."""

    def validate(self, attrs):
        new_status = attrs.get("status")
        request = self.context.get("request")
        if new_status is not None and request is not None:
            instance = self.instance or self.Meta.model()
            status_change_check(
                user=request.user,
                instance=instance,
                new_status=new_status,
                comment=attrs.get(
                    "review_comment", getattr(self.instance, "review_comment", "")
                ),
                reason=attrs.get(
                    "retraction_reason", getattr(self.instance, "retraction_reason", "")
                ),
            )
        return super().validate(attrs)


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
    added_by = serializers.StringRelatedField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "claim",
            "claim_link",
            "study",
            "study_brief",
            "evidence_type",
            "direction",
            "finding",
            "quote",
            "status",
            "review_comment",
            "retraction_reason",
            "added_by",
            "created",
            "updated",
        ]
        read_only_fields = ["added_by", "created", "updated"]
        extra_kwargs = {
            name: {"help_text": text} for name, text in WORKFLOW_FIELDS_HELP.items()
        }

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
    evidence_summary = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "slug",
            "statement",
            "description",
            "topic",
            "status",
            "review_comment",
            "retraction_reason",
            "evidence_summary",
            "links",
            "created",
            "updated",
        ]
        read_only_fields = ["created", "updated"]
        extra_kwargs = {
            name: {"help_text": text} for name, text in WORKFLOW_FIELDS_HELP.items()
        }

    def validate_slug(self, value):
        if self.instance is not None and value != self.instance.slug:
            raise serializers.ValidationError(
                "A claim's slug is permanent: citations link to it."
            )
        return value

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
        help_text="Slug of the revised claim, if a claim.",
    )
    proposed_by = serializers.StringRelatedField()
    reviewed_by = serializers.StringRelatedField()

    class Meta:
        model = Revision
        fields = [
            "id",
            "claim",
            "evidence",
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


class RevisionReviewSerializer(serializers.Serializer):
    review_comment = serializers.CharField(
        max_length=5_000, help_text="Why the revision is rejected."
    )
