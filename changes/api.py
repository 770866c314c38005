"""``GET /api/v1/changes/``: the public change feed, for mirrors that sync
only what changed."""

from django.conf import settings
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.utils.urls import replace_query_param

from core.api import StrictQueryParametersMixin
from core.pagination import page_size_from
from core.serializers import ModelSerializer

from .feed import (
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    cursor_of,
    events_after,
    pending_sequenced,
)
from .models import Action, Change, Kind

DETAIL_ROUTE = {
    Kind.CLAIM: "api:claim-detail",
    Kind.STUDY: "api:study-detail",
    Kind.EVIDENCE: "api:evidence-detail",
}
LOOKUP = {Kind.CLAIM: "slug", Kind.STUDY: "pk", Kind.EVIDENCE: "pk"}


class ChangeSerializer(ModelSerializer):
    event = serializers.IntegerField(
        source="pk", help_text="The event's number: events are in this order."
    )
    id = serializers.IntegerField(
        source="object_id", help_text="The claim's, study's or link's `id`."
    )
    slug = serializers.SerializerMethodField(
        help_text="A claim's slug at the time of the change; null for others."
    )
    url = serializers.SerializerMethodField(
        help_text=(
            "The item in this API (a claim by its permanent id). After `update`, "
            "`create` or `publish`, GET it; after `unpublish` or `delete` it "
            "answers 404, after `retract` or `withdraw` 410: drop it."
        )
    )

    class Meta:
        model = Change
        fields = ["event", "kind", "id", "slug", "action", "time", "url"]

    def get_slug(self, change) -> str | None:
        return change.slug if change.kind == Kind.CLAIM else None

    def get_url(self, change) -> str:
        return reverse(
            DETAIL_ROUTE[change.kind],
            kwargs={LOOKUP[change.kind]: change.object_id},
            request=self.context["request"],
        )


class ChangePageSerializer(serializers.Serializer):
    next = serializers.URLField(
        allow_null=True,
        help_text="The next page, while there are more events; null once caught up.",
    )
    cursor = serializers.CharField(
        help_text=(
            "Where this page ends: keep it, and pass it as `since` to read the "
            "changes made after this page."
        )
    )
    results = ChangeSerializer(many=True)


ACTIONS_TEXT = "; ".join(
    f"`{value}`: {label.lower()}" for value, label in Action.choices
)


@extend_schema(
    summary="What changed in the public data, in order",
    description=(
        "Every public change of claims, studies and evidence links, oldest first, "
        "in the order they were committed: for mirrors that copy the data once "
        "(lists with `cursor=`), then read only what changed. A change to an item "
        "the public never saw is not listed; an item becoming public is `publish` "
        "(`create` if it was created public), and one leaving public view is "
        "`unpublish`, `retract`, `withdraw` or `delete`. A link is public while "
        "it, its claim and its study are published, so publishing or hiding a "
        "claim or study lists the same move for each of its links. Actions: "
        f"{ACTIONS_TEXT}. Follow `next` until it is null, then keep `cursor` and "
        "pass it as `since` next time."
    ),
    parameters=[
        OpenApiParameter(
            "since",
            OpenApiTypes.STR,
            OpenApiParameter.QUERY,
            description=(
                "Changes after this point: the `cursor` of an earlier answer "
                "(exact), or an ISO 8601 time such as 2026-12-01T00:00:00Z "
                "(changes committed at or after it; UTC without an offset), or "
                "`now` (no changes, only the `cursor` where the feed stands: "
                "where a new mirror starts, before its first full read). "
                "Without it the feed starts from its first change."
            ),
        ),
        OpenApiParameter(
            "page_size",
            {"type": "integer", "minimum": 1},
            OpenApiParameter.QUERY,
            description=(
                f"Events per page, 1 to {PAGE_SIZE_MAX} (larger values are "
                f"capped); {PAGE_SIZE_DEFAULT} by default."
            ),
        ),
    ],
    responses=ChangePageSerializer,
)
class ChangeFeedView(StrictQueryParametersMixin, GenericAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = ChangeSerializer
    queryset = Change.objects.all()
    pagination_class = None
    filter_backends = []

    def accepted_query_parameters(self):
        return {"since", "page_size", "format"}

    def get(self, request, *args, **kwargs):
        size = page_size_from(
            request.query_params.get("page_size"),
            default=PAGE_SIZE_DEFAULT,
            maximum=PAGE_SIZE_MAX,
        )
        pending_sequenced()
        events, before = events_after(request.query_params.get("since"))
        page = list(events[: size + 1])
        more = len(page) > size
        page = page[:size]
        # Caught up, the cursor still says where to resume: after the last
        # event before ``since``.
        cursor = cursor_of(page[-1].pk if page else before)
        next_url = None
        if more:
            next_url = replace_query_param(
                request.build_absolute_uri(), "since", cursor
            )
        return Response(
            {
                "next": next_url,
                "cursor": cursor,
                "results": self.get_serializer(page, many=True).data,
            }
        )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            patch_cache_control(
                response, public=True, max_age=settings.API_CACHE_MAX_AGE
            )
        return response
