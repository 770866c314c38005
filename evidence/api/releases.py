"""The dated open-data releases."""

from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, viewsets

from ..models import Release
from ..serializers import (
    ReleaseSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="Dated open-data releases, newest first"),
    retrieve=extend_schema(summary="One release"),
)
class ReleaseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ReleaseSerializer
    queryset = Release.objects.all()
    lookup_field = "name"
    lookup_value_regex = "[-0-9]+"
    permission_classes = [permissions.AllowAny]
    filter_backends = []
