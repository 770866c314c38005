"""The versioned REST API: ``/api/v1/``."""

from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import routers
from rest_framework.reverse import reverse

from accounts.api import ApiTokenViewSet, ObtainTokenView
from changes.api import ChangeFeedView
from core.views import SchemaView
from evidence.api import (
    ClaimViewSet,
    EvidenceViewSet,
    ModeratedStudyViewSet,
    ReleaseViewSet,
    RevisionViewSet,
)


class ApiRootView(routers.APIRootView):
    """The API's front door: every resource list, plus the token endpoint,
    the OpenAPI schema and its documentation page."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        for name, url_name in (
            ("changes", "api:changes"),
            ("auth/token", "api:obtain-token"),
            ("schema", "api:schema"),
            ("docs", "api:docs"),
        ):
            response.data[name] = reverse(url_name, request=request)
        return response


class Router(routers.DefaultRouter):
    APIRootView = ApiRootView


router = Router()
router.register("claims", ClaimViewSet, basename="claim")
router.register("studies", ModeratedStudyViewSet, basename="study")
router.register("evidence", EvidenceViewSet, basename="evidence")
router.register("revisions", RevisionViewSet, basename="revision")
router.register("releases", ReleaseViewSet, basename="release")
router.register("auth/tokens", ApiTokenViewSet, basename="token")

app_name = "api"

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="obtain-token"),
    path("changes/", ChangeFeedView.as_view(), name="changes"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path(
        "docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"
    ),
    path("", include(router.urls)),
]
