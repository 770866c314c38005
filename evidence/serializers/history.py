"""Read-only records of change: suggested revisions, numbered claim versions
and the dated open-data releases."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from core.nulls import BlankAsNullMixin
from core.serializers import ModelSerializer

from ..models import (
    ClaimVersion,
    Release,
    Revision,
)
from ..services import version_links
from ..vocabulary import DIRECTIONS, EVIDENCE_TYPES


class RevisionSerializer(BlankAsNullMixin, ModelSerializer):
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


class ClaimVersionSerializer(BlankAsNullMixin, ModelSerializer):
    self = serializers.SerializerMethodField(
        help_text="This version in the API (its `links` are the evidence links)."
    )
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
            "self",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField)
    def get_self(self, version):
        return reverse(
            "api:claim-version",
            args=[version.claim.slug, version.number],
            request=self.context.get("request"),
        )

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


class ReleaseSerializer(BlankAsNullMixin, ModelSerializer):
    self = serializers.SerializerMethodField(help_text="This release in the API.")
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
            "self",
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
    def get_self(self, release):
        return reverse(
            "api:release-detail",
            args=[release.name],
            request=self.context.get("request"),
        )

    @extend_schema_field(serializers.URLField)
    def get_download(self, release):
        request = self.context.get("request")
        url = release.get_absolute_url()
        return request.build_absolute_uri(url) if request else url
