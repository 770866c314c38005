"""The claim as the API reads and writes it, in lists and in detail."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import ModelValidationMixin
from core.nulls import BlankAsNullMixin
from core.reversing import api_url, page_url
from core.serializers import ModelSerializer

from ..models import (
    Claim,
)
from ..synthesis import public_meta_analyses
from ..workflow import editor_only_fields, is_editor
from .common import (
    WORKFLOW_FIELDS_HELP,
    WorkflowMixin,
)
from .links import EvidenceSerializer
from .shapes import (
    CertaintyDetailSerializer,
    ClaimLinksSerializer,
    EvidenceSummarySerializer,
    MetaAnalysisSerializer,
    VerdictSerializer,
    certainty_detail,
    evidence_summary,
    verdict_data,
)

CLAIM_EVIDENCE_PREVIEW = 20


class ClaimSerializer(
    BlankAsNullMixin, WorkflowMixin, ModelValidationMixin, ModelSerializer
):
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
        return {
            "self": api_url("api:claim-detail", request, claim.slug),
            "html": page_url("evidence:claim-detail", request, claim.slug),
            "evidence": api_url("api:evidence-list", request) + f"?claim={claim.slug}",
            "versions": api_url("api:claim-versions", request, claim.slug),
            "statement": api_url("api:claim-statement", request, claim.slug),
        }


class ClaimDetailSerializer(ClaimSerializer):
    evidence = serializers.SerializerMethodField(
        help_text=f"The first {CLAIM_EVIDENCE_PREVIEW} evidence links; follow links.evidence for all."
    )

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "evidence"]

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, claim):
        # Evidence links are read from rows (evidence/rows.py), as in the
        # evidence list (imported here: rows imports the serializers).
        from .. import rows

        request = self.context.get("request")
        preview = (
            rows.evidence_rows()
            .visible_to(getattr(request, "user", None))
            .filter(claim=claim)
            .order_by("-created", "-id")[:CLAIM_EVIDENCE_PREVIEW]
        )
        return rows.evidence_data(preview, request)
