"""The evidence link (claim–study) as the API reads and writes it."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import ModelValidationMixin
from core.nulls import BlankAsNullMixin
from core.reversing import api_url
from core.serializers import ModelSerializer
from studies.models import Study
from studies.serializers import StudyBriefSerializer

from ..effects import EFFECT_FIELDS, effect_data
from ..models import (
    Claim,
    Evidence,
    IndirectnessReason,
)
from ..moderation_rules import GRADE_FIELDS
from .common import (
    EFFECT_FIELDS_HELP,
    GRADE_FIELDS_HELP,
    WORKFLOW_FIELDS_HELP,
    WorkflowMixin,
)
from .shapes import (
    EffectSerializer,
)


class EvidenceLinksSerializer(serializers.Serializer):
    self = serializers.URLField(help_text="This evidence link in the API.")
    claim = serializers.URLField(help_text="Its claim in the API.")
    study = serializers.URLField(help_text="Its study in the API.")


class EvidenceSerializer(
    BlankAsNullMixin, WorkflowMixin, ModelValidationMixin, ModelSerializer
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
    added_by = serializers.CharField(
        source="added_by.public_name",
        read_only=True,
        allow_null=True,
        help_text="Who added the link: the curator's full name, else a neutral "
        "label; null when not recorded (seed data, deleted users).",
    )
    links = serializers.SerializerMethodField()
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
            *GRADE_FIELDS,
            *EFFECT_FIELDS,
            "effect",
            "status",
            "review_comment",
            "retraction_reason",
            "added_by",
            "links",
            "created",
            "updated",
        ]
        read_only_fields = ["added_by", "created", "updated"]
        # One link per claim and study is checked by the model
        # (ModelValidationMixin), which names the stored link in the 409.
        validators = []
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

    @extend_schema_field(EvidenceLinksSerializer)
    def get_links(self, evidence):
        request = self.context.get("request")
        return {
            "self": api_url("api:evidence-detail", request, evidence.pk),
            "claim": api_url("api:claim-detail", request, evidence.claim.slug),
            "study": api_url("api:study-detail", request, evidence.study_id),
        }

    @extend_schema_field(serializers.URLField)
    def get_claim_link(self, evidence):
        return api_url(
            "api:claim-detail", self.context.get("request"), evidence.claim.slug
        )
