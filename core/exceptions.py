"""The API's exception handler: every error as an RFC 9457 problem
(core/problems.py), model validation as field errors, integrity and
protection errors as 409s, and a renamed resource as a 301."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .problems import MEDIA_TYPE as PROBLEM_MEDIA_TYPE
from .problems import (
    Duplicate,
    error_detail,
    problem,
    validation_problem,
)


class MovedPermanently(Exception):
    """The resource lives at ``location`` now (e.g. a renamed claim)."""

    def __init__(self, location):
        super().__init__(location)
        self.location = location


def exception_handler(exc, context):
    """Every API error as an RFC 9457 problem (core/problems.py).

    DRF's handler, plus model validation as field errors, and integrity or
    protection errors as 409s: a race between two writers (both pass
    validation, the database refuses the second) must read as a clear
    conflict, never as a 500.
    """
    if isinstance(exc, MovedPermanently):
        body = problem(
            301,
            code="moved_permanently",
            detail=f"Moved permanently to {exc.location}",
            location=exc.location,
        )
        return _problem(
            context, Response(body, status=301, headers={"Location": exc.location})
        )
    if isinstance(exc, Duplicate):
        body = validation_problem(exc.errors)
        return _problem(context, Response(body, status=body["status"]))
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(django_error_details(exc))
    elif isinstance(exc, ProtectedError):
        body = problem(
            409,
            code="protected",
            detail=f"Cannot delete: {len(exc.protected_objects)} evidence link(s) "
            "still cite it. Remove those links first.",
        )
        return _problem(context, Response(body, status=409))
    elif isinstance(exc, IntegrityError):
        body = problem(
            409,
            code="conflict",
            detail="This change conflicts with data stored meanwhile (e.g. a "
            "duplicate). Reload and try again.",
        )
        return _problem(context, Response(body, status=409))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        response.data = validation_problem(exc.detail)
        response.status_code = response.data["status"]
    else:
        detail, extra = response.data, {}
        if isinstance(detail, dict) and "detail" in detail:
            # Members beyond the problem's own (a 410's ``reason``) stay.
            extra = {
                key: value
                for key, value in detail.items()
                if key not in ("type", "title", "status", "detail", "code")
            }
            detail = detail["detail"]
        code = (
            detail.code
            if isinstance(detail, ErrorDetail) and detail.code
            else getattr(exc, "default_code", "error")
        )
        response.data = problem(response.status_code, code=code, detail=detail, **extra)
    return _problem(context, response)


def _problem(context, response):
    """Label a problem ``application/problem+json`` (not in the browsable API,
    whose HTML page shows it)."""
    request = context.get("request")
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is None or renderer.format != "api":
        response.content_type = PROBLEM_MEDIA_TYPE
    return response


def django_error_details(error):
    """A Django ValidationError as DRF error details, codes kept."""
    if not hasattr(error, "error_dict"):
        return {
            "non_field_errors": [
                error_detail(message, item.code or "invalid")
                for item in error.error_list
                for message in item.messages
            ]
        }
    return {
        ("non_field_errors" if field == NON_FIELD_ERRORS else field): [
            error_detail(message, item.code or "invalid")
            for item in items
            for message in item.messages
        ]
        for field, items in error.error_dict.items()
    }
