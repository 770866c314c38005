from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view

from config.api import PublicReadViewSet

from .filters import ClaimFilterSet, EvidenceFilterSet
from .models import Claim, Evidence
from .serializers import (
    CLAIM_EVIDENCE_PREVIEW,
    ClaimDetailSerializer,
    ClaimSerializer,
    EvidenceSerializer,
)

CSV_DESCRIPTION = "Add `format=csv` to download the whole filtered list as CSV (streamed, not paginated)."


@extend_schema_view(
    list=extend_schema(
        summary="List claims",
        description="Claims with their evidence profile. " + CSV_DESCRIPTION,
    ),
    retrieve=extend_schema(summary="A claim with its first evidence links"),
    create=extend_schema(summary="Create a claim (curators)"),
    update=extend_schema(summary="Replace a claim (curators)"),
    partial_update=extend_schema(summary="Change a claim (curators)"),
    destroy=extend_schema(
        summary="Delete a claim (editors)",
        responses={204: OpenApiResponse(description="Deleted.")},
    ),
)
class ClaimViewSet(PublicReadViewSet):
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    filterset_class = ClaimFilterSet
    queryset = Claim.objects.all()
    csv_columns = [
        "slug",
        "statement",
        "topic",
        "status",
        "evidence_count",
        "strength",
        "strength_score",
        "updated",
    ]

    def get_queryset(self):
        return Claim.objects.visible_to(self.request.user)

    def get_serializer_class(self):
        return ClaimDetailSerializer if self.action == "retrieve" else ClaimSerializer

    def get_object(self):
        claim = super().get_object()
        if self.action == "retrieve":
            links = (
                Evidence.objects.visible_to(self.request.user)
                .filter(claim=claim)
                .select_related("study", "added_by")
                .order_by("-created", "-id")[:CLAIM_EVIDENCE_PREVIEW]
            )
            claim.evidence_preview = list(links)
            for link in claim.evidence_preview:
                link.claim = claim
        return claim

    def csv_row(self, claim):
        profile = claim.profile
        return [
            claim.slug,
            claim.statement,
            claim.topic,
            claim.status,
            claim.evidence_count,
            profile.strength,
            profile.score,
            claim.updated.isoformat(),
        ]


@extend_schema_view(
    list=extend_schema(
        summary="List evidence links",
        description="Graded claim–study links. " + CSV_DESCRIPTION,
    ),
    retrieve=extend_schema(summary="An evidence link"),
    create=extend_schema(summary="Link a study to a claim (curators)"),
    update=extend_schema(summary="Replace an evidence link (curators)"),
    partial_update=extend_schema(summary="Change an evidence link (curators)"),
    destroy=extend_schema(
        summary="Delete an evidence link (editors)",
        responses={204: OpenApiResponse(description="Deleted.")},
    ),
)
class EvidenceViewSet(PublicReadViewSet):
    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilterSet
    queryset = Evidence.objects.all()
    csv_columns = [
        "id",
        "claim",
        "study_id",
        "study_citation",
        "study_year",
        "study_design",
        "study_population",
        "study_dose",
        "evidence_type",
        "direction",
        "finding",
        "status",
        "created",
        "updated",
    ]

    def get_queryset(self):
        return Evidence.objects.visible_to(self.request.user).for_list()

    def perform_create(self, serializer):
        serializer.save(added_by=self.request.user)

    def csv_row(self, link):
        study = link.study
        return [
            link.pk,
            link.claim.slug,
            study.pk,
            study.citation,
            study.year or "",
            study.design,
            study.population,
            study.dose,
            link.evidence_type,
            link.direction,
            link.finding,
            link.status,
            link.created.isoformat(),
            link.updated.isoformat(),
        ]
