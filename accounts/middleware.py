"""Session lifetime: an absolute limit on top of the idle timeout."""

import time

from django.conf import settings
from django.contrib.auth import logout

SIGNED_IN_AT = "signed_in_at"


class SessionLifetimeMiddleware:
    """End a session SESSION_MAX_HOURS after sign-in, however active it is.

    The idle timeout is the session cookie's age (SESSION_COOKIE_AGE, renewed
    on every request); this adds the absolute lifetime ASVS 3.3.1 asks for.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            signed_in_at = request.session.setdefault(SIGNED_IN_AT, now)
            if now - signed_in_at > settings.SESSION_MAX_HOURS * 3600:
                logout(request)
        return self.get_response(request)
