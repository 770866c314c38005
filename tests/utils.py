from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_during(action):
    """Run ``action`` and return how many database queries it made."""
    with CaptureQueriesContext(connection) as context:
        action()
    return len(context.captured_queries)


def assert_constant_queries(action, grow):
    """``action`` makes the same number of queries before and after ``grow()``.

    ``action`` runs once first to warm caches (content types, sessions, the
    per-filter counts that a write makes stale), so that only the cost of the
    rows being listed is compared.
    """
    action()
    before = queries_during(action)
    grow()
    action()
    after = queries_during(action)
    assert after == before, (
        f"{before} queries before the data grew, {after} after: an N+1"
    )
    return before


def queries_per_request(action):
    """Queries ``action`` makes once per-filter counts are cached, as on every
    request but the first: it runs once first, then is counted. Responses are
    not served from the cache meanwhile (API_RESPONSE_CACHE_SECONDS=0)."""
    from django.test import override_settings

    with override_settings(API_RESPONSE_CACHE_SECONDS=0):
        action()
        return queries_during(action)


def field_errors(response):
    """An API problem's per-field messages, ``{field: [detail, …]}``.

    Errors of the request as a whole are under ``non_field_errors``. Also
    checks that the body is an RFC 9457 problem (core/problems.py).
    """
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == response.status_code
    errors = {}
    for error in problem["errors"]:
        errors.setdefault(error["field"] or "non_field_errors", []).append(
            error["detail"]
        )
    return errors


def error_codes(response):
    """An API problem's ``{field: code}`` (the last code of each field)."""
    return {
        error["field"] or "non_field_errors": error["code"]
        for error in response.json()["errors"]
    }
