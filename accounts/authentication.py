from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from core.db_router import writer_identified

from .models import ApiToken

# Writing last_used on every request would turn each read into a write.
LAST_USED_RESOLUTION_SECONDS = 300


class ApiTokenAuthentication(TokenAuthentication):
    """DRF token authentication (``Authorization: Token <key>``) over hashed, named tokens."""

    model = ApiToken

    def authenticate_credentials(self, key):
        try:
            token = ApiToken.objects.select_related("user").get(
                digest=ApiToken.digest_of(key)
            )
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if token.expired:
            raise exceptions.AuthenticationFailed(
                "Token expired. Get a new one from /api/v1/auth/token/ or "
                "/account/tokens/.",
                code="token_expired",
            )
        now = timezone.now()
        if (
            token.last_used is None
            or (now - token.last_used).total_seconds() > LAST_USED_RESOLUTION_SECONDS
        ):
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        # Their reads wait for the replica to have their last write.
        writer_identified(token.user)
        return token.user, token
