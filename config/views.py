from django.db import DatabaseError, connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import never_cache

from .middleware import wants_json


@never_cache
def healthz(request):
    """Liveness and readiness: the app answers, and the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        reason = (
            str(error).strip().splitlines()[0]
            if str(error).strip()
            else type(error).__name__
        )
        return JsonResponse(
            {
                "status": "unavailable",
                "app": "ok",
                "database": "unreachable",
                "reason": reason[:300],
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "app": "ok", "database": "ok"})


def favicon(request):
    return HttpResponsePermanentRedirect(static("favicon.svg"))


# Errors raised outside the API's views (an address that matches no route, a
# request Django refuses before the view runs) answer API clients in JSON, as
# the API's own errors do (config/urls.py names these handlers).


def bad_request(request, exception):
    if wants_json(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def page_not_found(request, exception):
    if wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if wants_json(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
