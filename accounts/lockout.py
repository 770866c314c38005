"""What a locked-out sign-in gets back (django-axes' AXES_LOCKOUT_CALLABLE)."""

from django.conf import settings
from django.template.response import TemplateResponse
from rest_framework.throttling import BaseThrottle

from core.problems import problem_response

LOCKED_OUT_STATUS = 429


def client_ip(request):
    """The client's address as the API's throttles see it (NUM_PROXIES).

    django-axes' AXES_CLIENT_IP_CALLABLE: lockouts and throttles count the
    same client, and a forged X-Forwarded-For moves neither.
    """
    return BaseThrottle().get_ident(request)


def lockout_response(request, original_response=None, credentials=None):
    """429 with Retry-After: JSON for API clients, a page for people."""
    cooloff_seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    minutes = cooloff_seconds // 60
    message = (
        f"Too many failed sign-in attempts: this account is locked from your address for "
        f"{minutes} minutes. Wait, or ask an editor to lift the lockout."
    )
    if request.path.startswith("/api/"):
        response = problem_response(
            LOCKED_OUT_STATUS, code="locked_out", detail=message
        )
    else:
        response = TemplateResponse(
            request,
            "accounts/locked_out.html",
            {"cooloff_minutes": minutes, "message": message},
            status=LOCKED_OUT_STATUS,
        )
        response.render()
    response["Retry-After"] = str(cooloff_seconds)
    return response
