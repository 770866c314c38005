from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view

from core.api import PublicReadViewSet

from .exports import STUDY_COLUMNS, study_row
from .filters import StudyFilterSet
from .models import Study
from .serializers import StudySerializer

# Also the schema of subclasses that serve the list their own way.
LIST_SCHEMA = {
    "summary": "List studies",
    "description": (
        "Publications and other sources: the public sees published studies "
        "(a study retracted by its publisher stays, flagged); curators also "
        "drafts and studies in review, editors also withdrawn ones. Add "
        "`format=csv` to download the whole filtered list as CSV."
    ),
}


@extend_schema_view(
    list=extend_schema(**LIST_SCHEMA),
    retrieve=extend_schema(summary="A study with the claims it informs"),
    create=extend_schema(summary="Add a study (curators); only a title is required"),
    update=extend_schema(summary="Replace a study (curators)"),
    partial_update=extend_schema(summary="Change a study (curators)"),
    destroy=extend_schema(
        summary="Delete a study (editors)",
        description="Refused with 400 while evidence links cite the study.",
        responses={204: OpenApiResponse(description="Deleted.")},
    ),
)
class StudyViewSet(PublicReadViewSet):
    serializer_class = StudySerializer
    filterset_class = StudyFilterSet
    queryset = Study.objects.all()
    csv_columns = [column for column, _ in STUDY_COLUMNS]

    def get_queryset(self):
        return Study.objects.visible_to(self.request.user)

    def csv_row(self, study):
        return study_row(study)
