from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import ModelValidationMixin
from core.nulls import BlankAsNullMixin
from core.reversing import api_url, page_url
from core.serializers import ModelSerializer

from .models import EARLIEST_YEAR, SAMPLE_SIZE_MAX, Study, latest_publication_year


class StudyLinksSerializer(serializers.Serializer):
    self = serializers.URLField(help_text="This study in the API.")
    html = serializers.URLField(help_text="This study's page for readers.")
    evidence = serializers.URLField(help_text="The evidence links citing this study.")
    source = serializers.CharField(
        help_text="DOI, PubMed or other link to the study itself; may be empty."
    )


def study_links(study, request):
    return {
        "self": api_url("api:study-detail", request, study.pk),
        "html": page_url("studies:detail", request, study.pk),
        "evidence": api_url("api:evidence-list", request) + f"?study={study.pk}",
        "source": study.source_url,
    }


class StudyBriefSerializer(BlankAsNullMixin, ModelSerializer):
    """A study in brief, as embedded in evidence links."""

    citation = serializers.CharField(
        read_only=True, help_text='e.g. "Ly C, Greb AC, et al. (2018). Title. Journal."'
    )
    links = serializers.SerializerMethodField()

    class Meta:
        model = Study
        fields = [
            "id",
            "citation",
            "title",
            "year",
            "journal",
            "design",
            "population",
            "sample_size",
            "dose",
            "doi",
            "pmid",
            "retracted",
            "retraction_date",
            "retraction_url",
            "links",
        ]
        read_only_fields = fields
        # DRF drops allow_blank from read-only fields, and the schema would
        # then forbid the empty value these fields may hold.
        extra_kwargs = {
            name: {"allow_blank": True}
            for name in ("design", "population", "dose", "retraction_url")
        }

    @extend_schema_field(StudyLinksSerializer)
    def get_links(self, study):
        return study_links(study, self.context.get("request"))


class StudyClaimSerializer(serializers.Serializer):
    """A claim this study informs, with the grade of the link."""

    claim = serializers.CharField(source="claim.slug", help_text="Slug of the claim.")
    statement = serializers.CharField(source="claim.statement")
    evidence_type = serializers.CharField()
    direction = serializers.CharField()
    evidence_id = serializers.IntegerField(source="pk")
    link = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField)
    def get_link(self, evidence):
        return api_url(
            "api:claim-detail", self.context.get("request"), evidence.claim.slug
        )


class StudySerializer(BlankAsNullMixin, ModelValidationMixin, ModelSerializer):
    authors = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=False),
        max_length=500,
        required=False,
        help_text='Authors in order, each as "Surname Initials".',
    )
    citation = serializers.CharField(read_only=True)
    authors_display = serializers.CharField(read_only=True)
    links = serializers.SerializerMethodField()
    claims = serializers.SerializerMethodField(
        help_text="Published claims this study bears on."
    )

    class Meta:
        model = Study
        fields = [
            "id",
            "title",
            "authors",
            "authors_et_al",
            "authors_display",
            "citation",
            "year",
            "journal",
            "volume",
            "issue",
            "pages",
            "doi",
            "pmid",
            "url",
            "abstract",
            "design",
            "design_detail",
            "population",
            "population_detail",
            "sample_size",
            "dose",
            "retracted",
            "retraction_date",
            "retraction_url",
            "status",
            "review_comment",
            "withdrawal_reason",
            "ever_published",
            "entry_method",
            "entry_source",
            "created",
            "updated",
            "links",
            "claims",
        ]
        read_only_fields = [
            "entry_method",
            "entry_source",
            "ever_published",
            "created",
            "updated",
        ]
        # Uniqueness is checked by the model on the normalised DOI and PMID
        # (ModelValidationMixin), so "DOI:10.1/X" and "10.1/x" collide.
        extra_kwargs = {
            "doi": {"validators": []},
            "pmid": {"validators": []},
            "status": {
                "help_text": "draft, in_review (curators); published, withdrawn (editors)."
            },
            "withdrawal_reason": {
                "help_text": "Required when an editor withdraws a published study."
            },
        }

    def get_fields(self):
        fields = super().get_fields()
        # The bounds the model checks, for the schema: the latest year moves
        # (next year's articles in press), and the sample size is stored in a
        # 32-bit column.
        fields["year"].min_value = EARLIEST_YEAR
        fields["year"].max_value = latest_publication_year()
        fields["sample_size"].max_value = SAMPLE_SIZE_MAX
        return fields

    _claim_serializer = None

    @extend_schema_field(StudyLinksSerializer)
    def get_links(self, study):
        return study_links(study, self.context.get("request"))

    @extend_schema_field(StudyClaimSerializer(many=True))
    def get_claims(self, study):
        links = getattr(study, "published_links", None)
        if links is None:
            links = study.evidence.published().select_related("claim")
        # One serializer for the claims of every study of the page: building
        # one per study deep-copied its fields each time.
        if self._claim_serializer is None:
            self._claim_serializer = StudyClaimSerializer(context=self.context)
        return [self._claim_serializer.to_representation(link) for link in links]
