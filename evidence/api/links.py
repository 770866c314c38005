"""The evidence links endpoints."""

from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)

from core.api import PublicReadViewSet

from .. import rows
from ..columns import EVIDENCE_COLUMNS, evidence_row
from ..filters import EvidenceFilterSet
from ..models import Evidence
from ..serializers import (
    EvidenceSerializer,
)
from ..tombstones import TombstoneMixin
from .common import (
    CSV_DESCRIPTION,
    ModeratedWritesMixin,
    write_schema,
)


@extend_schema_view(
    list=extend_schema(
        summary="List evidence links",
        description="Graded claim–study links. " + CSV_DESCRIPTION,
    ),
    retrieve=extend_schema(summary="An evidence link"),
    **write_schema("an evidence link", EvidenceSerializer),
)
class EvidenceViewSet(TombstoneMixin, ModeratedWritesMixin, PublicReadViewSet):
    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilterSet
    queryset = Evidence.objects.all()
    # The columns of the data release's file (evidence/columns.py).
    csv_columns = [column for column, _ in EVIDENCE_COLUMNS]

    def get_queryset(self):
        return Evidence.objects.visible_to(self.request.user).for_list()

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            return super().list(request, *args, **kwargs)
        # Serialised from the rows of the page (evidence/rows.py): the
        # serializer's JSON, tests/evidence/test_rows.py holds them equal.
        queryset = self.filter_queryset(
            rows.evidence_rows().visible_to(self.request.user)
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(rows.evidence_data(page, request))

    def extra_create_fields(self):
        return {"added_by": self.request.user}

    def csv_row(self, item):
        return evidence_row(item)
