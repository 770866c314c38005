from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from core.throttling import ScopedRateThrottle

from .models import ApiToken
from .serializers import (
    ApiTokenSerializer,
    IssuedTokenSerializer,
    TokenRequestSerializer,
)


def issued(token, key):
    return IssuedTokenSerializer(
        {"token": key, "id": token.pk, "name": token.name, "expires": token.expires}
    ).data


class ObtainTokenView(APIView):
    """Exchange a username and password for a new API token."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        summary="Get an API token",
        request=TokenRequestSerializer,
        responses={200: IssuedTokenSerializer},
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        token, key = ApiToken.issue(
            user=serializer.validated_data["user"],
            name=serializer.validated_data["name"],
        )
        return Response(issued(token, key))


@extend_schema_view(
    list=extend_schema(summary="Your API tokens"),
    create=extend_schema(
        summary="Create a named API token", responses={201: IssuedTokenSerializer}
    ),
    retrieve=extend_schema(summary="One of your API tokens"),
    destroy=extend_schema(summary="Revoke one of your API tokens"),
)
class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ApiTokenSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = ApiToken.issue(
            user=request.user, name=serializer.validated_data["name"]
        )
        return Response(issued(token, key), status=status.HTTP_201_CREATED)
