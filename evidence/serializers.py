from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from config.api import ModelValidationMixin
from studies.models import Study
from studies.serializers import StudyBriefSerializer

from .models import (
    Certainty,
    Claim,
    ClaimVersion,
    Evidence,
    IndirectnessReason,
    Release,
    Revision,
)
from .services import version_links
from .workflow import REMOVAL_REASON_FIELD, is_editor, status_change_check

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
    versions = serializers.URLField(help_text="The claim's numbered, citable versions.")
    statement = serializers.URLField(
        help_text="The claim as a GA4GH-style statement with evidence lines (JSON)."
    )


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


def certainty_detail(claim):
    return {
        "computed": claim.certainty_computed,
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


GRADE_FIELDS_HELP = {
    "risk_of_bias": "GRADE: empty (not serious), serious or very_serious.",
    "indirectness": "GRADE: empty (not serious), serious or very_serious.",
    "indirectness_reasons": (
        "Why the evidence is indirect: any of animal_or_in_vitro, healthy_volunteers, "
        "full_dose, surrogate_outcome."
    ),
    "imprecision": "GRADE: empty (not serious), serious or very_serious.",
    "inconsistency": "GRADE: empty (not serious), serious or very_serious.",
    "publication_bias": "GRADE: empty (not serious), serious or very_serious.",
    "large_effect": "A reason to trust the evidence more.",
    "dose_response": "A dose-response gradient: a reason to trust the evidence more.",
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
            "risk_of_bias",
            "indirectness",
            "indirectness_reasons",
            "imprecision",
            "inconsistency",
            "publication_bias",
            "large_effect",
            "dose_response",
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
            for name, text in {**GRADE_FIELDS_HELP, **WORKFLOW_FIELDS_HELP}.items()
        }

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
    evidence_summary = serializers.SerializerMethodField()
    certainty_detail = serializers.SerializerMethodField()
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
            "certainty",
            "certainty_detail",
            "certainty_override",
            "certainty_override_reason",
            "evidence_summary",
            "version",
            "links",
            "created",
            "updated",
        ]
        read_only_fields = ["certainty", "version", "created", "updated"]
        extra_kwargs = {
            **{
                name: {"help_text": text} for name, text in WORKFLOW_FIELDS_HELP.items()
            },
            "certainty": {
                "help_text": "The headline certainty: an editor's override if any, else the computed value."
            },
            "certainty_override": {
                "help_text": "Editors only; needs certainty_override_reason."
            },
            "certainty_override_reason": {
                "help_text": "Editors only: why the computed certainty is overridden."
            },
            "version": {
                "help_text": "Number of the latest published version (0: never published)."
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
        overriding = any(
            name in attrs and attrs[name] != getattr(self.instance, name, "")
            for name in ("certainty_override", "certainty_override_reason")
        )
        if overriding and not is_editor(self.context["request"].user, "claim"):
            raise PermissionDenied("Only editors can override the computed certainty.")
        return super().validate(attrs)

    @extend_schema_field(CertaintyDetailSerializer)
    def get_certainty_detail(self, claim):
        return certainty_detail(claim)

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
    evidence_type = serializers.ChoiceField(
        choices=["controlled", "self_report", "anecdotal"]
    )
    direction = serializers.ChoiceField(choices=["supports", "contradicts", "mixed"])
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
            "strength_score",
            "evidence_count",
            "summary",
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
        fields = ["name", "created", "size", "sha256", "licence", "counts", "download"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField)
    def get_download(self, release):
        request = self.context.get("request")
        url = release.get_absolute_url()
        return request.build_absolute_uri(url) if request else url
