from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api import MovedPermanently, PublicReadViewSet
from studies.api import StudyViewSet
from studies.serializers import StudySerializer

from . import rows
from .effects import EFFECT_CSV_COLUMNS, effect_cells
from .exports import claim_va_statement
from .filters import (
    ClaimFilterSet,
    EvidenceFilterSet,
    StudyClaimFilterSet,
    is_claim_id,
)
from .models import Claim, ClaimSlugAlias, Evidence, Release, Revision, Status
from .serializers import (
    CLAIM_EVIDENCE_PREVIEW,
    ClaimDetailSerializer,
    ClaimSerializer,
    ClaimVersionDetailSerializer,
    ClaimVersionSerializer,
    ConflictSerializer,
    EvidenceSerializer,
    ReleaseSerializer,
    RemovalSerializer,
    RevisionReviewSerializer,
    RevisionSerializer,
    WorkflowMixin,
)
from .synthesis import FLAT_COLUMNS, flat_meta_analysis
from .tombstones import GoneSerializer, TombstoneMixin
from .workflow import (
    StaleRevision,
    item_remove,
    item_save_or_revise,
    revision_accept,
    revision_reject,
)

CSV_DESCRIPTION = "Add `format=csv` to download the whole filtered list as CSV (streamed, not paginated)."
WORKFLOW_DESCRIPTION = (
    "New items are drafts. Curators may set `status` to `draft` or `in_review`; only "
    "editors publish, send back (`draft` with a `review_comment`) or retract "
    "(`retracted` with a `retraction_reason`; a study is `withdrawn` with a "
    "`withdrawal_reason`), otherwise 403. A curator's change to published work is "
    "held as a suggested revision (202) until an editor accepts it: every changed "
    "field is either saved or held, never dropped; a field a revision cannot change "
    "(a status, an override) answers 403. A write that changes nothing stores nothing."
)
REASON_PARAMETER = OpenApiParameter(
    "reason",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    description="Required when the item was ever published: why it is retracted (withdrawn).",
)
GONE_RESPONSE = OpenApiResponse(
    GoneSerializer,
    "Taken down by the editors (a claim or link retracted, a study withdrawn): "
    "the body says why. A claim's cited versions stay readable. A study retracted "
    "by its publisher is not gone: it answers 200, flagged `retracted`.",
)


CLAIM_LOOKUP = OpenApiParameter(
    "slug",
    {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
    OpenApiParameter.PATH,
    description="The claim's slug, or its permanent integer `id` (a slug is never "
    "only digits). A renamed claim's earlier slug answers 301.",
)


def write_schema(noun, serializer, parameters=()):
    """The documentation of the moderated write operations of one resource."""
    parameters = list(parameters)
    changed = {
        200: serializer,
        202: OpenApiResponse(RevisionSerializer, "Held as a suggested revision."),
    }
    return {
        "create": extend_schema(
            summary=f"Create {noun} (curators)", description=WORKFLOW_DESCRIPTION
        ),
        "update": extend_schema(
            summary=f"Replace {noun} (curators)",
            description=WORKFLOW_DESCRIPTION,
            parameters=parameters,
            responses=changed,
        ),
        "partial_update": extend_schema(
            summary=f"Change {noun} (curators)",
            description=WORKFLOW_DESCRIPTION,
            parameters=parameters,
            responses=changed,
        ),
        "destroy": extend_schema(
            summary=f"Remove {noun} (editors)",
            description=(
                "Never-published work is deleted (204). Work that was ever published is "
                "retracted (a study: withdrawn) instead (200): give the `reason`."
            ),
            parameters=[REASON_PARAMETER, *parameters],
            responses={204: OpenApiResponse(description="Deleted."), 200: serializer},
        ),
    }


class ModeratedWritesMixin:
    """Updates and deletions that follow evidence.workflow."""

    @transaction.atomic
    def update(self, request, *args, **kwargs):
        self.check_if_match(request)
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        outcome = item_save_or_revise(
            instance=instance, changes=serializer.validated_data, user=request.user
        )
        if outcome.revision is not None:
            data = RevisionSerializer(
                outcome.revision, context=self.get_serializer_context()
            ).data
            return Response(data, status=status.HTTP_202_ACCEPTED)
        # Saving refreshed the stored profile, certainty and version.
        instance.refresh_from_db()
        return Response(self.get_serializer(instance).data)

    def perform_create(self, serializer):
        serializer.save(**self.extra_create_fields())
        serializer.instance.refresh_from_db()

    def extra_create_fields(self):
        return {}

    @transaction.atomic
    def destroy(self, request, *args, **kwargs):
        self.check_if_match(request)
        instance = self.get_object()
        removal = RemovalSerializer(data=request.query_params)
        removal.is_valid(raise_exception=True)
        try:
            outcome = item_remove(
                instance=instance,
                user=request.user,
                reason=removal.validated_data["reason"],
            )
        except DjangoValidationError as error:
            # The rule speaks of the model field; the client sent ?reason=.
            messages = getattr(error, "message_dict", {})
            for field in ("retraction_reason", "withdrawal_reason"):
                if field in messages:
                    raise ValidationError({"reason": messages[field]}) from None
            raise
        if outcome == "deleted":
            return Response(status=status.HTTP_204_NO_CONTENT)
        instance.refresh_from_db()
        return Response(self.get_serializer(instance).data)


@extend_schema_view(
    list=extend_schema(
        summary="List claims",
        description="Claims with their evidence profile. " + CSV_DESCRIPTION,
    ),
    retrieve=extend_schema(
        summary="A claim with its first evidence links",
        parameters=[CLAIM_LOOKUP],
        responses={200: ClaimDetailSerializer, 410: GONE_RESPONSE},
    ),
    **write_schema("a claim", ClaimSerializer, parameters=[CLAIM_LOOKUP]),
)
class ClaimViewSet(TombstoneMixin, ModeratedWritesMixin, PublicReadViewSet):
    lookup_field = "slug"
    paginated_actions = ("versions",)
    # A renamed claim's old slug answers 301 (documented by core/schema.py).
    redirects_renamed = True
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    filterset_class = ClaimFilterSet
    queryset = Claim.objects.all()
    csv_columns = [
        "slug",
        "statement",
        "topic",
        "status",
        "verdict_direction",
        "certainty",
        "verdict_text",
        "evidence_count",
        "strength",
        "strength_score",
        "updated",
        *(column for column, _ in FLAT_COLUMNS),
    ]

    def get_queryset(self):
        claims = Claim.objects.visible_to(self.request.user)
        if self.action in ("versions", "version"):
            # A retracted claim's cited versions stay readable.
            claims = claims | Claim.objects.filter(status=Status.RETRACTED)
        return claims

    def tombstone_lookup(self):
        lookup = self.kwargs["slug"]
        if is_claim_id(lookup):
            return Claim.objects.filter(pk=int(lookup)).first()
        claim = Claim.objects.filter(slug=lookup).first()
        if claim is None:  # a renamed claim's earlier slug
            alias = ClaimSlugAlias.objects.select_related("claim").filter(slug=lookup)
            claim = next((each.claim for each in alias[:1]), None)
        return claim

    def get_serializer_class(self):
        return ClaimDetailSerializer if self.action == "retrieve" else ClaimSerializer

    def get_object(self):
        lookup = self.kwargs["slug"]
        try:
            if is_claim_id(lookup):
                # Slugs are never only digits: this is the claim's permanent id.
                queryset = self.filter_queryset(self.get_queryset())
                claim = get_object_or_404(queryset, pk=int(lookup))
                self.check_object_permissions(self.request, claim)
            else:
                claim = super().get_object()
        except Http404:
            self.gone_check()
            alias = (
                ClaimSlugAlias.objects.select_related("claim")
                .filter(slug=self.kwargs["slug"])
                .first()
            )
            if (
                alias is None
                or not self.get_queryset().filter(pk=alias.claim_id).exists()
            ):
                # An unpublished claim's earlier slug is as unknown as the claim.
                raise
            path = self.request.get_full_path().replace(
                f"/{alias.slug}/", f"/{alias.claim.slug}/", 1
            )
            raise MovedPermanently(self.request.build_absolute_uri(path)) from None
        if self.action == "retrieve" and not rows.supported():
            claim.evidence_preview = list(self._evidence_preview(claim))
            for link in claim.evidence_preview:
                link.claim = claim
        return claim

    def _evidence_preview(self, claim):
        return (
            Evidence.objects.visible_to(self.request.user)
            .filter(claim=claim)
            .select_related("study", "added_by")
            .order_by("-created", "-id")[:CLAIM_EVIDENCE_PREVIEW]
        )

    def retrieve_data(self, claim):
        data = self.get_serializer(claim).data
        if rows.supported():
            # The links straight from rows (evidence/rows.py), not instances.
            links = self._evidence_preview(claim).values(*rows.evidence_columns())
            data["evidence"] = rows.evidence_data(links, self.request)
        return data

    @extend_schema(
        summary="The claim's numbered versions",
        description="Every published state of the claim, newest first, with what changed in each.",
        responses=ClaimVersionSerializer(many=True),
        filters=False,
        parameters=[CLAIM_LOOKUP],
    )
    @action(
        detail=True,
        methods=["get"],
        filterset_class=None,
        serializer_class=ClaimVersionSerializer,
    )
    def versions(self, request, slug=None):
        claim = self.get_object()
        page = self.paginate_queryset(
            claim.versions.published().select_related("claim").order_by("-number")
        )
        return self.get_paginated_response(
            ClaimVersionSerializer(
                page, many=True, context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        summary="One version of the claim, with its links at that time",
        responses=ClaimVersionDetailSerializer,
        filters=False,
        parameters=[CLAIM_LOOKUP],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"versions/(?P<number>[0-9]+)",
        filterset_class=None,
        serializer_class=ClaimVersionDetailSerializer,
    )
    def version(self, request, slug=None, number=None):
        claim = self.get_object()
        version = get_object_or_404(
            claim.versions.published().select_related("claim"), number=number
        )
        return Response(
            ClaimVersionDetailSerializer(
                version, context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        summary="The claim as a GA4GH-style statement",
        description=(
            "A Statement with a direction and a strength (the certainty), and one EvidenceLine per "
            "evidence type and direction carrying its evidence items, after the GA4GH VA-Spec model."
        ),
        responses={200: OpenApiTypes.OBJECT},
        filters=False,
        parameters=[CLAIM_LOOKUP],
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def statement(self, request, slug=None):
        claim = self.get_object()
        links = (
            Evidence.objects.filter(claim=claim)
            .counted()
            .select_related("study")
            .order_by("pk")
        )
        return Response(
            claim_va_statement(claim, links.iterator(chunk_size=2000), request=request)
        )

    def csv_row(self, claim):
        # The stored values, as in a data release's claims.csv.
        return [
            claim.slug,
            claim.statement,
            claim.topic,
            claim.status,
            claim.verdict_direction,
            claim.certainty,
            claim.verdict_text,
            claim.evidence_count,
            claim.strength,
            claim.strength_score,
            claim.updated.isoformat(),
            *flat_meta_analysis(claim.meta_analyses),
        ]


@extend_schema_view(
    list=extend_schema(
        summary="List evidence links",
        description="Graded claim–study links. " + CSV_DESCRIPTION,
    ),
    retrieve=extend_schema(
        summary="An evidence link",
        responses={200: EvidenceSerializer, 410: GONE_RESPONSE},
    ),
    **write_schema("an evidence link", EvidenceSerializer),
)
class EvidenceViewSet(TombstoneMixin, ModeratedWritesMixin, PublicReadViewSet):
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
        "study_retracted",
        "evidence_type",
        "direction",
        "finding",
        "status",
        "created",
        "updated",
        *(column for column, _ in EFFECT_CSV_COLUMNS),
    ]

    def get_queryset(self):
        return Evidence.objects.visible_to(self.request.user).for_list()

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv" or not rows.supported():
            return super().list(request, *args, **kwargs)
        # Serialised from the rows of the page (evidence/rows.py): same JSON.
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.values(*rows.evidence_columns()))
        return self.get_paginated_response(rows.evidence_data(page, request))

    def extra_create_fields(self):
        return {"added_by": self.request.user}

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
            "yes" if study.retracted else "",
            link.evidence_type,
            link.direction,
            link.finding,
            link.status,
            link.created.isoformat(),
            link.updated.isoformat(),
            *effect_cells(link.effect),
        ]


class CanViewRevisions(permissions.DjangoModelPermissions):
    """Curators and editors read revisions; the review actions check editors."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.view_%(model_name)s"],
    }


@extend_schema_view(
    list=extend_schema(
        summary="Suggested revisions of published work (curators, editors)"
    ),
    retrieve=extend_schema(summary="A suggested revision"),
)
class RevisionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = RevisionSerializer
    permission_classes = [CanViewRevisions]
    queryset = Revision.objects.all()
    filterset_fields = ["status"]

    def get_queryset(self):
        return Revision.objects.for_list()

    @extend_schema(
        summary="Accept a revision (editors)",
        description=(
            "Applies the proposed changes to the published item. 409 when the item "
            "changed or was taken down since the revision was proposed: nothing changes, "
            "reject the revision instead."
        ),
        request=None,
        responses={
            200: RevisionSerializer,
            409: OpenApiResponse(
                ConflictSerializer,
                "The item changed or was taken down since the revision was proposed.",
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        revision = self.get_object()
        try:
            revision_accept(revision=revision, user=request.user)
        except StaleRevision as error:
            return Response(
                {"detail": " ".join(error.messages)}, status=status.HTTP_409_CONFLICT
            )
        revision.refresh_from_db()
        return Response(self.get_serializer(revision).data)

    @extend_schema(
        summary="Reject a revision (editors)",
        request=RevisionReviewSerializer,
        responses={200: RevisionSerializer},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        revision = self.get_object()
        review = RevisionReviewSerializer(data=request.data)
        review.is_valid(raise_exception=True)
        revision_reject(
            revision=revision,
            user=request.user,
            comment=review.validated_data["review_comment"],
        )
        revision.refresh_from_db()
        return Response(self.get_serializer(revision).data)


@extend_schema_view(
    list=extend_schema(summary="Dated open-data releases, newest first"),
    retrieve=extend_schema(summary="One release"),
)
class ReleaseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ReleaseSerializer
    queryset = Release.objects.all()
    lookup_field = "name"
    lookup_value_regex = "[-0-9]+"
    permission_classes = [permissions.AllowAny]
    filter_backends = []


@extend_schema_serializer(component_name="Study")
class StudyWorkflowSerializer(WorkflowMixin, StudySerializer):
    """A study with its status moves checked by evidence.workflow."""

    class Meta(StudySerializer.Meta):
        pass


@extend_schema_view(
    retrieve=extend_schema(
        summary="A study with the claims it informs",
        responses={200: StudyWorkflowSerializer, 410: GONE_RESPONSE},
    ),
    **write_schema("a study", StudyWorkflowSerializer),
)
class ModeratedStudyViewSet(TombstoneMixin, ModeratedWritesMixin, StudyViewSet):
    """Studies, written under the same review workflow as claims and links."""

    # Evidence adds what studies know nothing of: the claim filter, and the
    # claims each study informs (StudySerializer's ``claims``), prefetched.
    serializer_class = StudyWorkflowSerializer
    filterset_class = StudyClaimFilterSet

    def get_queryset(self):
        links = (
            Evidence.objects.published()
            .select_related("claim")
            .order_by("claim__statement")
        )
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch("evidence", queryset=links, to_attr="published_links")
            )
        )
