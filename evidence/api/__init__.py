"""The evidence app's REST API endpoints, one module per resource."""

from .claims import ClaimViewSet
from .common import (
    CLAIM_LOOKUP,
    CSV_DESCRIPTION,
    REASON_PARAMETER,
    WORKFLOW_DESCRIPTION,
    ModeratedWritesMixin,
    write_schema,
)
from .links import EvidenceViewSet
from .releases import ReleaseViewSet
from .revisions import CanViewRevisions, RevisionViewSet, StaleRevisionConflict
from .studies import ModeratedStudyViewSet, StudyWorkflowSerializer

__all__ = [
    "CSV_DESCRIPTION",
    "WORKFLOW_DESCRIPTION",
    "REASON_PARAMETER",
    "CLAIM_LOOKUP",
    "write_schema",
    "ModeratedWritesMixin",
    "ClaimViewSet",
    "EvidenceViewSet",
    "StaleRevisionConflict",
    "CanViewRevisions",
    "RevisionViewSet",
    "ReleaseViewSet",
    "StudyWorkflowSerializer",
    "ModeratedStudyViewSet",
]
