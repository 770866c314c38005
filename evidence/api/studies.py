"""Studies, written under the same review workflow as claims and links."""

from django.db.models import Prefetch
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)

from studies.api import LIST_SCHEMA, StudyViewSet
from studies.serializers import StudySerializer

from .. import study_rows
from ..filters import StudyClaimFilterSet
from ..models import Evidence
from ..serializers import (
    WorkflowMixin,
)
from ..tombstones import TombstoneMixin
from .common import ModeratedWritesMixin, write_schema


@extend_schema_serializer(component_name="Study")
class StudyWorkflowSerializer(WorkflowMixin, StudySerializer):
    """A study with its status moves checked by evidence.workflow."""

    class Meta(StudySerializer.Meta):
        pass


@extend_schema_view(
    list=extend_schema(**LIST_SCHEMA),
    **write_schema("a study", StudyWorkflowSerializer),
)
class ModeratedStudyViewSet(TombstoneMixin, ModeratedWritesMixin, StudyViewSet):
    """Studies, written under the same review workflow as claims and links."""

    # Evidence adds what studies know nothing of: the claim filter, and the
    # claims each study informs (StudySerializer's ``claims``): prefetched
    # for a single study, read as rows with the page for the list.
    serializer_class = StudyWorkflowSerializer
    filterset_class = StudyClaimFilterSet

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            return super().list(request, *args, **kwargs)
        # Serialised from the rows of the page (evidence/study_rows.py): the
        # serializer's JSON, tests/evidence/test_study_rows.py holds them equal.
        # The page's claims are one more query there, not this prefetch.
        queryset = self.filter_queryset(super().get_queryset())
        page = self.paginate_queryset(
            queryset.values(*study_rows.study_columns(self.serializer_class))
        )
        return self.get_paginated_response(
            study_rows.study_data(page, request, self.serializer_class)
        )

    def get_queryset(self):
        # Only what StudyClaimSerializer shows: a claim row also holds its
        # whole stored profile and meta-analyses.
        links = (
            Evidence.objects.published()
            .select_related("claim")
            .only(
                "study_id",
                "evidence_type",
                "direction",
                "claim__slug",
                "claim__statement",
            )
            .order_by("claim__statement")
        )
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch("evidence", queryset=links, to_attr="published_links")
            )
        )
