"""Request handling that protects every view: size limits, a database outage,
and one structured log line per request."""

import logging
import time

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.http.response import HttpResponseRedirectBase
from django.middleware import common, gzip, http
from django.template import loader
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import escape_leading_slashes

from . import db_router

request_log = logging.getLogger("evidence_atlas.requests")

# Query parameters whose values never reach a log line.
REDACTED_PARAMETERS = {"token", "key", "password", "secret", "api_key"}
DATABASE_DOWN_RETRY_SECONDS = 30
WRITE_COLLISION_RETRY_SECONDS = 1
# PostgreSQL's deadlock_detected and serialization_failure: the database
# rolled one of two colliding transactions back, and sending it again works.
WRITE_COLLISION_SQLSTATES = {"40P01", "40001"}


def wants_json(request):
    return (
        request.path.startswith("/api/")
        or request.path == "/healthz"
        or "json" in request.headers.get("Accept", "")
    )


class HttpResponsePermanentRedirectSameMethod(HttpResponseRedirectBase):
    """308: moved for good, and the client repeats the same method and body."""

    status_code = 308


class CommonMiddleware(common.CommonMiddleware):
    """Django's, except for writes to an address missing its trailing slash.

    Django answers those 301 (500 under DEBUG); clients follow a 301 with a
    GET, so the write is lost without an error. A 308 makes them send the
    same write to the right address.
    """

    def process_response(self, request, response):
        if (
            response.status_code == 404
            and request.method not in ("GET", "HEAD")
            and self.should_redirect_with_slash(request)
        ):
            return HttpResponsePermanentRedirectSameMethod(
                escape_leading_slashes(request.get_full_path(force_append_slash=True))
            )
        return super().process_response(request, response)


class ConditionalGetMiddleware(http.ConditionalGetMiddleware):
    """Django's, with an ETag on HEAD too: a HEAD answer carries the headers
    the GET would, so that a client can check for changes without the body."""

    def process_response(self, request, response):
        if (
            request.method == "HEAD"
            and response.status_code == 200
            and self.needs_etag(response)
            and not response.has_header("ETag")
            and not response.streaming
            and response.content
        ):
            set_response_etag(response)
        if request.method == "HEAD" and response.has_header("ETag"):
            return get_conditional_response(
                request, etag=response["ETag"], response=response
            )
        return super().process_response(request, response)


class ApiGZipMiddleware(gzip.GZipMiddleware):
    """Compress the API's answers (JSON lists and CSV exports shrink several
    times over), but never one that carries a secret an attacker could probe
    through compressed sizes (BREACH): the token endpoints' answers, and the
    browsable API's HTML with its CSRF token."""

    def process_response(self, request, response):
        if (
            not request.path.startswith("/api/")
            or request.path.startswith("/api/v1/auth/")
            or response.get("Content-Type", "").startswith("text/html")
        ):
            return response
        return super().process_response(request, response)


class RequestSizeLimitMiddleware:
    """Refuse bodies over ``MAX_REQUEST_BYTES`` with 413, before they are read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self._refuse(
                request, "The Content-Length header is not a number.", status=400
            )
        if length > settings.MAX_REQUEST_BYTES:
            return request_too_large(request, length)
        return self.get_response(request)

    def _refuse(self, request, message, *, status):
        return plain_refusal(request, message, status=status)


def plain_refusal(request, message, *, status):
    """An error as JSON for API clients, as plain text for others."""
    if wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(
        message, status=status, content_type="text/plain; charset=utf-8"
    )


def request_too_large(request, length=None):
    """413 for a body over MAX_REQUEST_BYTES (``length``: its size, if known)."""
    limit = settings.MAX_REQUEST_BYTES
    size = f"{length:,} bytes" if length else "too large"
    message = (
        f"The request body is {size}; the limit is {limit:,}. Send less at a "
        "time; for large citation files use `python manage.py import_citations "
        "FILE` on the server."
    )
    return plain_refusal(request, message, status=413)


class DatabaseUnavailableMiddleware:
    """Answer 503 with a friendly page (or JSON) while the database is down.

    Django opens a fresh connection on the next request, so the site comes
    back by itself when the database does.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        if is_write_collision(exception):
            logging.getLogger("evidence_atlas").warning(
                "Write collided with a concurrent one: %s", exception
            )
            return write_collision_response(request)
        if replica_failed() and request.method in ("GET", "HEAD", "OPTIONS"):
            return self.read_again_from_the_primary(request, exception)
        if not database_is_down():
            return None
        logging.getLogger("evidence_atlas").error("Database unavailable: %s", exception)
        return database_unavailable_response(request)

    def read_again_from_the_primary(self, request, exception):
        """A read the replica failed in the middle of: mark the replica down
        and serve the same read from the primary (reads change nothing, so
        running the view again is safe)."""
        db_router.replica_mark_down(exception)
        db_router.pin_to_primary()
        match = request.resolver_match
        try:
            response = match.func(request, *match.args, **match.kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
        except (OperationalError, InterfaceError) as error:
            if not database_is_down():
                raise
            logging.getLogger("evidence_atlas").error("Database unavailable: %s", error)
            return database_unavailable_response(request)
        return response


def replica_failed():
    """True when this request's database error came from the read replica."""
    from django.db import connections

    return (
        db_router.replica_configured()
        and connections[db_router.REPLICA].errors_occurred
    )


def is_write_collision(exception):
    """True when the database refused a write because another one held the
    rows it needed (a deadlock, a serialization failure, SQLite's lock after
    its busy timeout): nothing was saved, and the same request can succeed."""
    if getattr(exception.__cause__, "pgcode", None) in WRITE_COLLISION_SQLSTATES:
        return True
    return "database is locked" in str(exception)


def database_is_down():
    """True when a trivial query fails: the error was an outage, not a bad query."""
    from django.db import connection

    # A broken connection is discarded at the end of the request (Django's
    # request_finished handler), so the next request reconnects by itself.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return True
    return False


def database_unavailable_response(request):
    if wants_json(request):
        response = JsonResponse(
            {
                "detail": "The database is unavailable. Try again in a minute.",
                "database": "unavailable",
            },
            status=503,
        )
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(DATABASE_DOWN_RETRY_SECONDS)
    return response


def write_collision_response(request):
    message = (
        "Another change was being saved at the same moment, and this one was "
        "not saved. Send it again."
    )
    if wants_json(request):
        response = JsonResponse({"detail": message, "database": "busy"}, status=503)
    else:
        response = HttpResponse(
            loader.render_to_string("503_busy.html", {"message": message}),
            status=503,
        )
    response["Retry-After"] = str(WRITE_COLLISION_RETRY_SECONDS)
    return response


class RequestLogMiddleware:
    """One JSON line per request: method, path, status, duration and user id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if request_log.isEnabledFor(logging.INFO):
            user = getattr(request, "user", None)
            request_log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "query": redacted_query(request),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user.pk
                    if user is not None and user.is_authenticated
                    else None,
                },
            )
        return response


def redacted_query(request):
    return {
        name: "[redacted]" if name.lower() in REDACTED_PARAMETERS else values
        for name, values in request.GET.lists()
    } or None
