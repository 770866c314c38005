from django.db import DatabaseError, connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache


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
