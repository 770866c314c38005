"""The claims endpoints: list, detail, versions and the VA-style statement."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import PublicReadViewSet
from core.exceptions import MovedPermanently

from .. import claim_rows
from ..columns import CLAIM_COLUMNS, claim_row
from ..exports import claim_va_statement
from ..filters import ClaimFilterSet, is_claim_id
from ..models import Claim, ClaimSlugAlias, Evidence, Status
from ..serializers import (
    ClaimDetailSerializer,
    ClaimSerializer,
    ClaimVersionDetailSerializer,
    ClaimVersionSerializer,
)
from ..tombstones import TombstoneMixin
from .common import (
    CLAIM_LOOKUP,
    CSV_DESCRIPTION,
    ModeratedWritesMixin,
    write_schema,
)


@extend_schema_view(
    list=extend_schema(
        summary="List claims",
        description="Claims with their evidence profile. " + CSV_DESCRIPTION,
    ),
    retrieve=extend_schema(
        summary="A claim with its first evidence links",
        parameters=[CLAIM_LOOKUP],
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
    # The columns of the data release's file (evidence/columns.py).
    csv_columns = [column for column, _ in CLAIM_COLUMNS]

    def get_queryset(self):
        claims = Claim.objects.visible_to(self.request.user)
        if self.action in ("versions", "version"):
            # A retracted claim's cited versions stay readable.
            claims = claims | Claim.objects.filter(status=Status.RETRACTED)
        return claims

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            return super().list(request, *args, **kwargs)
        # Serialised from the rows of the page (evidence/claim_rows.py): the
        # serializer's JSON, tests/evidence/test_claim_rows.py holds them equal.
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.values(*claim_rows.claim_columns()))
        serializer = ClaimSerializer(context=self.get_serializer_context())
        return self.get_paginated_response(claim_rows.claim_data(page, serializer))

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
        return claim

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

    def csv_row(self, item):
        return claim_row(item)
