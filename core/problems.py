"""API errors as RFC 9457 problem details (``application/problem+json``).

Every error the API answers with, whether DRF raised it in a view or the
middleware refused the request before a view ran, has one shape::

    {"type": "urn:evidence-atlas:problem:invalid", "title": "Invalid input",
     "status": 400, "detail": "…", "code": "invalid",
     "errors": [{"field": "doi", "code": "duplicate", "detail": "…"}]}

``code`` (top level and per error) is the stable, machine-readable part: a
client branches on it, never on the English of ``detail``. ``field`` names
the body field or query parameter at fault (dotted for nested ones, e.g.
``authors.0``), or is null for the request as a whole. A refusal because the
data would duplicate a stored object is a 409 with code ``duplicate``.

drf-standardized-errors was considered: its format is its own (``type``,
``errors[].attr``), not RFC 9457, and its schema generation replaces our
AutoSchema (core/schema.py); flattening DRF's error details is the few
lines below.
"""

from http import HTTPStatus

from django.http import JsonResponse
from rest_framework.exceptions import ErrorDetail

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:evidence-atlas:problem:"

# Field-level codes that mean "this would duplicate a stored object": DRF's
# UniqueValidator and UniqueTogetherValidator, Django's unique checks and the
# models' named unique constraints.
DUPLICATE_CODES = {"unique", "unique_together", "duplicate_doi", "duplicate_pmid"}
DUPLICATE = "duplicate"

# Titles of the problem types: a short summary that does not change from one
# occurrence to the next (RFC 9457, 3.1.4). Others take the HTTP phrase.
TITLES = {
    "invalid": "Invalid input",
    "duplicate": "Duplicate",
    "conflict": "Conflict with stored data",
    "protected": "Still referenced",
    "stale_revision": "Stale revision",
    "unknown_parameter": "Unknown query parameter",
    "precondition_failed": "Resource changed",
    "moved_permanently": "Moved permanently",
    "database_unavailable": "Database unavailable",
    "database_busy": "Write collided",
    "locked_out": "Locked out",
}


def problem(status, *, code, detail, errors=None, **extra):
    """The problem details document for one error."""
    body = {
        "type": TYPE_PREFIX + code,
        "title": TITLES.get(code) or HTTPStatus(status).phrase,
        "status": status,
        "detail": str(detail),
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return body


def problem_response(status, *, code, detail, **extra):
    """A problem as a plain Django response, for errors raised outside DRF
    (middleware, URL resolution, the sign-in lockout)."""
    return JsonResponse(
        problem(status, code=code, detail=detail, **extra),
        status=status,
        content_type=MEDIA_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


def flat_errors(detail, field=None):
    """DRF's nested error details as a flat list of ``{field, code, detail}``.

    ``non_field_errors`` and a bare list are errors of the request as a whole
    (``field`` null); nested serializers and list positions give dotted names.
    """
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            name = None if key == "non_field_errors" else str(key)
            if field is not None:
                name = f"{field}.{name}" if name is not None else field
            errors.extend(flat_errors(value, name))
        return errors
    if isinstance(detail, list):
        errors = []
        for item in detail:
            errors.extend(flat_errors(item, field))
        return errors
    code = getattr(detail, "code", None) or "invalid"
    if code in DUPLICATE_CODES:
        code = DUPLICATE
    error = {"field": field, "code": code, "detail": str(detail)}
    existing = getattr(detail, "existing", None)
    if existing:
        error["existing"] = existing
    return [error]


class Duplicate(Exception):
    """A write every error of which is a duplicate of a stored object (409).

    ``errors`` are flat (:func:`flat_errors`), each with the ``existing``
    object's API URL.
    """

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def validation_problem(detail):
    """A 400, or a 409 when every error is a duplicate of stored data.

    ``detail``: DRF's error details, or errors already flat.
    """
    errors = (
        detail
        if isinstance(detail, list)
        and all(isinstance(e, dict) for e in detail)
        and detail
        else flat_errors(detail)
    )
    codes = {error["code"] for error in errors}
    if codes == {DUPLICATE}:
        status, code = 409, DUPLICATE
    elif codes == {"unknown_parameter"}:
        status, code = 400, "unknown_parameter"
    else:
        status, code = 400, "invalid"
    if len(errors) == 1:
        only = errors[0]
        summary = (
            f"{only['field']}: {only['detail']}" if only["field"] else only["detail"]
        )
    else:
        fields = sorted({error["field"] or "(request)" for error in errors})
        summary = f"{len(errors)} errors, in: {', '.join(fields)}."
    return problem(status, code=code, detail=summary, errors=errors)


def error_detail(message, code):
    """A DRF message that keeps its code through ValidationError."""
    return ErrorDetail(str(message), code=code)
