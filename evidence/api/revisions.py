"""Suggested revisions of published work, and their review by editors."""

from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from ..models import Revision
from ..serializers import (
    RevisionReviewSerializer,
    RevisionSerializer,
)
from ..workflow import (
    StaleRevision,
    revision_accept,
    revision_reject,
)


class StaleRevisionConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "stale_revision"


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
        responses={200: RevisionSerializer},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        revision = self.get_object()
        try:
            revision_accept(revision=revision, user=request.user)
        except StaleRevision as error:
            raise StaleRevisionConflict(" ".join(error.messages)) from None
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
