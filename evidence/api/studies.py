"""Studies, written under the same review workflow as claims and links."""

from drf_spectacular.utils import (
    extend_schema_serializer,
    extend_schema_view,
)

from studies.api import StudyViewSet
from studies.serializers import StudySerializer

from ..serializers import (
    WorkflowMixin,
)
from .common import ModeratedWritesMixin, write_schema


@extend_schema_serializer(component_name="Study")
class StudyWorkflowSerializer(WorkflowMixin, StudySerializer):
    """A study with its status moves checked by evidence.workflow."""

    class Meta(StudySerializer.Meta):
        pass


@extend_schema_view(**write_schema("a study", StudyWorkflowSerializer))
class ModeratedStudyViewSet(ModeratedWritesMixin, StudyViewSet):
    """Studies, written under the same review workflow as claims and links."""

    serializer_class = StudyWorkflowSerializer
