"""The versioned REST API: ``/api/v1/``."""

from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts.api import ApiTokenViewSet, ObtainTokenView
from evidence.api import (
    ClaimViewSet,
    EvidenceViewSet,
    ModeratedStudyViewSet,
    ReleaseViewSet,
    RevisionViewSet,
)

from .views import SchemaView

router = DefaultRouter()
router.register("claims", ClaimViewSet, basename="claim")
router.register("studies", ModeratedStudyViewSet, basename="study")
router.register("evidence", EvidenceViewSet, basename="evidence")
router.register("revisions", RevisionViewSet, basename="revision")
router.register("releases", ReleaseViewSet, basename="release")
router.register("auth/tokens", ApiTokenViewSet, basename="token")

app_name = "api"

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="obtain-token"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path(
        "docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"
    ),
    path("", include(router.urls)),
]
