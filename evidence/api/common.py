"""What the moderated resources' endpoints share: the documentation of their
writes and the workflow that updates and removals follow."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ..serializers import (
    RemovalSerializer,
    RevisionSerializer,
)
from ..workflow import (
    item_remove,
    item_save_or_revise,
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
        # DRF's update, with the workflow in perform_update: a change that
        # is held for review answers 202 with the revision instead.
        self.check_if_match(request)
        self.held_revision = None
        response = super().update(request, *args, **kwargs)
        if self.held_revision is not None:
            data = RevisionSerializer(
                self.held_revision, context=self.get_serializer_context()
            ).data
            return Response(data, status=status.HTTP_202_ACCEPTED)
        return response

    def perform_update(self, serializer):
        outcome = item_save_or_revise(
            instance=serializer.instance,
            changes=serializer.validated_data,
            user=self.request.user,
        )
        self.held_revision = outcome.revision
        if outcome.revision is None:
            # Saving refreshed the stored profile, certainty and version.
            serializer.instance.refresh_from_db()

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
